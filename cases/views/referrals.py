"""WORK IN PROGRESS: being written now; replace every function below."""

from django.http import Http404


def referral_list(request, *args, **kwargs):
    raise Http404("not written yet")


def new_referral(request, *args, **kwargs):
    raise Http404("not written yet")


def score_preview(request, *args, **kwargs):
    raise Http404("not written yet")


def referral_detail(request, *args, **kwargs):
    raise Http404("not written yet")

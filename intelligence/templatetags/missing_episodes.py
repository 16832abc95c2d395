"""The case page's "Missing episodes" summary: one aggregate query (intelligence/episodes.py)
over the case's episodes the viewer may see."""

from __future__ import annotations

from django import template

from intelligence import episodes
from intelligence.models import MissingEpisode

register = template.Library()


@register.simple_tag(takes_context=True)
def case_missing_summary(context, case) -> episodes.CaseMissingSummary:
    user = context["request"].user
    return episodes.case_summary(MissingEpisode.objects.visible_to(user).filter(case=case))


@register.filter
def interview_label(state: str) -> str:
    return episodes.interview_label(state)


@register.filter
def interview_tag(state: str) -> str:
    return episodes.interview_tag(state)

"""Your account (/account/): who you are, your password and your API tokens.

Every signed-in person reaches only their own account: there is no id of a person in
these URLs, and a token is fetched through its owner (someone else's is "not found").
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from audit.models import AuditEvent
from audit.services import record
from panel import accounts
from panel.forms import ApiTokenForm, ChangePasswordForm
from panel.forms_govuk import add_service_errors
from panel.models import ApiToken


@login_required
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    """Name, agency and roles (from the user loaded with the request), and the links."""
    return render(
        request,
        "account/overview.html",
        {"token_count": accounts.api_tokens_of(request.user).count()},
    )


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    """Change your own password. This session stays signed in; every other one ends (the
    session hash changes) and every API token of yours is revoked."""
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        revoked = accounts.change_password(
            request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, request.user)
        message = "Your password has been changed"
        if revoked:
            message += (
                f". Your {revoked} API token{'s were' if revoked > 1 else ' was'} revoked: "
                "make a new one if you still need it."
            )
        messages.success(request, message)
        return redirect("account")
    return render(
        request,
        "account/password.html",
        {"form": form, "rules": password_validators_help_texts()},
    )


@login_required
@require_http_methods(["GET"])
def tokens(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "account/tokens.html",
        {"tokens": list(accounts.api_tokens_of(request.user))},
    )


@sensitive_variables("key")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_new(request: HttpRequest) -> HttpResponse:
    """Make a token. Its key is in this one response (never stored, never cached, not
    behind a redirect that would need it kept somewhere), and never shown again."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = accounts.create_api_token(
                request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return render(request, "account/token_created.html", {"token": token, "key": key})
    return render(
        request,
        "account/token_new.html",
        {"form": form, "max_days": settings.API_TOKEN_MAX_DAYS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then revoke one of your own tokens (POST)."""
    token = _own_token(request, pk)
    if request.method == "POST":
        accounts.revoke_api_token(request.user, token=token)
        messages.success(request, f"The API token “{token.name}” has been revoked")
        return redirect("account-tokens")
    return render(request, "account/token_revoke.html", {"token": token})


def _own_token(request: HttpRequest, pk: int) -> ApiToken:
    """The signed-in person's token, or 404 exactly as for a token that does not exist;
    an attempt on someone else's is recorded as ``denied``."""
    token = accounts.api_tokens_of(request.user).filter(pk=pk).first()
    if token is None:
        if ApiToken.objects.filter(pk=pk).exists():
            record(
                actor=request.user,
                verb=AuditEvent.Verb.DENIED,
                object_type=ApiToken._meta.label_lower,
                object_id=pk,
            )
        raise Http404("No API token found.")
    return token

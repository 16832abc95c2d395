"""Sign-in lockout (django-axes): the page a locked-out sign-in gets, and unlocking.

Axes counts failed sign-ins per username *and* client address (settings:
AXES_LOCKOUT_PARAMETERS). It counts whatever username was typed, so a made-up username is
locked out after exactly as many tries, with exactly the same page, as a real one: the
lockout says nothing about whether an account exists. Lockouts are recorded by
audit/signals.py; unlocking goes through ``unlock_sign_in`` so it is recorded too.
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from audit.models import AuditEvent
from audit.services import record
from panel.forms import SignInForm


def cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    minutes = cool_off_minutes()
    wait = f"{minutes} minute{'' if minutes == 1 else 's'}"
    return (
        f"There have been too many attempts to sign in. Wait {wait}, then try again. "
        "If you have forgotten your password, contact your panel coordinator."
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, status 429 with Retry-After, the
    username kept and the same message whether or not the account exists.

    The form is not bound: binding and validating it would try to authenticate again."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    form = SignInForm(request, initial={"username": username[:150]})
    response = TemplateResponse(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": lockout_message(), "next": request.POST.get("next", "")},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response.render()


def unlock_sign_in(*, actor: Any, username: str, address: str | None = None, via: str) -> int:
    """Clear the failed sign-ins of ``username`` (from ``address`` only, if given), which
    ends any lockout of them. Staff call it from the admin, operators with
    ``manage.py unlock_sign_in``. Records one ``unlocked`` event naming the username, the
    address and how it was done (``actor`` is the staff user; None from the command line,
    where ``via`` names the operating-system user). Returns the number of records cleared."""
    attempts = AccessAttempt.objects.filter(username=username)
    if address:
        attempts = attempts.filter(ip_address=address)
    with transaction.atomic():
        _, by_model = attempts.delete()
        cleared = by_model.get(AccessAttempt._meta.label, 0)
        record(
            actor=actor,
            verb=AuditEvent.Verb.UNLOCKED,
            object_type="panel.user",
            changes={
                "username": username,
                "address": address or "any",
                "cleared": cleared,
                "via": via,
            },
        )
    return cleared

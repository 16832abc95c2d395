"""Two-factor authentication (TOTP and recovery codes, with django-otp's devices).

Who must use it, the writes (confirm a device, new recovery codes, reset by an
administrator; each audited, never the secret or a code), checking a code at sign-in, and
the middleware that keeps a signed-in user who must use it away from every page until their
session has passed the second step.

Whether a session passed the second step is kept in the session itself (``mfa_verified``),
set once at sign-in: the session is loaded on every request anyway, so enforcing it costs no
query, unlike django-otp's OTPMiddleware, which loads the device on every request.
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import record
from panel.models import Role, User

VERIFIED_SESSION_KEY = "mfa_verified"
# Between the password and the code: {"user", "backend", "at", "next", "setup"}.
PENDING_SESSION_KEY = "mfa_pending"
# Recovery codes just made, shown once by the recovery codes page and then forgotten.
NEW_CODES_SESSION_KEY = "mfa_new_recovery_codes"

TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
_SIX_DIGITS = re.compile(r"^\d{6}$")


def mfa_required(user: User) -> bool:
    """Coordinators, auditors and staff must sign in with a second factor; everyone when
    MFA_REQUIRED_FOR_ALL is on. Reads the roles loaded with the user: no query."""
    if settings.MFA_REQUIRED_FOR_ALL or user.is_staff or user.is_superuser:
        return True
    return bool(user.roles & {Role.COORDINATOR, Role.AUDITOR})


def authenticator(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_mfa(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_key(device: TOTPDevice) -> str:
    """The device's secret as authenticator apps take it typed in: base32, in groups of 4."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def pending_device(user: User) -> TOTPDevice:
    """The not yet confirmed device whose secret the set-up page shows; the same one on
    every visit until it is confirmed, so a reload does not invalidate a scanned code.
    Unconfirmed, it does nothing: nothing is recorded until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def confirm_authenticator(actor: User, *, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the actor's own new authenticator with a code from it; on success make their
    first recovery codes and return them (shown once), otherwise None.

    Called by the user themself (signed in, or between password and code at sign-in).
    Records ``created`` on the device (never its secret) and ``updated`` on the user for the
    recovery codes, in one transaction. Replaces any earlier authenticator of theirs. The
    device's own throttling applies to wrong codes."""
    if device.user_id != actor.pk or device.confirmed:
        raise PermissionDenied("Not your device to confirm.")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(_normalise(code)):
            return None
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            obj=device,
            object_type="otp_totp.totpdevice",
            changes={"two_factor": "authenticator app confirmed"},
        )
        return _new_recovery_codes(actor, actor)


def regenerate_recovery_codes(actor: User) -> list[str]:
    """New recovery codes for the actor's own account; the old ones stop working at once.

    Called by the signed-in user, who has an authenticator. Records ``updated`` on the user
    ("recovery codes replaced"), never the codes."""
    if not has_mfa(actor):
        raise PermissionDenied("Set up an authenticator app first.")
    with transaction.atomic():
        return _new_recovery_codes(actor, actor)


def _new_recovery_codes(actor: User, user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    record(
        actor=actor,
        verb=AuditEvent.Verb.UPDATED,
        obj=user,
        changes={"recovery_codes": f"{len(codes)} new codes, earlier codes void"},
    )
    return codes


def reset_mfa(actor: User, *, user: User) -> None:
    """Remove another person's authenticator and recovery codes (a lost phone).

    Staff only, never on themselves (a second administrator does it). Records ``updated``
    on the user ("two_factor": "reset"). If their roles require two-factor sign-in they are
    taken to set it up again at their next sign-in, and every session they have open ends.
    The person, every auditor and their areas' coordinators are notified
    (``panel.services.notify_account_reset``)."""
    if not (actor.is_staff and actor.is_active):
        raise PermissionDenied("Only an administrator may reset two-factor authentication.")
    if actor.pk == user.pk:
        raise PermissionDenied("You cannot reset your own two-factor authentication.")
    with transaction.atomic():
        _, apps = TOTPDevice.objects.filter(user=user).delete()
        _, codes = StaticDevice.objects.filter(user=user).delete()
        removed = apps.get("otp_totp.TOTPDevice", 0) + codes.get("otp_static.StaticDevice", 0)
        event = record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            obj=user,
            changes={"two_factor": "reset by an administrator", "devices_removed": removed},
        )
        # With a password set in the admin this is a way into the account: it is told.
        from panel.services import notify_account_reset

        notify_account_reset(by=actor, user=user, event=event)
        end_sessions(user)


def end_sessions(user: User) -> int:
    """End every signed-in session of ``user`` (after their two-factor sign-in is reset:
    whoever holds their computer signed in must sign in again). Database sessions are
    matched by their signed-in user's id, read from each live session; returns how many
    ended."""
    from django.contrib.sessions.models import Session

    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def verify_second_factor(user: User, code: str) -> tuple[Device | None, int | None]:
    """Check a code at sign-in: six digits against the authenticator, anything else against
    the recovery codes (a used recovery code is deleted). Returns the device that accepted
    it, or None and, when a device is refusing every code for now, the seconds to wait.

    Nothing is recorded here: the sign-in view records a failure as ``login_failed``."""
    code = _normalise(code)
    with transaction.atomic():
        if _SIX_DIGITS.fullmatch(code):
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices:
            wait = throttle_wait(device)
            if wait:
                return None, wait
            if device.verify_token(code):
                return device, None
    return None, None


def throttle_wait(device: Device) -> int | None:
    """Seconds before the device accepts another code after repeated wrong ones, or None."""
    allowed, details = device.verify_is_allowed()
    return None if allowed else _wait_seconds(device, details)


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", str(code or "")).lower()


def _wait_seconds(device: Device, details: dict[str, Any] | None) -> int:
    failures = (details or {}).get("failure_count", device.throttling_failure_count)
    delay = device.get_throttle_factor() * (2 ** (max(failures, 1) - 1))
    since = time.time() - device.throttling_failure_timestamp.timestamp()
    return max(1, int(delay - since) + 1)


# --- the session -----------------------------------------------------------------------


def mark_verified(request: HttpRequest) -> None:
    request.session[VERIFIED_SESSION_KEY] = True


def start_pending(request: HttpRequest, user: User, *, next_url: str, setup: bool) -> None:
    """Between the password and the code: who, with which backend, since when, and where
    to go after. Nobody is signed in yet."""
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "at": time.time(),
        "next": next_url,
        "setup": setup,
    }


def pending_user(request: HttpRequest) -> tuple[User | None, dict]:
    """The user between password and code, or None if there is none or it has expired
    (MFA_PENDING_SECONDS after the password)."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending:
        return None, {}
    if time.time() - pending.get("at", 0) > settings.MFA_PENDING_SECONDS:
        del request.session[PENDING_SESSION_KEY]
        return None, {}
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user, pending


# --- enforcement -----------------------------------------------------------------------

# Reachable by a signed-in user who must still set up or pass the second step.
_EXEMPT_NAMES = ("logout", "login", "sign-in-code", "healthz")
_EXEMPT_PREFIXES = ("/account/two-factor/",)


class TwoFactorMiddleware:
    """A signed-in user who must use two-factor sign-in and whose session has not passed it
    (signed in before it was required, or given a role that requires it) reaches only the
    two-factor pages and sign-out: pages redirect there, the API answers 403.

    Adds no query: a verified session or one with nobody signed in returns at once (the
    session is read on every request anyway); otherwise the user is the one the view loads
    next. API calls with a token carry no session and are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt_paths: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.get(VERIFIED_SESSION_KEY) or "_auth_user_id" not in session:
            return self.get_response(request)
        if self._exempt(request.path):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated or not mfa_required(user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": "Two-factor authentication is required for this account: "
                    "sign in on the web with your authenticator app first.",
                    "code": "two_factor_required",
                },
                status=403,
            )
        return redirect("account-mfa-setup")

    def _exempt(self, path: str) -> bool:
        if self._exempt_paths is None:
            self._exempt_paths = (
                *(reverse(name) for name in _EXEMPT_NAMES),
                *_EXEMPT_PREFIXES,
                "/" + settings.STATIC_URL.lstrip("/"),
            )
        return path.startswith(self._exempt_paths)

"""Session limits (ASVS V3): an idle timeout and a maximum length from sign-in.

Both clocks live in the session itself, which is loaded on every signed-in request anyway
(for ``request.user``), so checking them costs no query. ``SESSION_SAVE_EVERY_REQUEST`` is
not used: re-saving pushes the session's expiry forward on every request, which would lift
the maximum. Instead:

- signing in (``user_logged_in``, which ``Client.force_login`` also sends) stores the sign-in
  time and the last-activity time;
- each request the user makes moves the last-activity time, written only when the stored
  one is more than ``ACTIVITY_WRITE_SECONDS`` old (a session write is an UPDATE query);
- background requests (htmx previews and polling, marked ``X-Background: 1``) are checked
  like any other but never count as activity;
- once either limit has passed the session is flushed, the sign-out is audited as
  ``logged_out`` with the reason, and the request goes on as an anonymous one: a page is
  sent to sign in with a banner saying why, an htmx request is told to send the browser
  there (HX-Redirect), an API call is answered 401/403 by DRF as for anyone not signed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.models import AuditEvent
from audit.services import record

SIGNED_IN_AT = "panel_signed_in_at"
LAST_ACTIVE_AT = "panel_last_active_at"
# The last-activity time is rewritten at most this often: being signed out up to this many
# seconds early is the price of no write on most requests.
ACTIVITY_WRITE_SECONDS = 60
BACKGROUND_HEADER = "X-Background"
# Remaining seconds, on every signed-in response, so a page's timeout warning can follow
# activity that happened without reloading it (htmx requests).
IDLE_HEADER = "X-Session-Idle-Seconds"
MAXIMUM_HEADER = "X-Session-Maximum-Seconds"


def now() -> int:
    return int(time.time())


@receiver(user_logged_in)
def start_session_clocks(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Every sign-in starts both clocks again (the session key is new too)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    signed_in = now()
    session[SIGNED_IN_AT] = signed_in
    session[LAST_ACTIVE_AT] = signed_in


def is_background(request: HttpRequest) -> bool:
    """A request the page made by itself (a preview, a progress poll), not the user."""
    return request.headers.get(BACKGROUND_HEADER) == "1"


@dataclass(frozen=True)
class Remaining:
    """Seconds left before each limit, as of this request."""

    idle: int
    maximum: int

    @property
    def seconds(self) -> int:
        return min(self.idle, self.maximum)


def remaining(request: HttpRequest) -> Remaining | None:
    """What is left of a signed-in session, or None when the request has none."""
    session = request.session
    signed_in, last_active = session.get(SIGNED_IN_AT), session.get(LAST_ACTIVE_AT)
    if signed_in is None or last_active is None:
        return None
    moment = now()
    return Remaining(
        idle=settings.SESSION_IDLE_TIMEOUT - (moment - last_active),
        maximum=settings.SESSION_COOKIE_AGE - (moment - signed_in),
    )


def describe_seconds(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def signed_out_message(reason: str) -> str:
    if reason == "idle":
        return (
            f"You were signed out after {describe_seconds(settings.SESSION_IDLE_TIMEOUT)} "
            "of inactivity. Sign in again to continue."
        )
    return (
        "You were signed out because you had been signed in for "
        f"{describe_seconds(settings.SESSION_COOKIE_AGE)}. Sign in again to continue."
    )


def _answers_as_api(request: HttpRequest) -> bool:
    """API calls and the keep-alive: no redirect, the view answers an anonymous caller."""
    return request.path.startswith("/api/") or request.path == reverse("session-keep-alive")


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        # No cookie: nothing is loaded and nothing is queried.
        if session.get(SESSION_KEY) is None:
            return self.get_response(request)

        moment = now()
        if session.get(SIGNED_IN_AT) is None or session.get(LAST_ACTIVE_AT) is None:
            # A session from before these limits: its clocks start now.
            session.setdefault(SIGNED_IN_AT, moment)
            session[LAST_ACTIVE_AT] = moment
        if moment - session[SIGNED_IN_AT] >= settings.SESSION_COOKIE_AGE:
            return self.sign_out(request, "maximum")
        if moment - session[LAST_ACTIVE_AT] >= settings.SESSION_IDLE_TIMEOUT:
            return self.sign_out(request, "idle")
        if not is_background(request) and moment - session[LAST_ACTIVE_AT] >= (
            ACTIVITY_WRITE_SECONDS
        ):
            session[LAST_ACTIVE_AT] = moment

        response = self.get_response(request)
        left = remaining(request) if request.user.is_authenticated else None
        if left is not None:
            response[IDLE_HEADER] = str(left.idle)
            response[MAXIMUM_HEADER] = str(left.maximum)
        return response

    def sign_out(self, request: HttpRequest, reason: str) -> HttpResponse:
        user = request.user
        record(actor=user, verb=AuditEvent.Verb.LOGGED_OUT, obj=user, changes={"reason": reason})
        # Not auth.logout(): its user_logged_out signal would record a second, reasonless
        # sign-out.
        request.session.flush()
        request.user = AnonymousUser()
        if _answers_as_api(request):
            return self.get_response(request)
        messages.info(request, signed_out_message(reason))
        login_url = resolve_url(settings.LOGIN_URL)
        if request.path == login_url:
            target = request.get_full_path()
        else:
            back_to = request.get_full_path() if request.method == "GET" else request.path
            target = f"{login_url}?next={quote(back_to)}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)


@never_cache
@require_POST
def keep_alive(request: HttpRequest) -> JsonResponse:
    """The timeout warning's "Stay signed in": counts as activity, answers what is left.
    An expired or absent session gets 401 and the page sends the browser to sign in."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    request.session[LAST_ACTIVE_AT] = now()
    left = remaining(request)
    assert left is not None
    return JsonResponse(
        {"signed_in": True, "idle_seconds": left.idle, "maximum_seconds": left.maximum}
    )


def timeout_context(request: HttpRequest) -> dict:
    """For base.html: what the timeout warning needs (nothing when not signed in)."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False) or not hasattr(request, "session"):
        return {}
    left = remaining(request)
    if left is None:
        return {}
    return {
        "session_timeout": {
            "idle": left.idle,
            "maximum": left.maximum,
            "warning": settings.SESSION_TIMEOUT_WARNING,
            "idle_limit": describe_seconds(settings.SESSION_IDLE_TIMEOUT),
        }
    }

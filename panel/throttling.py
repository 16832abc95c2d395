"""API throttling: DRF's per-user and per-address throttles, counted by the client address
the audit trail records, and a stricter limit on failed authentication.

DRF checks throttles only after authentication and permissions, so a wrong or expired
token (a 401) never reaches them: on its own it could be tried without limit. The
middleware here counts 401s from the API per client address and, past the
``unauthenticated`` rate, answers 429 to that address's API calls that come without a
signed-in session, before any token is looked at.

Every count lives in the default cache: Redis when REDIS_URL is set (shared by every
process); the local-memory fallback counts per process only.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, throttling
from rest_framework.settings import api_settings

from audit.middleware import client_address


class _ByClientAddress:
    """Counts anonymous callers by the audit trail's client address (X-Forwarded-For only
    when TRUST_X_FORWARDED_FOR), not by DRF's own reading of the header, which a client
    could vary to start a fresh count. Rates are read at each use, so they follow the
    settings."""

    @property
    def THROTTLE_RATES(self) -> dict[str, str | None]:  # DRF reads this name
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request: HttpRequest) -> str:
        return client_address(request) or ""


class UserRateThrottle(_ByClientAddress, throttling.UserRateThrottle):
    """Signed-in users, by user (API_THROTTLE_USER)."""


class AnonRateThrottle(_ByClientAddress, throttling.AnonRateThrottle):
    """Callers not signed in, by address (API_THROTTLE_ANON), on operations open to them."""


class FailedAuthenticationThrottle(_ByClientAddress, throttling.SimpleRateThrottle):
    """401s answered to one client address (API_THROTTLE_UNAUTHENTICATED)."""

    scope = "unauthenticated"

    def get_cache_key(self, request: HttpRequest, view: object = None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def seconds_refused(self, request: HttpRequest) -> float | None:
        """Seconds until this address may try again, or None if it may now."""
        if self.rate is None:
            return None
        self._load(request)
        if len(self.history) < self.num_requests:
            return None
        # Newest first: a try is allowed again once the Nth newest failure is too old.
        return max(self.history[self.num_requests - 1] + self.duration - self.now, 1.0)

    def count_failure(self, request: HttpRequest) -> None:
        if self.rate is None:
            return
        self._load(request)
        self.throttle_success()  # records now in the history

    def _load(self, request: HttpRequest) -> None:
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()


class UnauthenticatedApiMiddleware:
    """Limits failed authentication on the API per client address (see the module's
    docstring). A signed-in session is never refused here: its own user throttle applies."""

    prefix = "/api/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(self.prefix):
            return self.get_response(request)
        signed_in = request.user.is_authenticated
        if not signed_in:
            wait = FailedAuthenticationThrottle().seconds_refused(request)
            if wait is not None:
                return too_many_requests(wait)
        response = self.get_response(request)
        if response.status_code == 401:
            FailedAuthenticationThrottle().count_failure(request)
        return response


def too_many_requests(wait: float) -> JsonResponse:
    """The API's 429, as DRF's Throttled answers it: a detail sentence and Retry-After."""
    seconds = math.ceil(wait)
    response = JsonResponse({"detail": str(exceptions.Throttled(seconds).detail)}, status=429)
    response["Retry-After"] = str(seconds)
    return response

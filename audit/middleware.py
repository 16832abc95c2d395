import re
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from audit.context import RequestContext, current

# Letters, digits, dot, underscore and hyphen, but not a leading hyphen: the id is written
# into CSV exports, where "-..." would open as a formula. Anything else gets a fresh id.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$")


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the first X-Forwarded-For hop when settings say a trusted proxy
    sets it."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Gives each request an id (a proxy's X-Request-ID if well formed) for the audit trail
    and the response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current.set(RequestContext(request_id, client_address(request)))
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = request_id
        return response

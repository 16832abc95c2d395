"""The OpenAPI schema says which errors each operation answers, as the API gives them
(see panel/api_errors.py): 400 with errors by field, 403 refused by role, 404 not found
or outside the user's scope (and, on a list, a page that does not exist), 429 too many
requests (every throttled operation, with Retry-After), 415 a body the operation cannot
read (every write). 409s are documented by the
operations that give them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers


class ErrorSerializer(serializers.Serializer):
    """403, 404 or 429: why, in a sentence. Nothing was saved."""

    detail = serializers.CharField()


FIELD_ERRORS = OpenApiResponse(
    # Keys are the fields (or filters) at fault, "non_field_errors" for the whole input;
    # values are their messages (nested for nested input).
    {"type": "object", "additionalProperties": {}},
    description="Bad input: errors by field. Nothing was saved.",
)
REFUSED = OpenApiResponse(ErrorSerializer, description="Refused for the user's role.")
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such record, or outside the user's scope (the same)."
)

UNSUPPORTED_BODY = OpenApiResponse(
    ErrorSerializer,
    description="The body's media type is not one the operation takes (JSON, a form, or "
    "multipart), or could not be read as it says. Nothing was saved.",
)

THROTTLED = OpenApiResponse(
    ErrorSerializer,
    description="Too many requests (see README, Lockout and throttling). Nothing was done: "
    "try again after the number of seconds in Retry-After.",
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=["429"],
    description="Seconds to wait before trying again.",
)

# DRF's page-number pagination answers a page past the last, or not a number, with 404.
NO_SUCH_PAGE = OpenApiResponse(
    ErrorSerializer, description="No such page: past the last one, or not a page number."
)


class PanelAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with the error responses an operation can give."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code)
        return responses

    def _error_responses(self) -> dict[str, OpenApiResponse]:
        errors: dict[str, OpenApiResponse] = {}
        writes = self.method not in permissions.SAFE_METHODS
        lists = self._is_list_view() and getattr(self.view, "filterset_class", None)
        if writes or lists:
            errors["400"] = FIELD_ERRORS
        if writes:
            errors["415"] = UNSUPPORTED_BODY
        # Writes guarded by more than being signed in (auditors and roles are refused);
        # reads refused by role where the view says so (the audit trail).
        checks = [
            p for p in self.view.get_permissions() if type(p) is not permissions.IsAuthenticated
        ]
        if (writes and checks) or getattr(self.view, "refuses_reads_by_role", False):
            errors["403"] = REFUSED
        if "{" in self.path:
            errors["404"] = NOT_FOUND
        elif self._is_list_view() and getattr(self.view, "pagination_class", None):
            errors["404"] = NO_SUCH_PAGE
        if self.view.get_throttles():
            errors["429"] = THROTTLED
        return errors

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.view.get_throttles():
            parameters.append(RETRY_AFTER)
        return parameters

"""The one place that turns domain errors into API responses.

Services raise Django's ValidationError and PermissionDenied, ``panel.errors.Conflict`` and
``cases.workflow.InvalidTransition``; viewsets let them through and this handler answers:

- ValidationError: 400, ``{"field": ["message"]}``, anything not about one field under
  ``non_field_errors`` (the same shape as DRF's own serializer errors);
- PermissionDenied: 403 with the service's message;
- InvalidTransition and Conflict: 409, ``{"detail": ..., "current_version": ...}`` when the
  record's current version is known, so a client can re-read and try again;
- Http404: 404 ``{"detail": "Not found."}`` whatever the model or the reason, so a record
  out of the user's scope reads exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from cases.workflow import InvalidTransition
from panel.errors import Conflict


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as DRF's error shape: messages by field, and the rest under
    ``non_field_errors``."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: list(error.messages)}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in error.message_dict.items()
    }


def conflict_body(exc: Conflict | InvalidTransition) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, InvalidTransition):
        body["current_status"] = exc.from_status
        body["current_version"] = exc.case.version
    elif exc.current_version is not None:
        body["current_version"] = exc.current_version
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, (InvalidTransition, Conflict)):
        set_rollback()
        return Response(conflict_body(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, Http404):
        # Never the model's name or the lookup: out of scope and missing must be identical.
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, exceptions.PermissionDenied):
        # The one place a refusal by role in the API is recorded (NotAuthenticated is not a
        # PermissionDenied: an anonymous caller is not recorded).
        _record_refusal(context)
    return drf_exception_handler(exc, context)


def _record_refusal(context: dict[str, Any]) -> None:
    from audit.services import record_refusal

    request = context.get("request")
    if request is None:
        return
    view = context.get("view")
    object_type, object_id = "", ""
    kwargs = getattr(view, "kwargs", None) or {}
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    if kwargs.get(lookup) is not None:
        # The record the refused call named, by its type and id (no query is made).
        queryset = getattr(view, "queryset", None)
        model = getattr(queryset, "model", None)
        if model is None and hasattr(view, "get_queryset"):
            try:
                model = view.get_queryset().model
            except Exception:  # the type is a nicety; the refusal is recorded anyway
                model = None
        if model is not None:
            object_type, object_id = model._meta.label_lower, str(kwargs[lookup])[:40]
    record_refusal(request, object_type=object_type, object_id=object_id)

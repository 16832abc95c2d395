"""The audit trail over the API: auditors only, read-only, with the same filters as the
auditor's search page."""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django_filters.fields import IsoDateTimeRangeField
from rest_framework import serializers, viewsets

from audit.models import AuditEvent
from panel.filters import FilterSet


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "at", "actor", "actor_label", "actor_agency", "actor_roles", "verb",
            "object_type", "object_id", "case_reference", "changes", "request_id",
            "client_address", "prev_hash", "hash",
        ]  # fmt: skip


class UtcDateTimeRangeField(IsoDateTimeRangeField):
    """ISO 8601 date-times, compared in UTC. Python accepts offsets up to ±23:59 but
    PostgreSQL only ±15:59, and a moment near the calendar's ends can have no UTC
    equivalent: both were 500s (found by the schema fuzz), now the moment is turned to UTC
    here and one that cannot be is a 400."""

    def compress(self, data_list):
        moments = super().compress(data_list)
        if moments is None:
            return None
        try:
            start, stop = (m.astimezone(dt.UTC) if m else m for m in (moments.start, moments.stop))
        except OverflowError:
            raise forms.ValidationError("Enter a date-time between the years 1 and 9999.") from None
        return slice(start, stop)


class UtcDateTimeFromToRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    field_class = UtcDateTimeRangeField


class AuditEventFilter(FilterSet):
    case_reference = django_filters.CharFilter(lookup_expr="iexact")
    person = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains")
    agency = django_filters.CharFilter(field_name="actor_agency", lookup_expr="icontains")
    verb = django_filters.ChoiceFilter(choices=AuditEvent.Verb.choices)
    at = UtcDateTimeFromToRangeFilter(help_text="at_after / at_before: ISO 8601 date-times.")

    class Meta:
        model = AuditEvent
        fields = ["case_reference", "person", "agency", "verb", "at", "object_type", "object_id"]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Every change to case data, every look at a child's record, every sign-in: newest
    first. For auditors only; events cannot be changed or deleted."""

    serializer_class = AuditEventSerializer
    refuses_reads_by_role = True  # 403 for anyone but auditors (documented in the schema)
    filterset_class = AuditEventFilter
    queryset = AuditEvent.objects.none()

    def get_queryset(self):
        if not self.request.user.is_auditor:
            raise PermissionDenied("The audit trail is for auditors.")
        return AuditEvent.objects.order_by("-at", "-id")

"""The audit trail over the API: auditors only, read-only, with the same filters as the
auditor's search page."""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django_filters.fields import IsoDateTimeRangeField
from rest_framework import serializers, viewsets
from rest_framework.pagination import CursorPagination

from audit.models import AuditEvent, AuditEventObject, about_reference
from panel.filters import FilterSet
from panel.models import User


class ListedObjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEventObject
        fields = ["object_type", "object_id"]


class AuditEventSerializer(serializers.ModelSerializer):
    listed_objects = ListedObjectSerializer(
        many=True,
        read_only=True,
        help_text="For a listed event: the records the list or search returned (each "
        "record on the page and the child it is about). Empty for other events.",
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id", "at", "actor", "actor_label", "actor_agency", "actor_roles", "verb",
            "object_type", "object_id", "case_reference", "changes", "request_id",
            "client_address", "prev_hash", "hash", "listed_objects",
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
    case_reference = django_filters.CharFilter(
        method="filter_case_reference",
        help_text="A case reference, in any case: read through the upper-cased reference's index.",
    )
    actor = django_filters.NumberFilter(
        method="filter_actor", help_text="The acting person's account id."
    )
    person = django_filters.CharFilter(
        method="filter_person",
        help_text="The acting person's username, exactly (any case): their account is looked "
        "up and their events read by its id.",
    )
    agency = django_filters.CharFilter(
        field_name="actor_agency",
        lookup_expr="exact",
        help_text="The actor's agency as recorded, exactly (an agency's name).",
    )
    verb = django_filters.ChoiceFilter(choices=AuditEvent.Verb.choices)
    at = UtcDateTimeFromToRangeFilter(help_text="at_after / at_before: ISO 8601 date-times.")
    seen_child = django_filters.NumberFilter(
        method="filter_seen_child",
        help_text="Child id: the list and search reads (listed events) that showed this "
        "child, found through the listed records' index.",
    )

    class Meta:
        model = AuditEvent
        fields = [
            "case_reference", "actor", "person", "agency", "verb", "at", "object_type",
            "object_id",
        ]  # fmt: skip

    def filter_case_reference(self, queryset, name: str, value: str):
        return about_reference(queryset, value)

    def filter_actor(self, queryset, name: str, value):
        if value != int(value) or not 0 < value < 2**63:  # no such id: nothing, never a 500
            return queryset.none()
        return queryset.filter(actor_id=int(value))

    def filter_person(self, queryset, name: str, value: str):
        accounts = User.objects.filter(username__iexact=value.strip()).values("pk")
        return queryset.filter(actor_id__in=accounts)

    def filter_seen_child(self, queryset, name: str, value):
        if value != int(value) or not 0 < value < 2**63:  # no such id: nothing, never a 500
            return queryset.none()
        listed = AuditEventObject.objects.filter(object_type="cases.child", object_id=int(value))
        return queryset.filter(pk__in=listed.values("event_id"))


class NewestFirst(CursorPagination):
    """Pages by position (newest first), never counting the trail or skipping rows by
    OFFSET: ``next`` and ``previous`` are links holding an opaque cursor."""

    ordering = ("-at", "-id")
    page_size = 50


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Every change to case data, every look at a child's record, every sign-in: newest
    first, paged by cursor (follow ``next``). For auditors only; events cannot be changed
    or deleted."""

    pagination_class = NewestFirst

    serializer_class = AuditEventSerializer
    refuses_reads_by_role = True  # 403 for anyone but auditors (documented in the schema)
    filterset_class = AuditEventFilter
    queryset = AuditEvent.objects.none()

    def get_queryset(self):
        if not self.request.user.is_auditor:
            raise PermissionDenied("The audit trail is for auditors.")
        # The records of listed events: one query for the page, however many rows.
        return AuditEvent.objects.prefetch_related("listed_objects").order_by("-at", "-id")

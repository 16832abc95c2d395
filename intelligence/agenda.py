"""Agenda items about a person of concern or a location (issue 13): what each viewer sees.

Such an item's ``title`` is written when it is offered (``describe``) and names nothing:
"A person of concern linked to 3 children", "A location (takeaway or restaurant) linked to
2 children", a house being "a private address". Every place an agenda item shows (agenda,
meeting page, pack, minutes, hearing, API) shows that title to everyone who sees the
meeting. The agenda page also names the record, linked to its page, to a viewer the record
is ``visible_to`` (``named_records``): a coordinator of its area, a lead of a granted
agency for a record graded P or from their own agency, an auditor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import CharField, Value
from django.urls import reverse

from intelligence.models import Location, PersonOfConcern

URL_NAMES = {
    PersonOfConcern: "intelligence:person-detail",
    Location: "intelligence:location-detail",
}


def describe(record: PersonOfConcern | Location, children: int) -> str:
    """The title of an item about ``record``, safe for everyone who sees the meeting."""
    count = f"{children} child" if children == 1 else f"{children} children"
    if isinstance(record, PersonOfConcern):
        return f"A person of concern linked to {count}"
    kind = record.get_kind_display().lower()
    private = ", a private address" if record.is_private else ""
    return f"A location ({kind}{private}) linked to {count}"


@dataclass(frozen=True)
class NamedRecord:
    """The record an agenda item is about, for a viewer it is ``visible_to``."""

    label: str  # "intelligence.personofconcern" or "intelligence.location"
    pk: int
    name: str
    url: str


def named_records(user, items: Iterable) -> dict[int, NamedRecord]:
    """The records of these agenda items (of kind person or location) that ``user`` may see
    (``visible_to``), by item id: their name and page. Any other viewer is given the item's
    title only ("A person of concern linked to ...", a location by its kind), as
    intelligence/links_summary.py does on the case page.

    One query for the whole agenda (both kinds in one UNION), none when no item is about a
    record; names are read only for the records in scope, never for the others. An agency
    lead's grants are read once a request by ``intelligence.access.granted_area_ids``."""
    items = [item for item in items if item.person_id or item.location_id]
    if not items:
        return {}
    persons = {item.person_id for item in items if item.person_id}
    locations = {item.location_id for item in items if item.location_id}
    parts = []
    for model, ids in ((PersonOfConcern, persons), (Location, locations)):
        if ids:
            label = Value(model._meta.label_lower, output_field=CharField())
            parts.append(
                model.objects.visible_to(user)
                .filter(pk__in=ids)
                .annotate(label=label)
                .values_list("label", "pk", "name")
                .order_by()
            )
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    seen = {(label, pk): name for label, pk, name in rows}
    named = {}
    for item in items:
        model, pk = (
            (PersonOfConcern, item.person_id) if item.person_id else (Location, item.location_id)
        )
        label = model._meta.label_lower
        if (label, pk) in seen:
            url = reverse(URL_NAMES[model], args=[pk])
            named[item.pk] = NamedRecord(label=label, pk=pk, name=seen[(label, pk)], url=url)
    return named

"""Agenda items about a person of concern or a location (issue 13): what each viewer sees.

Such an item's ``title`` is written when it is offered (``describe``) and names nothing:
"A person of concern linked to 3 children", "A location (takeaway or restaurant) linked to
2 children", a house being "a private address". Every place an agenda item shows (agenda,
meeting page, pack, minutes, hearing, API) shows that title to everyone who sees the
meeting. (Not done yet: giving a viewer the record is ``visible_to`` its name and a link
on the agenda page; see docs-pending/patterns.md.)
"""

from __future__ import annotations

from intelligence.models import Location, PersonOfConcern


def describe(record: PersonOfConcern | Location, children: int) -> str:
    """The title of an item about ``record``, safe for everyone who sees the meeting."""
    count = f"{children} child" if children == 1 else f"{children} children"
    if isinstance(record, PersonOfConcern):
        return f"A person of concern linked to {count}"
    kind = record.get_kind_display().lower()
    private = ", a private address" if record.is_private else ""
    return f"A location ({kind}{private}) linked to {count}"

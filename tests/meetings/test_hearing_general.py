"""General business at the meeting: minuted as discussed (with what was said), so closing
the record does not carry it over as "not reached", and the minutes say what was said."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from meetings.models import AgendaItem, AgendaItemKind
from meetings.services import hearing
from meetings.services.minutes import build_sections
from panel.dates import london_today
from panel.errors import Conflict
from tests.factories import AgendaItemFactory, auditor
from tests.meetings.hearing_helpers import panel

pytestmark = pytest.mark.django_db


def general(p, title="Hotspot update (fictional)", **kwargs) -> AgendaItem:
    return AgendaItemFactory(
        meeting=p.meeting, kind=AgendaItemKind.GENERAL, case=None, title=title, **kwargs
    )


def test_a_general_item_discussed_is_heard_with_its_note_and_audited():
    p = panel()
    item = general(p)

    done = hearing.record_general_item(
        p.coordinator, item=item, note="  Police shared the hotspot map (fictional).  "
    )

    assert done.status == "heard" and done.note == "Police shared the hotspot map (fictional)."
    event = AuditEvent.objects.get(verb="updated", object_id=str(item.pk))
    assert event.changes["status"] == ["pending", "heard"]
    assert "hotspot" not in str(event.changes)


def test_closing_the_record_does_not_carry_a_general_item_discussed():
    p = panel()
    discussed, missed = general(p, title="Discussed"), general(p, title="Missed")
    hearing.record_general_item(p.coordinator, item=discussed, note="Noted.")

    hearing.close_hearing(p.coordinator, meeting=p.meeting, version=p.meeting.version)

    discussed.refresh_from_db()
    missed.refresh_from_db()
    assert discussed.status == "heard" and missed.status == "not_reached"
    carried = AgendaItem.objects.filter(moved_from__isnull=False)
    assert [i.title for i in carried] == ["Missed"]


def test_the_minutes_give_the_note_and_say_when_general_business_was_not_reached():
    p = panel()
    discussed = general(p, title="Discussed", reason_detail="Asked for by the police.")
    general(p, title="Missed", reason_detail="Carried over from an earlier meeting.")
    quiet = general(p, title="Quiet")
    hearing.record_general_item(p.coordinator, item=discussed, note="Map shared (fictional).")
    hearing.record_general_item(p.coordinator, item=quiet)
    hearing.close_hearing(p.coordinator, meeting=p.meeting, version=p.meeting.version)

    texts = {s.heading: s.text for s in build_sections(p.meeting)}

    assert texts["Discussed"] == "Map shared (fictional)."
    assert texts["Quiet"] == "Discussed as general business."
    assert texts["Missed"].startswith("Not reached at this meeting")


def test_only_coordinators_while_the_meeting_is_held_and_only_once():
    p = panel()
    item = general(p)
    with pytest.raises(PermissionDenied):
        hearing.record_general_item(p.police_chair, item=item)
    with pytest.raises(PermissionDenied):
        hearing.record_general_item(auditor(), item=item)
    early = panel(date=london_today() + dt.timedelta(days=2))
    with pytest.raises(Conflict):
        hearing.record_general_item(early.coordinator, item=general(early))
    hearing.record_general_item(p.coordinator, item=item)
    with pytest.raises(Conflict):
        hearing.record_general_item(p.coordinator, item=item)


def test_a_case_item_is_not_minuted_as_general_business():
    p = panel()
    item = p.item(p.case())
    before = AuditEvent.objects.count()

    with pytest.raises(ValidationError):
        hearing.record_general_item(p.coordinator, item=item, note="No.")

    item.refresh_from_db()
    assert item.status == "pending" and AuditEvent.objects.count() == before


# --- the hearing page ---------------------------------------------------------------------


def test_the_hearing_page_minutes_general_business_as_discussed(client):
    from django.urls import reverse

    p = panel()
    item = general(p, title="Hotspot update (fictional)")
    client.force_login(p.coordinator)
    page = reverse("meetings:hearing", args=[p.meeting.pk])

    before = client.get(page).content.decode()
    assert "General business" in before and "Mark as discussed" in before

    response = client.post(
        reverse("meetings:hearing-general", args=[p.meeting.pk, item.pk]),
        {"note": "Map shared with members (fictional)."},
        follow=True,
    )

    item.refresh_from_db()
    assert item.status == "heard" and item.note == "Map shared with members (fictional)."
    after = response.content.decode()
    assert "minuted as discussed" in after and "Map shared with members" in after
    assert "Mark as discussed" not in after


def test_others_cannot_minute_general_business_and_a_case_item_is_not_found(client):
    from django.urls import reverse

    p = panel()
    item = general(p)
    case_item = p.item(p.case())
    client.force_login(p.police_chair)
    url = reverse("meetings:hearing-general", args=[p.meeting.pk, item.pk])
    assert client.post(url, {"note": "x"}).status_code in (403, 404)
    client.force_login(p.coordinator)
    wrong = reverse("meetings:hearing-general", args=[p.meeting.pk, case_item.pk])
    assert client.post(wrong, {"note": "x"}).status_code == 404
    item.refresh_from_db()
    case_item.refresh_from_db()
    assert item.status == "pending" and case_item.status == "pending"


def test_a_note_naming_a_case_reference_is_refused_as_every_member_reads_it():
    p = panel()
    item = general(p)
    case = p.case()

    with pytest.raises(ValidationError) as refused:
        hearing.record_general_item(
            p.coordinator, item=item, note=f"Discussed {case.reference.lower()} too."
        )

    assert "note" in refused.value.message_dict
    item.refresh_from_db()
    assert item.status == "pending" and item.note == ""


def test_the_page_says_why_a_note_was_refused(client):
    from django.urls import reverse

    p = panel()
    item = general(p)
    client.force_login(p.coordinator)

    response = client.post(
        reverse("meetings:hearing-general", args=[p.meeting.pk, item.pk]),
        {"note": "See CSE-2026-0001."},
        follow=True,
    )

    assert "leave out case references" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_general_business_on_the_agenda_names_no_case_reference():
    from meetings.services import agenda
    from tests.meetings.agenda_helpers import make_panel

    panel_ = make_panel()
    before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        agenda.add_general_item(
            panel_.coordinator,
            meeting=panel_.meeting,
            title="Update on CSE-2026-0042",
            reason_detail="And cse-2026-0043.",
        )

    assert set(refused.value.message_dict) == {"title", "reason_detail"}
    assert AuditEvent.objects.count() == before
    assert not panel_.meeting.items.exists()

"""Subject access export of a child's record: what is in it, what is redacted, who may make
it, its audit event and its query count."""

import datetime as dt
import json
import types

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.models import CaseNote
from intelligence.models import Link, MissingEpisode, PersonIdentifier
from intelligence.services import subject_access
from intelligence.services.subject_access import REDACTED, Redactor
from tests.factories import (
    ChildFactory,
    LocationFactory,
    PersonOfConcernFactory,
    VehicleFactory,
    agency_lead,
    auditor,
    coordinator,
    grant_intelligence,
    make_case,
    make_referral,
    staffordshire,
    stoke,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

NAME = "Testperson-7001 Generated"
ALIAS = "Testalias Redactme"
PHONE = "07700 900123"
HANDLE = "@testhandle_sar"
REGISTRATION = "TE51 SAR"
ADDRESS = "17 Testredact Road, Testtown"
POSTCODE = "ZZ98 7YX"
PLACE = "Testplace 7001 House"
OTHER_CHILD = ("Testchild", "Otherchild-Sar")

# Everything about the third parties that must never reach either output.
SECRETS = [
    NAME,
    "Testperson-7001",
    ALIAS,
    "Testalias",
    PHONE,
    "07700900123",
    "+44 7700 900123",
    "testhandle_sar",
    "TE51 SAR",
    "TE51SAR",
    "17 Testredact Road",
    POSTCODE,
    PLACE,
    "Otherchild-Sar",
]


def add_link(case, **subject):
    record = next(iter(subject.values()))
    return Link.objects.create(
        case=case,
        area=record.area,
        relationship="seen_with",
        recorded_by=case.lead_professional or coordinator(case.area),
        recorded_at=timezone.now(),
        source_evaluation="B",
        intelligence_assessment="2",
        source_agency=record.source_agency,
        **subject,
    )


@pytest.fixture
def world():
    area = staffordshire()
    boss = coordinator(area)
    case = make_case(area=area, coordinator_user=boss)
    child = case.child
    person = PersonOfConcernFactory(name=NAME, area=area, description="Tall (fictional).")
    for kind, value in [("alias", ALIAS), ("phone", PHONE), ("handle", HANDLE)]:
        PersonIdentifier.objects.create(person=person, kind=kind, value=value)
    house = LocationFactory(name=PLACE, kind="house", address=ADDRESS, postcode=POSTCODE)
    vehicle = VehicleFactory(registration=REGISTRATION)
    link = add_link(case, person=person)
    link.detail = f"Seen with {NAME} near {PLACE}."
    link.save()
    add_link(case, location=house)
    add_link(case, vehicle=vehicle)
    # Another child linked to the same person.
    other = make_case(area=area, coordinator_user=boss)
    other.child.first_name, other.child.last_name = OTHER_CHILD
    other.child.save()
    add_link(other, person=person)
    mention = (
        f"Picked up by {NAME} (also {ALIAS}, phone +44 7700 900123, {HANDLE}) in car "
        f"te51sar from {ADDRESS}, {POSTCODE}, with {' '.join(OTHER_CHILD)}. Generated alone."
    )
    referral = make_referral(child=child, concerns=mention)
    CaseNote.objects.create(case=case, author=boss, created_at=timezone.now(), text=mention)
    services.add_action(
        boss, case=case, description=f"Disrupt {NAME}.", owning_agency=case.lead_agency,
        due_date=dt.date(2030, 1, 1), four_p="pursue",
    )  # fmt: skip
    MissingEpisode.objects.create(
        case=case, reported_missing_at=timezone.now() - dt.timedelta(days=2),
        returned_at=timezone.now() - dt.timedelta(days=1), found_place=f"{POSTCODE} with {NAME}",
        notes=mention, recorded_by=boss,
    )  # fmt: skip
    return types.SimpleNamespace(
        area=area, boss=boss, case=case, child=child, person=person, referral=referral,
        other=other,
    )  # fmt: skip


def outputs(client, user, child):
    client.force_login(user)
    page = client.get(reverse("cases:child-subject-access", args=[child.pk]))
    download = client.get(reverse("cases:child-subject-access-download", args=[child.pk]))
    assert page.status_code == 200
    assert download.status_code == 200
    return page.content.decode(), download.content.decode()


@pytest.mark.parametrize("who", ["coordinator", "auditor"])
def test_no_third_party_reaches_the_page_or_the_download(client, world, who):
    user = world.boss if who == "coordinator" else auditor()
    page, download = outputs(client, user, world.child)
    for text in (page, download, json.dumps(json.loads(download))):
        for secret in SECRETS:
            assert secret.casefold() not in text.casefold(), secret
    data = json.loads(download)
    links = {link["linked_to"] for link in data["intelligence_links"]}
    assert links == {REDACTED, "a location: House or flat", "a vehicle"}
    assert REDACTED in data["referrals"][-1]["concerns"]
    assert "Picked up by" in data["referrals"][-1]["concerns"]


def test_the_child_and_the_professionals_are_in_it(client, world):
    page, download = outputs(client, world.boss, world.child)
    data = json.loads(download)
    assert data["child"]["first_name"] == world.child.first_name
    assert world.child.last_name in page
    (case,) = data["cases"]
    assert case["reference"] == world.case.reference
    assert case["lead_agency"] == world.case.lead_agency.name
    assert case["actions"][0]["description"] == f"Disrupt {REDACTED}."
    assert case["notes"][0]["by"] == (world.boss.get_full_name() or world.boss.username)
    assert case["missing_episodes"][0]["found_at"].startswith(REDACTED)
    assert data["assessments"]
    assert world.case.reference in page


def test_each_output_is_one_exported_event_on_the_child(client, world):
    client.force_login(world.boss)
    before = AuditEvent.objects.count()
    client.get(reverse("cases:child-subject-access", args=[world.child.pk]))
    client.get(reverse("cases:child-subject-access-download", args=[world.child.pk]))
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.verb, e.object_type, e.object_id) for e in events] == [
        ("exported", "cases.child", str(world.child.pk)),
        ("exported", "cases.child", str(world.child.pk)),
    ]
    assert [e.changes["format"] for e in events] == ["html", "json"]
    assert NAME not in json.dumps([e.changes for e in events])


def test_the_export_and_its_event_roll_back_together(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit trail down")

    monkeypatch.setattr(subject_access, "record", broken)
    with pytest.raises(RuntimeError):
        subject_access.export_child_record(world.boss, child=world.child, fmt="json")
    assert not AuditEvent.objects.filter(verb="exported").exists()


@pytest.mark.parametrize(
    "route", ["cases:child-subject-access", "cases:child-subject-access-download"]
)
def test_who_may_export(client, world, route):
    url = reverse(route, args=[world.child.pk])
    lead = agency_lead(world.case.lead_agency)
    granted = agency_lead()
    grant_intelligence(granted.agency, world.area)
    for user, status in [
        (world.referral.referrer, 403),  # sees the child (they referred them)
        (lead, 403),  # the lead agency's lead sees the case
        (granted, 404),  # granted the area's intelligence, not on the case
        (coordinator(stoke()), 404),
        (auditor(), 200),
        (world.boss, 200),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user
    assert client.post(url).status_code == 405  # read only


def test_the_page_takes_the_same_queries_however_much_is_held(
    client, world, django_assert_num_queries
):
    def count() -> int:
        client.force_login(world.boss)
        url = reverse("cases:child-subject-access", args=[world.child.pk])
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    first = count()
    for n in range(3):
        person = PersonOfConcernFactory(area=world.area)
        PersonIdentifier.objects.create(person=person, kind="phone", value=f"0770090{n:04d}")
        add_link(world.case, person=person)
        add_link(world.case, location=LocationFactory())
        CaseNote.objects.create(
            case=world.case, author=world.boss, created_at=timezone.now(), text="More (test)."
        )
        make_referral(child=world.child)
    # Session, user, roles; the child; the export's savepoint and its release; referrals;
    # cases; actions, their updates, reviews, notes, missing episodes; assessments, their
    # answers; links, identifiers, sightings; the area's persons and their identifiers,
    # locations, vehicles; other children; the exported event; the notifications badge.
    expected = 3 + 1 + 2 + 1 + 1 + 5 + 2 + 3 + 2 + 1 + 1 + 1 + audit_event_queries(agency=False) + 1
    with django_assert_num_queries(expected):
        client.get(reverse("cases:child-subject-access", args=[world.child.pk]))
    assert count() == first


def test_the_redactor_strikes_names_phones_handles_and_partial_registrations():
    redact = Redactor(
        person_names=["Testperson Sample"],
        phones=["+44 (0)7700 900 555"],
        handles=["@Sample_Handle"],
        registrations=["AB1? C*"],
        keep=["Testchild"],
    )
    text = (
        "Testperson Sample and Sample; 07700900555 or 07700-900-555; sample_handle; "
        "ab1x cde; Testchild stays; Samples stays"
    )
    out = redact(text)
    assert "Testperson" not in out and "Sample " not in out and "0770" not in out
    assert "sample_handle" not in out and "ab1x" not in out
    assert "Testchild stays" in out and "Samples stays" in out
    assert Redactor()("Nothing to strike.") == "Nothing to strike."


def test_only_the_childs_area_coordinators_and_auditors_may_export(world):
    assert subject_access.may_export(world.boss, world.child)
    assert subject_access.may_export(auditor(), world.child)
    assert not subject_access.may_export(coordinator(stoke()), world.child)
    assert not subject_access.may_export(agency_lead(world.case.lead_agency), world.child)
    assert not subject_access.may_export(None, ChildFactory())


def test_redacting_reads_the_text_once_whatever_the_number_of_terms():
    """An area may hold thousands of names and numbers: redaction looks words up rather
    than trying every term at every place (that took 14 s for this; now milliseconds)."""
    import time

    redact = Redactor(
        person_names=[f"Testperson-{n:04d} Generated{n}" for n in range(3000)],
        phones=[f"07700 9{n:05d}" for n in range(1500)],
        handles=[f"@testhandle{n}" for n in range(1500)],
        registrations=[f"TE{n % 100:02d} S{chr(65 + n % 26)}X" for n in range(500)],
    )
    text = "Seen near the park with an adult on 12 occasions, 2024. " * 400
    started = time.perf_counter()
    assert redact(text + "Testperson-2999 Generated2999.").endswith(f"{REDACTED}.")
    assert time.perf_counter() - started < 2


def test_the_links_are_the_childs_own_on_cases_and_referrals(world):
    # A link made at triage, on a referral of the child's with no case yet, is the child's;
    # the other child's link to the same person is not.
    Link.objects.create(
        referral=make_referral(child=world.child),
        area=world.area,
        person=world.person,
        relationship="gave_gifts",
        recorded_by=world.boss,
        recorded_at=timezone.now(),
        source_evaluation="B",
        intelligence_assessment="2",
        source_agency=world.person.source_agency,
    )
    on_cases = Link.objects.filter(case__child=world.child).count()
    assert world.other.intelligence_links.exists()
    record = subject_access.build_record(world.boss, world.child)
    exported = record["intelligence_links"]
    assert len(exported) == on_cases + 1
    assert [link["relationship"] for link in exported].count(
        "Gave gifts, money, alcohol or drugs"
    ) == 1

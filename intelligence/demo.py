"""A fictional network for the demo data (``manage.py seed_demo``), in Staffordshire: two
persons of concern, three locations (a takeaway, a hotel, a park) and one vehicle known by
a partial registration, linked across four demo children's open cases (seen with, gave
gifts, picked up from, found at; graded, one item graded C with handling conditions), the
persons linked to each other and one to the vehicle, a disruption history (a CAWN, a
licensing action, a patrol) and missing episodes (one child missing three times in the
last 90 days, return home interviews offered and held).

Every name is obviously generated ("Testperson-0001 Generated", "Testplace 1 Takeaway").
Records, links and missing episodes are written with the ORM and an audit event each, as
the seed records its other data; disruption goes through its service. Idempotent: an area
that already has the network is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from cases.models import Case
from intelligence.models import (
    Link,
    Location,
    MissingEpisode,
    PersonIdentifier,
    PersonOfConcern,
    Vehicle,
)
from intelligence.services.disruption import record_disruption
from panel.dates import london_today
from panel.models import Agency, Area, User

AREA = "staffordshire"
COORDINATOR = "demo.coordinator"
POLICE = "Demo Police"
COUNCIL = "Demo Housing"  # licensing is the council's
PERSONS = [
    # name, approximate age, status, a phone (Ofcom's drama range), description
    ("Testperson-0001 Generated", 29, "suspected", "07700 900001", "Fictional: drives a grey car."),
    ("Testperson-0002 Generated", 34, "charged", "07700 900002", "Fictional: works nights."),
]
LOCATIONS = [
    ("Testplace 1 Takeaway", "takeaway", "1 Test Street, Testtown", "ZZ99 1ZZ"),
    ("Testplace 2 Hotel", "hotel", "2 Test Road, Testtown", "ZZ99 2ZZ"),
    ("Testplace 3 Park", "park", "Test Lane, Testtown", "ZZ99 3ZZ"),
]
VEHICLE = {"registration": "TE26 X??", "make": "Testmake", "model": "Testmodel", "colour": "Grey"}
C_CONDITIONS = "Fictional: not to be shared outside the panel without Demo Police's consent."

# (child index 0-3, "person"/"location"/"vehicle", which one, relationship, days ago, graded C)
CHILD_LINKS = [
    (0, "person", 0, "seen_with", 40, False),
    (0, "location", 0, "picked_up_from", 35, False),
    (0, "vehicle", 0, "picked_up_from", 30, False),
    (1, "person", 0, "gave_gifts", 28, True),
    (1, "location", 1, "found_at", 25, False),
    (2, "person", 1, "seen_with", 21, False),
    (2, "location", 2, "found_at", 18, False),
    (3, "person", 1, "gave_gifts", 14, False),
    (3, "location", 0, "picked_up_from", 12, False),
    (3, "location", 1, "found_at", 9, False),
]
# (kind, subject, days ago, agency, outcome, review in days)
DISRUPTION = [
    ("cawn", ("person", 0), 40, POLICE, "Fictional: notice served on Testperson-0001.", 150),
    ("licensing", ("location", 0), 20, COUNCIL, "Fictional: licence review requested.", 60),
    ("patrol", ("location", 2), 5, POLICE, "Fictional: evening patrols for four weeks.", 23),
]
# The first child's missing episodes: (reported days ago, hours missing, interview, where)
EPISODES = [
    (80, 20, "held", ("location", 0)),
    (45, 30, "offered", ("place", "Fictional: the bus station, Testtown")),
    (12, 14, "held", ("location", 2)),
]


def seed_intelligence(
    users: dict[str, User], agencies: dict[str, Agency], areas: dict[str, Area]
) -> bool:
    """Make the network in Staffordshire if it is not there; returns whether it was made."""
    area = areas[AREA]
    if PersonOfConcern.objects.filter(area=area, name=PERSONS[0][0]).exists():
        return False
    cases = list(
        Case.objects.filter(area=area, status=Case.Status.OPEN)
        .select_related("child")
        .order_by("opened_at", "pk")[:4]
    )
    if len(cases) < 4:
        return False
    with transaction.atomic():
        _seed(users[COORDINATOR], agencies, area, cases)
    return True


def _created(actor: User, obj, case: Case | None = None, **changes) -> None:
    record(
        actor=actor,
        verb=AuditEvent.Verb.CREATED,
        obj=obj,
        case_reference=case.reference if case is not None else "",
        changes=changes or None,
    )


def _seed(boss: User, agencies: dict[str, Agency], area: Area, cases: list[Case]) -> None:
    today = london_today()
    now = timezone.now()
    police = agencies[POLICE]
    graded = {"area": area, "source_agency": police, "created_by": boss}
    persons = []
    for name, age, status, phone, description in PERSONS:
        person = PersonOfConcern.objects.create(
            name=name,
            approximate_age=age,
            status=status,
            description=description,
            review_date=today + dt.timedelta(days=180),
            source_evaluation="B",
            intelligence_assessment="2",
            **graded,
        )
        PersonIdentifier.objects.create(person=person, kind="phone", value=phone)
        _created(boss, person, status=[None, status])
        persons.append(person)
    locations = []
    for name, kind, address, postcode in LOCATIONS:
        location = Location.objects.create(
            name=name,
            kind=kind,
            address=address,
            postcode=postcode,
            source_evaluation="A",
            intelligence_assessment="2",
            **graded,
        )
        _created(boss, location, kind=[None, kind])
        locations.append(location)
    vehicle = Vehicle.objects.create(
        **VEHICLE, source_evaluation="B", intelligence_assessment="3", **graded
    )
    _created(boss, vehicle)
    records = {"person": persons, "location": locations, "vehicle": [vehicle]}

    link_grading = {"area": area, "source_agency": police, "recorded_by": boss}
    for child, kind, which, relationship, days, code_c in CHILD_LINKS:
        grading = (
            {"source_evaluation": "C", "intelligence_assessment": "3", "handling_code": "C",
             "handling_conditions": C_CONDITIONS}
            if code_c
            else {"source_evaluation": "B", "intelligence_assessment": "2", "handling_code": "P"}
        )  # fmt: skip
        link = Link.objects.create(
            case=cases[child],
            relationship=relationship,
            recorded_at=now - dt.timedelta(days=days),
            detail="Fictional demo link.",
            **{kind: records[kind][which]},
            **grading,
            **link_grading,
        )
        _created(boss, link, cases[child], relationship=[None, relationship])
    for extra in (
        {"person": persons[0], "vehicle": vehicle, "relationship": "drives"},
        {"person": persons[0], "other_person": persons[1], "relationship": "associate"},
    ):
        link = Link.objects.create(
            recorded_at=now - dt.timedelta(days=30),
            source_evaluation="B",
            intelligence_assessment="2",
            **extra,
            **link_grading,
        )
        _created(boss, link, relationship=[None, extra["relationship"]])

    for kind, (subject_kind, which), days, agency, outcome, review in DISRUPTION:
        on = today - dt.timedelta(days=days)
        record_disruption(
            boss,
            **{subject_kind: records[subject_kind][which]},
            kind=kind,
            date=on,
            agency=agencies[agency],
            outcome=outcome,
            review_date=on + dt.timedelta(days=days + review),
        )

    case = cases[0]
    for days, hours, interview, (where_kind, where) in EPISODES:
        reported = now - dt.timedelta(days=days)
        returned = reported + dt.timedelta(hours=hours)
        episode = MissingEpisode.objects.create(
            case=case,
            reported_missing_at=reported,
            returned_at=returned,
            found_location=locations[where] if where_kind == "location" else None,
            found_place=where if where_kind == "place" else "",
            interview=interview,
            interview_offered_at=returned + dt.timedelta(hours=4),
            interview_held_at=returned + dt.timedelta(hours=48) if interview == "held" else None,
            interview_by="Fictional return home worker" if interview == "held" else "",
            recorded_by=boss,
        )
        _created(boss, episode, case, interview=[None, interview])

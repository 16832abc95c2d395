"""Each area's intelligence picture, in proportion to its cases: persons of concern (with
aliases, phone numbers and handles), locations of every kind (some private houses), vehicles
(some partial registrations), children's links to them (some records linked to several
children, so emerging patterns exist), links between records, sightings, disruption
activity (some reviews overdue), missing episodes on the cases (skewed: a few children
missing three or more times in 90 days) with their return home interviews, a few merged
duplicates, and the area's police granted its intelligence (as migration 0002 does).

Graded as the services grade (a mix of P and C, C with its conditions), matched on the keys
the services compute (``intelligence/keys.py``, the same functions), and each write with the
audit event its service records. Every name is obviously generated ("Benchperson P-00042",
"Bench Takeaway 0007", registrations "BZ12 ABC" in the unused BZ area)."""

from __future__ import annotations

import datetime as dt

from django.db import connections

from audit.models import AuditEvent
from bench.gen.cases import Ctx, at_day, between
from bench.gen.reference import AreaWorld
from intelligence import keys
from intelligence.models import (
    Disruption,
    DisruptionKind,
    HandlingCode,
    IdentifierKind,
    IntelligenceGrant,
    Link,
    LinkRelationship,
    Location,
    LocationKind,
    Merge,
    MergeKind,
    MissingEpisode,
    PersonIdentifier,
    PersonOfConcern,
    PersonStatus,
    ReturnInterview,
    Sighting,
    Vehicle,
    identifier_key,
)

Verb = AuditEvent.Verb
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)

# Proportions, per case of the area.
CASES_PER_PERSON = 20
CASES_PER_LOCATION = 15
CASES_PER_VEHICLE = 50
LINKED_CASES = 0.30  # cases whose child is linked to at least one record
# Missing episodes per case: most children none; a few three or more (about 0.5 on average).
EPISODES = [(0, 0.72), (1, 0.14), (2, 0.07), (3, 0.04), (4, 0.02), (5, 0.01)]

CONDITIONS = (
    "Bench conditions: not to be shared outside the panel without the originating "
    "agency's consent; do not disclose the source."
)
LOCATION_KINDS = [
    (LocationKind.HOUSE, 30, "Bench House"),
    (LocationKind.TAKEAWAY, 15, "Bench Takeaway"),
    (LocationKind.HOTEL, 10, "Bench Hotel"),
    (LocationKind.PARK, 12, "Bench Park"),
    (LocationKind.SHOP, 10, "Bench Shop"),
    (LocationKind.TRANSPORT_HUB, 8, "Bench Station"),
    (LocationKind.ONLINE, 10, "Benchchat Group"),
    (LocationKind.OTHER, 5, "Bench Place"),
]
CHILD_RELATIONSHIPS = {
    "person": [
        LinkRelationship.SEEN_WITH,
        LinkRelationship.SEEN_WITH,
        LinkRelationship.GAVE_GIFTS,
        LinkRelationship.CONTACTED_ONLINE,
        LinkRelationship.ASSOCIATE,
    ],
    "location": [
        LinkRelationship.FOUND_AT,
        LinkRelationship.FOUND_AT,
        LinkRelationship.TAKEN_TO,
        LinkRelationship.SEEN_WITH,
    ],
    "vehicle": [LinkRelationship.PICKED_UP_FROM, LinkRelationship.TAKEN_TO],
}
DISRUPTION_KINDS = [
    DisruptionKind.CAWN,
    DisruptionKind.CAWN,
    DisruptionKind.ARREST,
    DisruptionKind.PATROL,
    DisruptionKind.PATROL,
    DisruptionKind.SRO_SHPO,
    DisruptionKind.LICENSING,
    DisruptionKind.TRESPASS,
    DisruptionKind.OTHER,
]
OUTCOMES = [
    "",
    "Bench outcome: notice served and acknowledged.",
    "Bench outcome: no further sightings reported since.",
    "Bench outcome: breached; referred for prosecution.",
    "Bench outcome: premises reviewed; licence conditions added.",
]
MAKES = ["Benchmotors Saloon", "Benchmotors Hatchback", "Benchvan Panel", "Benchmotors Estate"]
COLOURS = ["black", "silver", "white", "grey", "blue", "red"]
PLACES = ["a bench bus stop", "a bench retail park", "a friend's address (bench)", "town centre"]


def grade(rng, area: AreaWorld, c_share: float = 0.2) -> dict:
    """A 3x5x2 grading from one of the area's agencies (police most often)."""
    kinds = ["police"] * 6 + ["social_care"] * 2 + ["education", "health", "youth_justice"]
    code = HandlingCode.C if rng.random() < c_share else HandlingCode.P
    return {
        "source_evaluation": rng.choice("AABBBC"),
        "intelligence_assessment": rng.choice("1222333345"),
        "handling_code": code,
        "handling_conditions": CONDITIONS if code == HandlingCode.C else "",
        "source_agency_id": area.agencies[rng.choice(kinds)],
    }


def grading_label(g: dict) -> str:
    return f"{g['source_evaluation']}{g['intelligence_assessment']}{g['handling_code']}"


def recorders(area: AreaWorld) -> list:
    """Who records intelligence in the area: its coordinators and its police leads."""
    return [*area.coordinators, *area.leads.get(area.agencies["police"], [])]


def _cases(using: str, area_id: int) -> list[tuple]:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT id, reference, opened_at, closed_at, status FROM cases_case "
            "WHERE area_id = %s ORDER BY id",
            [area_id],
        )
        return cursor.fetchall()


def _registration(rng, n: int) -> str:
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
    return f"BZ{n % 100:02d} {letters}"


def _partial(rng, registration: str) -> str:
    """What a witness saw: some characters unknown ('?'), or only the start ('*')."""
    if rng.random() < 0.5:
        return registration[:4] + "*"
    chars = list(registration)
    for i in rng.sample([2, 3, 5, 6, 7], 2):
        chars[i] = "?"
    return "".join(chars)


def _pick(rng, records: list[int]) -> int:
    """A record for a child's link, skewed: the first tenth of the records take about half
    the links, so records linked to several children (patterns) are common."""
    if rng.random() < 0.5:
        return records[rng.randrange(max(1, len(records) // 10))]
    return rng.choice(records)


def write_intelligence(ctx: Ctx, area: AreaWorld, using: str) -> None:
    rows, trail, rng, now = ctx.rows, ctx.trail, ctx.rng, ctx.now
    today = ctx.today
    police = area.agencies["police"]
    people = recorders(area)
    began = now - dt.timedelta(days=730)

    # The area's police see its intelligence, as migration 0002 grants them.
    rows.add(IntelligenceGrant, area_id=area.id, agency_id=police, granted_at=began)

    cases = _cases(using, area.id)
    n = len(cases)

    def event(actor, at, obj_type, obj_id, changes, verb=Verb.CREATED, reference=""):
        trail.event(
            actor,
            verb,
            at,
            object_type=f"intelligence.{obj_type}",
            object_id=obj_id,
            case_reference=reference,
            changes=changes,
        )

    def made_at() -> dt.datetime:
        return at_day(today - dt.timedelta(days=rng.randrange(1, 720)), rng)

    # --- persons of concern, with identifiers ---
    persons: list[int] = []
    person_rows: dict[int, tuple[str, dict, dt.datetime]] = {}
    for _ in range(max(3, n // CASES_PER_PERSON)):
        pk = rows.next_id(PersonOfConcern)
        name = f"Benchperson P-{pk:05d}"
        g = grade(rng, area)
        at, actor = made_at(), rng.choice(people)
        status = rng.choices(list(PersonStatus), weights=[60, 15, 15, 10])[0]
        changed = between(at, now, rng) if status != PersonStatus.SUSPECTED else None
        # Reviewed every six months; about one in six is past its review date.
        review = today + dt.timedelta(days=rng.randrange(-60, 300))
        known_birth = rng.random() < 0.4
        rows.add(
            PersonOfConcern,
            id=pk,
            area_id=area.id,
            created_by_id=actor.id,
            created_at=at,
            updated_at=changed or at,
            name=name,
            name_key=keys.person_name_key(name),
            date_of_birth=(
                dt.date(today.year - rng.randint(19, 50), rng.randint(1, 12), rng.randint(1, 28))
                if known_birth
                else None
            ),
            approximate_age=None if known_birth else rng.randint(17, 55),
            description="Bench description of a person of concern." if rng.random() < 0.5 else "",
            status=status,
            status_changed_at=changed,
            review_date=review,
            retention_date=(
                PersonOfConcern.retention_from(changed.date())
                if status == PersonStatus.NO_LONGER
                else None
            ),
            **g,
        )
        event(
            actor,
            at,
            "personofconcern",
            pk,
            {"status": [None, PersonStatus.SUSPECTED], "grading": [None, grading_label(g)]},
        )
        if changed:
            event(
                actor,
                changed,
                "personofconcern",
                pk,
                {"status": [PersonStatus.SUSPECTED, status]},
                verb=Verb.TRANSITIONED,
            )
        persons.append(pk)
        person_rows[pk] = (name, g, at)
        for kind in rng.sample(list(IdentifierKind), rng.randint(0, 3)):
            value = {
                IdentifierKind.ALIAS: f"Benchalias A-{pk:05d}",
                # Ofcom's drama range: never a real subscriber.
                IdentifierKind.PHONE: f"07700 900{pk % 1000:03d}",
                IdentifierKind.HANDLE: f"@bench_handle_{pk:05d}",
            }[kind]
            identifier = rows.add(
                PersonIdentifier,
                person_id=pk,
                kind=kind,
                value=value,
                platform="Benchchat" if kind == IdentifierKind.HANDLE else "",
                key=identifier_key(kind, value),
            )
            event(
                actor,
                at,
                "personidentifier",
                identifier,
                {"person": pk, "kind": kind, "value": "set"},
            )

    # --- locations ---
    locations: list[int] = []
    kinds = [k for k, _, _ in LOCATION_KINDS]
    weights = [w for _, w, _ in LOCATION_KINDS]
    labels = {k: label for k, _, label in LOCATION_KINDS}
    district = int(area.slug.rsplit("-", 1)[1])
    for _ in range(max(3, n // CASES_PER_LOCATION)):
        pk = rows.next_id(Location)
        kind = rng.choices(kinds, weights=weights)[0]
        name = f"{labels[kind]} {pk:04d}"
        online = kind == LocationKind.ONLINE
        postcode = (
            "" if online else f"BZ{district} {pk % 10}{rng.choice('ABDEFG')}{rng.choice('HJLNP')}"
        )
        g = grade(rng, area)
        at, actor = made_at(), rng.choice(people)
        placed = not online and rng.random() < 0.6
        rows.add(
            Location,
            id=pk,
            area_id=area.id,
            created_by_id=actor.id,
            created_at=at,
            updated_at=at,
            name=name,
            kind=kind,
            address="" if online else f"{pk % 200 + 1} Bench Street, Benchtown {district:02d}",
            postcode=postcode,
            latitude=round(52 + rng.random(), 5) if placed else None,
            longitude=round(-2 + rng.random(), 5) if placed else None,
            name_key=keys.person_name_key(name),
            postcode_key=keys.postcode_key(postcode),
            **g,
        )
        event(
            actor,
            at,
            "location",
            pk,
            {"name": "set", "kind": kind, "postcode": "set" if postcode else None},
        )
        locations.append(pk)

    # --- vehicles ---
    vehicles: list[int] = []
    for _ in range(max(2, n // CASES_PER_VEHICLE)):
        pk = rows.next_id(Vehicle)
        registration = _registration(rng, pk)
        if rng.random() < 0.2:
            registration = _partial(rng, registration)
        g = grade(rng, area)
        at, actor = made_at(), rng.choice(people)
        rows.add(
            Vehicle,
            id=pk,
            area_id=area.id,
            created_by_id=actor.id,
            created_at=at,
            updated_at=at,
            registration=registration,
            registration_key=keys.registration_key(registration),
            partial=keys.is_partial(registration),
            make=rng.choice(MAKES) if rng.random() < 0.7 else "",
            colour=rng.choice(COLOURS) if rng.random() < 0.8 else "",
            **g,
        )
        event(actor, at, "vehicle", pk, {"registration": "set"})
        vehicles.append(pk)

    # --- a few duplicates found and merged (the same name, written otherwise) ---
    for k in range(max(1, len(persons) // 50)):
        kept = persons[k * 7 % len(persons)]
        name, g, at = person_rows[kept]
        actor = rng.choice(area.coordinators)
        merged_at = between(at, now, rng)
        duplicate = rows.add(
            PersonOfConcern,
            area_id=area.id,
            created_by_id=actor.id,
            created_at=at,
            updated_at=merged_at,
            name=name.upper(),
            name_key=keys.person_name_key(name.upper()),
            approximate_age=rng.randint(17, 55),
            review_date=today + dt.timedelta(days=rng.randrange(0, 180)),
            merged_into_id=kept,
            version=2,
            **g,
        )
        event(
            actor,
            at,
            "personofconcern",
            duplicate,
            {"status": [None, PersonStatus.SUSPECTED], "grading": [None, grading_label(g)]},
        )
        merge = rows.add(
            Merge,
            kind=MergeKind.PERSON,
            area_id=area.id,
            kept_id=kept,
            merged_id=duplicate,
            moved={},
            reason="Bench merge: the same person recorded twice.",
            by_id=actor.id,
            at=merged_at,
        )
        event(
            actor,
            merged_at,
            "merge",
            merge,
            {
                "kind": MergeKind.PERSON,
                "kept": kept,
                "merged": duplicate,
                "moved": {},
                "reason": "set",
            },
        )

    # --- children's links, and sightings of some ---
    records = {"person": persons, "location": locations, "vehicle": vehicles}
    shapes = ["person"] * 5 + ["location"] * 4 + ["vehicle"]
    for case_id, reference, opened, closed, _status in cases:
        # Intelligence is recorded before now, whatever the case's dates say (the case
        # generator closes some cases at dates a little ahead).
        opened = min(opened, now - DAY)
        if rng.random() >= LINKED_CASES:
            continue
        end = min(closed or now, now)
        chosen: set[tuple[str, int]] = set()
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            kind = rng.choice(shapes)
            chosen.add((kind, _pick(rng, records[kind])))
        for kind, record_id in sorted(chosen):
            g = grade(rng, area)
            actor = rng.choice(people)
            at = between(opened, end, rng)
            relationship = rng.choice(CHILD_RELATIONSHIPS[kind])
            link = rows.next_id(Link)
            ended = rng.random() < 0.05
            ended_at = between(at, now, rng) if ended else None
            rows.add(
                Link,
                id=link,
                area_id=area.id,
                case_id=case_id,
                **{f"{kind}_id": record_id},
                relationship=relationship,
                detail="Bench detail of the link." if rng.random() < 0.3 else "",
                recorded_by_id=actor.id,
                recorded_at=at,
                ended_at=ended_at,
                ended_reason="Bench: found to be wrong." if ended else "",
                version=2 if ended else 1,
                **g,
            )
            event(
                actor,
                at,
                "link",
                link,
                {
                    "relationship": [None, relationship],
                    "grading": [None, grading_label(g)],
                    "records": [None, [f"{_model(kind)}:{record_id}"]],
                },
                reference=reference,
            )
            if ended:
                event(
                    actor,
                    ended_at,
                    "link",
                    link,
                    {"ended_at": [None, ended_at.isoformat()], "ended_reason": "changed"},
                    verb=Verb.UPDATED,
                    reference=reference,
                )
            if rng.random() < 0.4:
                for _ in range(rng.randint(1, 3)):
                    seen = between(at - 30 * DAY, min(at + 60 * DAY, now), rng)
                    at_location = kind != "location" and rng.random() < 0.4
                    sighting = rows.add(
                        Sighting,
                        link_id=link,
                        seen_at=seen,
                        location_id=rng.choice(locations) if at_location else None,
                        place="" if at_location else rng.choice(PLACES),
                        notes="Bench sighting notes." if rng.random() < 0.3 else "",
                        recorded_by_id=actor.id,
                        recorded_at=max(seen, at),
                    )
                    event(
                        actor,
                        max(seen, at),
                        "sighting",
                        sighting,
                        {"link": [None, link], "seen_at": [None, seen.isoformat()]},
                        reference=reference,
                    )

    # --- links between records: associates, where persons live or work, what they drive ---
    for _ in range(len(persons) * 3 // 2):
        person = rng.choice(persons)
        shape = rng.choice(["other_person", "location", "location", "vehicle"])
        if shape == "other_person":
            other = rng.choice(persons)
            if other == person:
                continue
            pair, relationship = {"other_person_id": other}, LinkRelationship.ASSOCIATE
            names = [f"personofconcern:{person}", f"personofconcern:{other}"]
        elif shape == "location":
            place = rng.choice(locations)
            relationship = rng.choice([LinkRelationship.LIVES_AT, LinkRelationship.WORKS_AT])
            pair = {"location_id": place}
            names = [f"personofconcern:{person}", f"location:{place}"]
        else:
            car = rng.choice(vehicles)
            pair, relationship = {"vehicle_id": car}, LinkRelationship.DRIVES
            names = [f"personofconcern:{person}", f"vehicle:{car}"]
        g = grade(rng, area)
        actor, at = rng.choice(people), made_at()
        link = rows.add(
            Link,
            area_id=area.id,
            person_id=person,
            **pair,
            relationship=relationship,
            recorded_by_id=actor.id,
            recorded_at=at,
            **g,
        )
        event(
            actor,
            at,
            "link",
            link,
            {
                "relationship": [None, relationship],
                "grading": [None, grading_label(g)],
                "records": [None, names],
            },
        )

    # --- disruption against persons and at locations ---
    targets = [("person", p) for p in persons if rng.random() < 0.5] + [
        ("location", loc) for loc in locations if rng.random() < 0.2
    ]
    for kind, subject in targets:
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            what = rng.choice(DISRUPTION_KINDS)
            if kind == "location" and what in (DisruptionKind.CAWN, DisruptionKind.SRO_SHPO):
                what = DisruptionKind.LICENSING
            day = today - dt.timedelta(days=rng.randrange(1, 700))
            u = rng.random()
            # Some reviews past (overdue), most ahead, some never set.
            review = (
                None
                if u < 0.25
                else today - dt.timedelta(days=rng.randrange(1, 90))
                if u < 0.45
                else today + dt.timedelta(days=rng.randrange(1, 180))
            )
            agency = police if rng.random() < 0.75 else area.agencies["social_care"]
            actor, at = rng.choice(people), at_day(day, rng)
            disruption = rows.add(
                Disruption,
                area_id=area.id,
                **{f"{kind}_id": subject},
                kind=what,
                kind_detail="Bench: community protection warning" if what == "other" else "",
                date=day,
                agency_id=agency,
                outcome=rng.choice(OUTCOMES),
                review_date=review,
                recorded_by_id=actor.id,
                recorded_at=at,
            )
            event(
                actor,
                at,
                "disruption",
                disruption,
                {
                    "subject": [None, f"intelligence.{_model(kind)}:{subject}"],
                    "kind": [None, what],
                    "date": [None, day.isoformat()],
                    "agency_id": [None, agency],
                },
            )

    # --- missing episodes (case data) ---
    counts, chances = zip(*EPISODES, strict=True)
    for case_id, reference, opened, closed, _status in cases:
        # Intelligence is recorded before now, whatever the case's dates say (the case
        # generator closes some cases at dates a little ahead).
        opened = min(opened, now - DAY)
        episodes = rng.choices(counts, weights=chances)[0]
        if not episodes:
            continue
        end = min(closed or now, now)
        # Three or more fall within 90 days of the first: the repeat pattern panels hear.
        first = between(opened, end - 90 * DAY if episodes >= 3 else end, rng)
        span = 85 * DAY if episodes >= 3 else end - first
        times = sorted(between(first, min(first + span, end), rng) for _ in range(episodes))
        for i, reported in enumerate(times):
            actor = rng.choice(people)
            latest = i == len(times) - 1
            still_missing = latest and closed is None and now - reported < 2 * DAY
            returned = None if still_missing else reported + rng.uniform(2, 70) * HOUR
            returned = min(returned, now) if returned else None
            values = {
                "case_id": case_id,
                "reported_missing_at": reported,
                "returned_at": returned,
                "recorded_by_id": actor.id,
                "recorded_at": min(reported + HOUR, now),
                "interview": ReturnInterview.NOT_YET,
            }
            if returned is not None:
                if rng.random() < 0.25 and locations:
                    values["found_location_id"] = rng.choice(locations)
                else:
                    values["found_place"] = rng.choice(PLACES)
                u = rng.random()
                offered = min(returned + rng.uniform(1, 30) * HOUR, now)
                if u < 0.55:
                    held = min(offered + rng.uniform(1, 80) * HOUR, now)
                    values |= {
                        "interview": ReturnInterview.HELD,
                        "interview_offered_at": offered,
                        "interview_held_at": held,
                        "interview_by": "Bench return interview worker",
                    }
                elif u < 0.7:
                    values |= {
                        "interview": ReturnInterview.OFFERED,
                        "interview_offered_at": offered,
                    }
                elif u < 0.8:
                    values |= {
                        "interview": ReturnInterview.DECLINED,
                        "interview_offered_at": offered,
                    }
            episode = rows.add(MissingEpisode, **values)
            event(
                actor,
                values["recorded_at"],
                "missingepisode",
                episode,
                {
                    name: [None, value.isoformat() if hasattr(value, "isoformat") else value]
                    for name, value in values.items()
                    if name in ("reported_missing_at", "returned_at", "interview")
                    and value is not None
                },
                reference=reference,
            )


def _model(kind: str) -> str:
    return {"person": "personofconcern", "location": "location", "vehicle": "vehicle"}[kind]

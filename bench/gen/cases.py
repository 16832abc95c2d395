"""One batch of cases with everything that hangs off them, as the services would have left
it: the child, the referral and its triage, the risk assessments and their answers, the
case with its agencies, transitions, reviews on cadence, actions and their updates, notes,
and the audit events those writes (and some reads) record.

Deterministic: batch ``n`` of a given seed is the same rows every time, so a batch that
was cut off is simply made again."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import zlib
from dataclasses import dataclass, field

from django.conf import settings

from audit.models import AuditEvent
from bench.gen.copy import Rows
from bench.gen.plan import Plan
from bench.gen.reference import AreaWorld, World
from bench.gen.trail import Actor, Trail
from cases import matching
from cases.models import (
    Action,
    ActionUpdate,
    Case,
    CaseAgency,
    CaseNote,
    CaseTransition,
    Child,
    Referral,
    Review,
    RiskAnswer,
    RiskAssessment,
)
from cases.scoring import score
from panel.dates import age_on

Verb = AuditEvent.Verb
UTC = dt.UTC
DAY = dt.timedelta(days=1)
YES_NO = ["yes", "no", "unknown"]
LEGAL = [value for value, _ in Referral.LegalStatus.choices]
GENDERS = ["female"] * 6 + ["male"] * 3 + ["non_binary", "not_known"]
# ONS 2021 ethnic groups in roughly a Midlands county's proportions (percent), with about one
# child in ten still "not known" (as referrals that did not say leave them) and a few
# declined: the partnership report's ethnicity table and missing-data count have every row.
ETHNICITY_WEIGHTS = {
    "white_british": 65,
    "white_irish": 1,
    "white_gypsy_traveller": 1,
    "white_roma": 1,
    "white_other": 4,
    "mixed_white_black_caribbean": 2,
    "mixed_white_black_african": 1,
    "mixed_white_asian": 1,
    "mixed_other": 1,
    "asian_pakistani": 3,
    "asian_indian": 2,
    "asian_bangladeshi": 1,
    "asian_chinese": 1,
    "asian_other": 1,
    "black_african": 1,
    "black_caribbean": 1,
    "black_other": 1,
    "other_arab": 1,
    "other_any": 1,
    "declined": 1,
    "not_known": 9,
}
ETHNICITY_CODES = list(ETHNICITY_WEIGHTS)
ETHNICITY_CUMULATIVE = list(itertools.accumulate(ETHNICITY_WEIGHTS.values()))
CLOSURE = [value for value, _ in Case.ClosureReason.choices]
FOUR_P = ["", "prepare", "prevent", "protect", "pursue"]
PRIORITY = ["low", "normal", "normal", "normal", "high", "urgent"]
RECENCY = [value for value, _ in RiskAnswer.Recency.choices]
LEAD_KINDS = ["social_care"] * 5 + ["police"] * 3 + ["youth_justice", "health"]
# Large cases: about 1,700 chronology entries each.
LARGE_ACTIONS, LARGE_NOTES = 560, 450


def at_day(day: dt.date, rng: random.Random, start: int = 8, end: int = 18) -> dt.datetime:
    seconds = rng.randrange(start * 3600, end * 3600)
    return dt.datetime.combine(day, dt.time(0), tzinfo=UTC) + dt.timedelta(
        seconds=seconds, microseconds=rng.randrange(1_000_000)
    )


def between(a: dt.datetime, b: dt.datetime, rng: random.Random) -> dt.datetime:
    if b <= a:
        return a
    span = (b - a).total_seconds()
    return a + dt.timedelta(seconds=rng.random() * span)


def age_years(rng: random.Random) -> int:
    u = rng.random()
    if u < 0.05:
        return rng.randint(9, 11)
    if u < 0.93:
        return rng.choice([12, 13, 13, 14, 14, 14, 15, 15, 15, 16, 16, 17])
    return rng.randint(18, 24)


def birth_date(age: int, on: dt.date, rng: random.Random) -> dt.date:
    born = on - dt.timedelta(days=int(age * 365.25) + rng.randrange(0, 360))
    while age_on(born, on) > age:
        born += dt.timedelta(days=7)
    while age_on(born, on) < age:
        born -= dt.timedelta(days=7)
    return born


@dataclass
class Ctx:
    rows: Rows
    trail: Trail
    world: World
    plan: Plan
    now: dt.datetime
    rng: random.Random
    closed: list = field(default_factory=list)  # (closed_at, case_id, child_id, area, dob)
    counts: dict = field(default_factory=dict)

    @property
    def today(self) -> dt.date:
        return self.now.date()


def new_child(ctx: Ctx, area: AreaWorld, last: str, dob: dt.date, at: dt.datetime) -> int:
    rng = ctx.rng
    first = "Benchchild"
    known = f"BC-{last}" if rng.random() < 0.1 else ""
    return ctx.rows.add(
        Child,
        first_name=first,
        last_name=last,
        known_as=known,
        date_of_birth=dob,
        gender=rng.choice(GENDERS),
        ethnicity=rng.choice(["", "Not recorded (bench)", "Bench ethnicity A", "Bench B"]),
        # Weighted, and from the name rather than the generator's random stream: the rows
        # after it stay as they were before the code existed.
        ethnicity_code=ETHNICITY_CODES[
            bisect.bisect_right(
                ETHNICITY_CUMULATIVE, zlib.crc32(last.encode()) % ETHNICITY_CUMULATIVE[-1]
            )
        ],
        area_id=area.id,
        school_or_setting=f"Bench School {rng.randrange(1, 400):03d}",
        address=f"{rng.randrange(1, 200)} Bench Street, Bench Town {area.slug[-2:]}",
        name_key=matching.fold(first) + matching.fold(last),
        first_name_key=matching.fold(first),
        last_name_key=matching.fold(last),
        known_as_key=matching.fold(known),
        created_at=at,
        updated_at=at,
        version=1,
    )


def assessment(
    ctx: Ctx,
    *,
    child_id: int,
    age: int,
    assessor: Actor,
    at: dt.datetime,
    referral_id: int | None = None,
    case_id: int | None = None,
    case_reference: str = "",
) -> str | None:
    """One risk assessment with its answers, scored by the tool's own rules; returns the
    final level (None: not assessed)."""
    rng, world = ctx.rng, ctx.world
    vulnerabilities = [i for i in world.indicators if i.band == "vulnerability"]
    risks = [i for i in world.indicators if i.band != "vulnerability"]
    answers: dict[str, tuple] = {}
    for ind in rng.sample(vulnerabilities, rng.choice([0, 1, 1, 2])):
        answers[ind.code] = (ind, "present")
    not_assessed = rng.random() < 0.04
    for ind in rng.sample(risks, rng.randint(2, 4)):
        if not_assessed:
            answers[ind.code] = (ind, "unknown")
        else:
            answers[ind.code] = (ind, "present" if rng.random() < 0.5 else "not_present")
    result = score(world.tool, {code: a for code, (_, a) in answers.items()}, age, world.indicators)
    computed = result.level
    override, reason, final = "", "", computed
    if computed and rng.random() < 0.04:
        options = [lvl for lvl in ("medium", "high") if lvl != computed]
        override = rng.choice(options)
        reason = "Professional judgement recorded at the bench (generated)."
        final = override
    assessment_id = ctx.rows.add(
        RiskAssessment,
        child_id=child_id,
        referral_id=referral_id,
        case_id=case_id,
        tool_id=world.tool_id,
        assessed_by_id=assessor.id,
        assessed_at=at,
        computed_level=computed,
        override_level=override,
        override_reason=reason,
        final_level=final,
    )
    for ind, answer in answers.values():
        present = answer == "present"
        ctx.rows.add(
            RiskAnswer,
            assessment_id=assessment_id,
            indicator_id=ind.id,
            answer=answer,
            evidence="Seen by the referrer (generated evidence)." if present else "",
            recency=rng.choice(RECENCY) if present else "",
        )
    ctx.trail.event(
        assessor,
        Verb.CREATED,
        at,
        object_type="cases.riskassessment",
        object_id=assessment_id,
        case_reference=case_reference,
        changes={"final_level": [None, final], "override": [None, bool(override)]},
    )
    return final


def referral_row(
    ctx: Ctx,
    *,
    child_id: int,
    area: AreaWorld,
    referrer: Actor,
    referred_at: dt.datetime,
    age: int,
    status: str = "submitted",
    immediate: bool = False,
    **extra,
) -> int:
    rng = ctx.rng
    contact = [rng.random() < 0.5, rng.random() < 0.5, rng.random() < 0.4]
    if not any(contact):
        contact[rng.randrange(3)] = True
    values = dict(
        child_id=child_id,
        area_id=area.id,
        referrer_id=referrer.id,
        referrer_agency_id=referrer.agency_id,
        referrer_role="Referrer (bench)",
        referrer_contact=f"{referrer.label}@bench.invalid",
        referred_at=referred_at,
        concerns="Generated concerns for the benchmark: no real person is described.",
        contact_in_person=contact[0],
        contact_mobile_phone=contact[1],
        contact_online=contact[2],
        immediate_risk=immediate,
        known_to_social_care=rng.choice(YES_NO),
        child_aware=rng.choice(YES_NO),
        child_agrees=rng.choice(YES_NO),
        parents_aware=rng.choice(YES_NO),
        parents_agree=rng.choice(YES_NO),
        legal_status=rng.choice(LEGAL),
        young_adult_reason=(
            "Transitional safeguarding: learning disability (generated)." if age >= 18 else ""
        ),
        status=status,
        version=1 if status == "submitted" else 2,
    )
    if immediate:
        values.update(
            police_contacted_at=referred_at - dt.timedelta(minutes=rng.randrange(5, 240)),
            police_contacted_by=f"{referrer.label} (bench)",
            police_incident_number=f"BENCH-{rng.randrange(10**6, 10**7)}",
        )
    values.update(extra)
    referral_id = ctx.rows.add(Referral, **values)
    ctx.trail.event(
        referrer, Verb.CREATED, referred_at, object_type="cases.referral", object_id=referral_id
    )
    return referral_id


def write_batch(ctx: Ctx, batch_no: int) -> None:
    plan = ctx.plan
    start = batch_no * plan.batch
    stop = min(plan.cases, start + plan.batch)
    large = set()
    if plan.large_cases:
        step = plan.cases // plan.large_cases
        large = {k * step + step // 2 for k in range(plan.large_cases)}
    made: list[tuple[AreaWorld, int, int]] = []  # (area, case id, child id)
    for index in range(start, stop):
        made.append(one_case(ctx, index, index in large))
    # Referrals not accepted: stepped down, redirected, no further action.
    for k in range(start * 8 // 100, stop * 8 // 100):
        not_accepted(ctx, k)
    # Case lists read by coordinators, with their side rows (cases and their children).
    by_area: dict[int, list] = {}
    for area, case_id, child_id in made:
        by_area.setdefault(area.id, []).append((area, case_id, child_id))
    for items in by_area.values():
        area = items[0][0]
        for k in range(0, len(items), 10):
            page = items[k : k + 25]
            objects = [("cases.case", c) for _, c, _ in page]
            objects += [("cases.child", ch) for _, _, ch in page]
            ctx.trail.listed(
                ctx.rng.choice(area.coordinators),
                ctx.now - dt.timedelta(minutes=ctx.rng.randrange(10, 60 * 24 * 30)),
                list_name="cases:case-list",
                object_type="cases.case",
                objects=objects,
            )


def one_case(ctx: Ctx, index: int, is_large: bool) -> tuple[AreaWorld, int, int]:
    rng, world, rows, trail, now = ctx.rng, ctx.world, ctx.rows, ctx.trail, ctx.now
    area = world.areas[rng.randrange(len(world.areas))]
    age = age_years(rng)
    u = rng.random()
    status = "open" if is_large else ("closed" if u < 0.85 else "open" if u < 0.95 else "awaiting")
    level_guess = rng.choice(["low", "medium", "medium", "high"])
    cadence = settings.REVIEW_CADENCE_DAYS[level_guess]
    triage_days = rng.uniform(0.05, 5)
    panel_days = rng.uniform(3, 21)
    straight_close = status == "closed" and rng.random() < 0.1
    if status == "awaiting":
        n_held = 0
        back = triage_days + rng.uniform(0.5, 13)
    elif status == "closed":
        n_held = 0 if straight_close else rng.choice([1, 1, 2, 2, 2, 3])
        span = triage_days + panel_days + (n_held + 1) * cadence + 25
        back = rng.uniform(span + 2, max(span + 3, 6 * 365))
    else:
        n_held = 40 if is_large else rng.choice([0, 1, 1, 2, 2, 3, 4])
        over = cadence + rng.uniform(1, 20) if rng.random() < 0.08 else rng.uniform(0, cadence - 4)
        back = triage_days + panel_days + n_held * cadence + over
    referred_at = now - dt.timedelta(days=back, seconds=rng.randrange(86400))
    opened_at = referred_at + dt.timedelta(days=triage_days)
    panel_at = opened_at + dt.timedelta(days=panel_days)

    # Re-referral of a child whose earlier case here is closed.
    previous = None
    if ctx.closed and rng.random() < 0.06:
        cand = ctx.closed[rng.randrange(len(ctx.closed))]
        if cand[0] + dt.timedelta(days=30) < referred_at:
            born = cand[4]
            if age_on(born, referred_at.date()) <= 25:
                previous = cand
                ctx.closed.remove(cand)
    if previous:
        _, previous_id, child_id, area, born = previous
        age = age_on(born, referred_at.date())
    else:
        previous_id = None
        born = birth_date(age, referred_at.date(), rng)
        age = age_on(born, referred_at.date())
        child_id = None
    referrer = rng.choice(area.referrers)
    coordinator = rng.choice(area.coordinators)
    if child_id is None:
        child_id = new_child(ctx, area, f"Q-{index + 1:05d}", born, referred_at)
        trail.event(
            referrer, Verb.CREATED, referred_at, object_type="cases.child", object_id=child_id
        )

    case_id = rows.next_id(Case)
    reference = f"CSE-{opened_at.year}-{index + 1:04d}"
    immediate = rng.random() < 0.04
    referral_id = referral_row(
        ctx,
        child_id=child_id,
        area=area,
        referrer=referrer,
        referred_at=referred_at,
        age=age,
        status="accepted",
        immediate=immediate,
        outcome_reason="Accepted to panel (generated).",
        triaged_by_id=coordinator.id,
        triaged_at=opened_at,
        case_id=case_id,
        child_checked_by_id=coordinator.id,
        child_checked_at=opened_at,
    )
    level = assessment(
        ctx,
        child_id=child_id,
        age=age,
        assessor=referrer,
        at=referred_at,
        referral_id=referral_id,
        case_id=case_id,
    ) or rng.choice(["medium", "high"])

    # The team: a lead agency and others involved, all of the case's area.
    kinds = list(area.agencies)
    lead_kind = rng.choice(LEAD_KINDS)
    involved = [lead_kind, *rng.sample([k for k in kinds if k != lead_kind], rng.randint(1, 3))]
    involved_ids = [area.agencies[k] for k in involved]
    lead_agency = area.agencies[lead_kind]
    lead_professional = (
        rng.choice(area.practitioners[lead_agency]) if status != "awaiting" else None
    )
    lst = rng.choice(area.lsts) if rng.random() < 0.5 else None

    # Reviews on cadence; the upcoming one (open/awaiting) or the one cancelled at closure.
    transitions = [("", "awaiting_panel", opened_at)]
    reviews = []
    due = (opened_at + dt.timedelta(days=settings.REVIEW_CADENCE_DAYS[level])).date()
    last_held = panel_at.date()
    levels = [level]
    # An open case's reviews are held up to today, so its upcoming one is due ahead; for a
    # few (8%) the last one or two were not held, and the upcoming one is overdue.
    overdue = rng.randint(1, 30) if rng.random() < 0.08 else 0
    limit = ctx.today - dt.timedelta(days=overdue)
    for _ in range(n_held if status != "open" else 400):
        if status == "open" and due >= limit:
            break
        held_on = max(last_held + DAY, due + dt.timedelta(days=rng.randint(-3, 3)))
        if held_on >= ctx.today:
            break
        recorded = at_day(held_on, rng, 12, 20)
        assessor = lead_professional or coordinator
        after = (
            assessment(
                ctx,
                child_id=child_id,
                age=age_on(born, held_on),
                assessor=assessor,
                at=recorded - dt.timedelta(hours=1),
                case_id=case_id,
                case_reference=reference,
            )
            if rng.random() < 0.9
            else None
        ) or levels[-1]
        levels.append(after)
        next_due = held_on + dt.timedelta(days=settings.REVIEW_CADENCE_DAYS[after])
        reviews.append(("held", due, held_on, after, next_due, recorded))
        due, last_held = next_due, held_on
    level = levels[-1]
    if status == "closed":
        end = dt.datetime.combine(last_held, dt.time(0), tzinfo=UTC) + dt.timedelta(
            days=rng.uniform(1, 20)
        )
        closed_at = max(end, panel_at + dt.timedelta(hours=2))
        if straight_close:
            transitions.append(("awaiting_panel", "closed", closed_at))
        else:
            transitions += [("awaiting_panel", "open", panel_at), ("open", "closed", closed_at)]
        reviews.append(("cancelled", due, None, "", None, None))
        window_end = closed_at
    else:
        closed_at = None
        if status == "open":
            transitions.append(("awaiting_panel", "open", panel_at))
        reviews.append(("upcoming", due, None, "", None, None))
        window_end = now - dt.timedelta(hours=1)
    case_status = "awaiting_panel" if status == "awaiting" else status
    rows.add(
        Case,
        id=case_id,
        reference=reference,
        child_id=child_id,
        area_id=area.id,
        status=case_status,
        risk_level=level,
        lead_agency_id=lead_agency if status != "awaiting" else None,
        lead_professional_id=lead_professional.id if lead_professional else None,
        local_support_team_id=lst,
        lst_contact="Bench LST contact (generated)" if lst else "",
        previous_case_id=previous_id,
        opened_at=opened_at,
        closed_at=closed_at,
        closure_reason=rng.choice(CLOSURE) if closed_at else "",
        closure_summary="Closure agreed by the panel (generated)." if closed_at else "",
        created_at=opened_at,
        updated_at=closed_at or panel_at,
        version=len(transitions) + len(involved),
    )
    trail.event(
        coordinator,
        Verb.CREATED,
        opened_at,
        object_type="cases.case",
        object_id=case_id,
        case_reference=reference,
        changes={"status": [None, "awaiting_panel"], "risk_level": [None, levels[0]]},
    )
    trail.event(
        coordinator,
        Verb.TRANSITIONED,
        opened_at,
        object_type="cases.referral",
        object_id=referral_id,
        case_reference=reference,
        changes={"status": ["submitted", "accepted"]},
    )
    for agency_id in involved_ids:
        rows.add(
            CaseAgency,
            case_id=case_id,
            agency_id=agency_id,
            added_at=opened_at,
            added_by_id=coordinator.id,
        )
        trail.event(
            coordinator,
            Verb.UPDATED,
            opened_at,
            object_type="cases.case",
            object_id=case_id,
            case_reference=reference,
            changes={"involved_agencies": [None, str(agency_id)]},
        )
    for from_status, to_status, at in transitions:
        rows.add(
            CaseTransition,
            case_id=case_id,
            from_status=from_status,
            to_status=to_status,
            reason="Panel decision (generated)." if from_status else "Accepted at triage.",
            by_id=coordinator.id,
            at=at,
        )
        if from_status:
            trail.event(
                coordinator,
                Verb.TRANSITIONED,
                at,
                object_type="cases.case",
                object_id=case_id,
                case_reference=reference,
                changes={"status": [from_status, to_status]},
            )
    for state, due_date, held_on, after, next_due, recorded in reviews:
        review_id = rows.add(
            Review,
            case_id=case_id,
            due_date=due_date,
            status=state,
            held_on=held_on,
            outcome="Review held; plan continues (generated)." if state == "held" else "",
            risk_level_after=after,
            next_due_date=next_due,
            held_by_id=coordinator.id if state == "held" else None,
            recorded_at=recorded,
            created_at=opened_at,
        )
        if state == "held":
            trail.event(
                coordinator,
                Verb.UPDATED,
                recorded,
                object_type="cases.review",
                object_id=review_id,
                case_reference=reference,
                changes={"status": ["upcoming", "held"], "risk_level_after": [None, after]},
            )

    # Actions, their updates, notes: across the time the case was open.
    if status == "awaiting":
        n_actions, n_notes = 0, rng.randint(0, 2)
    elif is_large:
        n_actions, n_notes = LARGE_ACTIONS, LARGE_NOTES
    elif straight_close:
        n_actions, n_notes = rng.randint(0, 2), rng.randint(0, 3)
    else:
        n_actions, n_notes = rng.randint(7, 15), rng.randint(0, 6)
    start = panel_at if status != "awaiting" else opened_at
    for _ in range(n_actions):
        one_action(
            ctx, area, case_id, reference, involved_ids, coordinator, start, window_end, status
        )
    people = [coordinator] + ([lead_professional] if lead_professional else [])
    for _ in range(n_notes):
        author = rng.choice(people)
        note_at = between(opened_at, window_end, rng)
        note_id = rows.add(
            CaseNote,
            case_id=case_id,
            author_id=author.id,
            created_at=note_at,
            text="Case note written for the benchmark (generated text).",
        )
        trail.event(
            author,
            Verb.CREATED,
            note_at,
            object_type="cases.casenote",
            object_id=note_id,
            case_reference=reference,
        )
    # Case pages read: by the coordinator, an involved agency's lead, an auditor.
    readers = [coordinator, rng.choice(area.leads[rng.choice(involved_ids)])]
    if rng.random() < 0.2:
        readers.append(rng.choice(world.auditors))
    for reader in readers:
        trail.event(
            reader,
            Verb.VIEWED,
            between(opened_at, window_end, rng),
            object_type="cases.case",
            object_id=case_id,
            case_reference=reference,
        )
    if closed_at:
        ctx.closed.append((closed_at, case_id, child_id, area, born))
    return area, case_id, child_id


def one_action(
    ctx: Ctx,
    area: AreaWorld,
    case_id: int,
    reference: str,
    involved_ids: list[int],
    coordinator: Actor,
    start: dt.datetime,
    end: dt.datetime,
    case_status: str,
) -> None:
    rng, rows = ctx.rng, ctx.rows
    agency_id = rng.choice(involved_ids)
    owner = rng.choice(area.practitioners[agency_id])
    if case_status == "closed":
        created = between(start, end - dt.timedelta(hours=1), rng)
        state = "done" if rng.random() < 0.88 else "cancelled"
    else:
        u = rng.random()
        state = (
            "done"
            if u < 0.55
            else "cancelled"
            if u < 0.6
            else "in_progress"
            if u < 0.75
            else "open"
        )
        if state in ("open", "in_progress"):
            created = between(max(start, end - dt.timedelta(days=45)), end, rng)
        else:
            created = between(start, end - dt.timedelta(hours=1), rng)
    due = created.date() + dt.timedelta(days=rng.randint(14, 60))
    finished = (
        between(created + dt.timedelta(minutes=5), end, rng)
        if state in ("done", "cancelled")
        else None
    )
    updates = []
    if rng.random() < 0.3:
        updates.append(
            ("", "", "Progress recorded (generated).", between(created, finished or end, rng))
        )
    if state == "in_progress":
        updates.append(("open", "in_progress", "", between(created, end, rng)))
    elif state == "done":
        updates.append(("open", "done", "Completed (generated).", finished))
    elif state == "cancelled":
        updates.append(("open", "cancelled", "No longer needed (generated).", finished))
    updates.sort(key=lambda u: u[3])
    action_id = rows.add(
        Action,
        case_id=case_id,
        description="Generated action for the benchmark.",
        owning_agency_id=agency_id,
        owner_id=owner.id,
        due_date=due,
        priority=rng.choice(PRIORITY),
        four_p=rng.choice(FOUR_P),
        status=state,
        completion_note="Completed (generated)." if state == "done" else "",
        completed_at=finished if state == "done" else None,
        cancel_reason="No longer needed (generated)." if state == "cancelled" else "",
        created_by_id=coordinator.id,
        created_at=created,
        updated_at=updates[-1][3] if updates else created,
        version=len(updates) + 1,
    )
    for version, (frm, to, note, at) in enumerate(updates, start=2):
        rows.add(
            ActionUpdate,
            action_id=action_id,
            author_id=owner.id,
            created_at=at,
            note=note,
            status_from=frm,
            status_to=to,
            action_version=version,
        )
    # The trail keeps about 20 events a case: one action in five is recorded.
    if rng.random() < 0.2:
        ctx.trail.event(
            coordinator,
            Verb.CREATED,
            created,
            object_type="cases.action",
            object_id=action_id,
            case_reference=reference,
            changes={
                "owning_agency": [None, str(agency_id)],
                "owner": [None, str(owner.id)],
                "due_date": [None, due.isoformat()],
            },
        )


def not_accepted(ctx: Ctx, k: int) -> None:
    rng, world, now = ctx.rng, ctx.world, ctx.now
    area = world.areas[rng.randrange(len(world.areas))]
    age = age_years(rng)
    referred_at = now - dt.timedelta(days=rng.uniform(10, 6 * 365))
    born = birth_date(age, referred_at.date(), rng)
    referrer = rng.choice(area.referrers)
    coordinator = rng.choice(area.coordinators)
    child_id = new_child(ctx, area, f"R-{k + 1:05d}", born, referred_at)
    ctx.trail.event(
        referrer, Verb.CREATED, referred_at, object_type="cases.child", object_id=child_id
    )
    status, route = rng.choice(
        [
            ("stepped_down", "eha"),
            ("stepped_down", "lst"),
            ("redirected", "front_door"),
            ("redirected", "s47"),
            ("no_further_action", ""),
        ]
    )
    triaged = referred_at + dt.timedelta(days=rng.uniform(0.05, 5))
    referral_id = referral_row(
        ctx,
        child_id=child_id,
        area=area,
        referrer=referrer,
        referred_at=referred_at,
        age=age_on(born, referred_at.date()),
        status=status,
        outcome_route=route,
        outcome_reason="Triage outcome recorded (generated).",
        triaged_by_id=coordinator.id,
        triaged_at=triaged,
        child_checked_by_id=coordinator.id,
        child_checked_at=triaged,
    )
    if rng.random() < 0.5:
        assessment(
            ctx,
            child_id=child_id,
            age=age_on(born, referred_at.date()),
            assessor=referrer,
            at=referred_at,
            referral_id=referral_id,
        )
    ctx.trail.event(
        coordinator,
        Verb.TRANSITIONED,
        triaged,
        object_type="cases.referral",
        object_id=referral_id,
        changes={"status": ["submitted", status]},
    )

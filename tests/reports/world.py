"""A hand-built world for the partnership report's tests: rows made directly, with exactly
the dates, ages and outcomes a test names, so each figure can be checked by hand.

Fictional data only: children are "Reportchild-0001 Example"."""

from __future__ import annotations

import datetime as dt
import itertools

from cases.models import (
    Action,
    Case,
    Child,
    Referral,
    Review,
    RiskAssessment,
)
from meetings.models import AgendaItem, CaseDecision, Meeting
from panel.dates import LONDON
from panel.models import Agency, Area, User
from tests.factories import AgencyFactory, matrix_tool, referrer, staffordshire

_numbers = itertools.count(1)


def london(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


class World:
    """Makes rows for one area (staffordshire by default), with one referrer and agency."""

    def __init__(self, area: Area | None = None, agency: Agency | None = None) -> None:
        self.area = area or staffordshire()
        self.agency = agency or AgencyFactory(kind=Agency.Kind.POLICE, name="Test Police 001")
        self.user: User = referrer(agency=self.agency)

    def child(
        self,
        born: dt.date = dt.date(2012, 3, 3),
        gender: str = Child.Gender.FEMALE,
        ethnicity_code: str = Child.Ethnicity.WHITE_BRITISH,
    ) -> Child:
        number = next(_numbers)
        return Child.objects.create(
            first_name=f"Reportchild-{number:04d}",
            last_name="Example",
            date_of_birth=born,
            gender=gender,
            ethnicity_code=ethnicity_code,
            area=self.area,
        )

    def referral(
        self,
        at: dt.datetime,
        *,
        child: Child | None = None,
        agency: Agency | None = None,
        triaged_at: dt.datetime | None = None,
        status: str = Referral.Status.SUBMITTED,
        route: str = "",
        case: Case | None = None,
        **fields,
    ) -> Referral:
        if triaged_at is not None and status == Referral.Status.SUBMITTED:
            status = Referral.Status.NO_FURTHER_ACTION
        values = {
            "child_aware": "yes",
            "child_agrees": "yes",
            "parents_aware": "yes",
            "parents_agree": "yes",
            "legal_status": "none",
        }
        values.update(fields)
        return Referral.objects.create(
            child=child or self.child(),
            area=self.area,
            referrer=self.user,
            referrer_agency=agency or self.agency,
            referrer_role="Designated safeguarding lead",
            referrer_contact="01234 000000",
            referred_at=at,
            concerns="Fictional concerns for a report test.",
            contact_online=True,
            status=status,
            outcome_route=route,
            outcome_reason="Fictional triage reason." if triaged_at else "",
            triaged_at=triaged_at,
            triaged_by=self.user if triaged_at else None,
            case=case,
            **values,
        )

    def case(
        self,
        opened: dt.datetime,
        *,
        child: Child | None = None,
        risk: str = "medium",
        closed: dt.datetime | None = None,
        reason: str = "",
        previous: Case | None = None,
    ) -> Case:
        number = next(_numbers)
        return Case.objects.create(
            reference=f"CSE-{opened.year}-{number:04d}",
            child=child or self.child(),
            area=self.area,
            status=Case.Status.CLOSED if closed else Case.Status.OPEN,
            risk_level=risk,
            opened_at=opened,
            closed_at=closed,
            closure_reason=(reason or Case.ClosureReason.RISK_REDUCED) if closed else "",
            closure_summary="Fictional closure summary." if closed else "",
            previous_case=previous,
        )

    def accepted(self, at: dt.datetime, *, child: Child | None = None, **case_fields) -> Referral:
        """A referral accepted (triaged an hour later) into a new case opened then."""
        child = child or self.child()
        triaged = at + dt.timedelta(hours=1)
        case = self.case(triaged, child=child, **case_fields)
        return self.referral(
            at, child=child, triaged_at=triaged, status=Referral.Status.ACCEPTED, case=case
        )

    def assessment(
        self,
        at: dt.datetime,
        level: str | None,
        *,
        case: Case | None = None,
        referral: Referral | None = None,
    ) -> RiskAssessment:
        return RiskAssessment.objects.create(
            child=case.child if case else referral.child,
            case=case,
            referral=referral,
            tool=matrix_tool(),
            assessed_by=self.user,
            assessed_at=at,
            computed_level=level,
            final_level=level,
        )

    def meeting(self, on: dt.date) -> Meeting:
        return Meeting.objects.create(
            area=self.area,
            date=on,
            start_time=dt.time(10),
            venue="Test Venue Room 1",
            created_by=self.user,
        )

    def decision(self, meeting: Meeting, case: Case) -> CaseDecision:
        item = AgendaItem.objects.create(
            area=self.area,
            meeting=meeting,
            case=case,
            order=next(_numbers),
            added_by=self.user,
        )
        return CaseDecision.objects.create(
            item=item,
            meeting=meeting,
            case=case,
            kind=CaseDecision.Kind.CONTINUE,
            reason="Fictional decision reason.",
            risk_decision=CaseDecision.Risk.CONFIRMED,
            risk_level=case.risk_level,
            quorate=True,
            recorded_by=self.user,
            recorded_at=dt.datetime.combine(meeting.date, dt.time(11), tzinfo=LONDON),
        )

    def action(
        self,
        case: Case,
        due: dt.date,
        *,
        done: dt.datetime | None = None,
        cancelled: bool = False,
        agency: Agency | None = None,
        four_p: str = "",
    ) -> Action:
        status = Action.Status.OPEN
        if done:
            status = Action.Status.DONE
        elif cancelled:
            status = Action.Status.CANCELLED
        return Action.objects.create(
            case=case,
            description="Fictional action.",
            owning_agency=agency or self.agency,
            due_date=due,
            four_p=four_p,
            status=status,
            completed_at=done,
            completion_note="Done (fictional)." if done else "",
            cancel_reason="Not needed (fictional)." if cancelled else "",
            created_by=self.user,
        )

    def review(
        self,
        case: Case,
        due: dt.date,
        *,
        held: dt.date | None = None,
        cancelled: bool = False,
    ) -> Review:
        status = Review.Status.UPCOMING
        if held:
            status = Review.Status.HELD
        elif cancelled:
            status = Review.Status.CANCELLED
        return Review.objects.create(
            case=case,
            due_date=due,
            status=status,
            held_on=held,
            outcome="Fictional outcome." if held else "",
            risk_level_after="medium" if held else "",
        )

"""Arranging cases with due reviews and actions for the reminder tests.

Cases are made through the services (``tests.factories.make_case``); due dates, statuses
and people are then set directly, because these tests are about what the scans do with a
due date, not how it was recorded. ``many_cases`` builds hundreds at once with
bulk_create, for the query-count tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.models import Action, Case, CaseAgency, Child, Review
from panel.models import Agency, Area, User
from tests.factories import make_case


def open_case(
    *,
    area: Area,
    coordinator_user: User,
    agencies: list[Agency],
    lead: User | None = None,
    status: str = Case.Status.OPEN,
) -> Case:
    case = make_case(area=area, coordinator_user=coordinator_user, agencies=agencies)
    Case.objects.filter(pk=case.pk).update(status=status, lead_professional=lead)
    case.refresh_from_db()
    return case


def close(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.CLOSED,
        closed_at=timezone.now(),
        closure_reason=Case.ClosureReason.RISK_REDUCED,
        closure_summary="Fictional closure for a test.",
    )


def review_due(case: Case, due: dt.date) -> Review:
    review = case.reviews.get(status=Review.Status.UPCOMING)
    review.due_date = due
    review.save(update_fields=["due_date"])
    return review


def action_due(
    case: Case,
    due: dt.date,
    *,
    agency: Agency,
    owner: User | None = None,
    status: str = Action.Status.OPEN,
) -> Action:
    finished = {
        Action.Status.DONE: {"completed_at": timezone.now(), "completion_note": "Done (test)."},
        Action.Status.CANCELLED: {"cancel_reason": "Not needed (test)."},
    }
    return Action.objects.create(
        case=case,
        description="Fictional action for a test.",
        owning_agency=agency,
        owner=owner,
        due_date=due,
        status=status,
        created_by=case.transitions.first().by,
        **finished.get(status, {}),
    )


def many_cases(
    count: int,
    *,
    area: Area,
    agency: Agency,
    lead: User,
    owner: User,
    review_due_on: dt.date,
    action_due_on: dt.date,
    start: int = 1,
) -> list[Case]:
    """``count`` open cases, each with the lead professional, the agency involved, one
    upcoming review and one open action owned by ``owner``."""
    children = Child.objects.bulk_create(
        Child(
            first_name=f"Bulkchild-{start + i:04d}",
            last_name="Example",
            known_as=f"Bulkknown-{start + i:04d}",
            date_of_birth=dt.date(2012, 5, 17),
            gender=Child.Gender.FEMALE,
            area=area,
        )
        for i in range(count)
    )
    now = timezone.now()
    cases = Case.objects.bulk_create(
        Case(
            reference=f"CSE-2000-{start + i:04d}",
            child=child,
            area=area,
            status=Case.Status.OPEN,
            risk_level="medium",
            lead_agency=agency,
            lead_professional=lead,
            opened_at=now,
        )
        for i, child in enumerate(children)
    )
    CaseAgency.objects.bulk_create(CaseAgency(case=case, agency=agency) for case in cases)
    Review.objects.bulk_create(Review(case=case, due_date=review_due_on) for case in cases)
    Action.objects.bulk_create(
        Action(
            case=case,
            description="Fictional action for a test.",
            owning_agency=agency,
            owner=owner,
            due_date=action_due_on,
            created_by=owner,
        )
        for case in cases
    )
    return cases

"""An open case with its team, for the missing episodes tests."""

from __future__ import annotations

import datetime as dt
import types

from django.utils import timezone

from cases import services
from intelligence.models import MissingEpisode
from tests.factories import AgencyFactory, UserFactory, agency_lead, coordinator, make_case


def open_case(**kwargs) -> types.SimpleNamespace:
    """A case opened at panel: its area's coordinator, the lead of its involved agency and
    its lead professional (no role of their own, in that agency)."""
    agency = AgencyFactory()
    boss = coordinator(**kwargs)
    lead_prof = UserFactory(agency=agency)
    case = make_case(coordinator_user=boss, agencies=[agency], lead_professional=lead_prof)
    services.transition_case(type(boss).objects.get(pk=boss.pk), case=case, to_status="open")
    case.refresh_from_db()
    return types.SimpleNamespace(
        case=case, boss=boss, lead_prof=lead_prof, lead=agency_lead(agency), agency=agency
    )


def episode_on(case, *, days_ago: float = 3, returned_hours: float | None = 12, **fields):
    """An episode made directly (no service: no notifications), reported ``days_ago``."""
    now = timezone.now()
    reported = now - dt.timedelta(days=days_ago)
    returned = reported + dt.timedelta(hours=returned_hours) if returned_hours else None
    return MissingEpisode.objects.create(
        case=case,
        reported_missing_at=fields.pop("reported_missing_at", reported),
        returned_at=fields.pop("returned_at", returned),
        recorded_by=fields.pop("recorded_by", None) or UserFactory(),
        **fields,
    )

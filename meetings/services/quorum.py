"""Whether a meeting is quorate: every kind of agency the area's quorum names has a member
present. Data per area (meetings.QuorumKind rows), else settings.MEETING_DEFAULT_QUORUM."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from meetings.models import AttendanceStatus, Meeting, QuorumKind
from panel.models import AgencyKind


@dataclass(frozen=True)
class QuorumState:
    quorate: bool
    required: tuple[str, ...]
    present: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(kind for kind in self.required if kind not in self.present)

    def missing_labels(self) -> list[str]:
        return [AgencyKind(kind).label for kind in self.missing]

    def required_labels(self) -> list[str]:
        return [AgencyKind(kind).label for kind in self.required]

    def required_text(self) -> str:
        """The kinds the quorum needs, as words in a sentence ("police, children's social
        care, health and education"), as the attendance banner says them."""
        from meetings.services.attendance import kinds_text

        return kinds_text(self.required)

    def missing_text(self) -> str:
        from meetings.services.attendance import kinds_text

        return kinds_text(self.missing)


def required_kinds(area_id: int) -> tuple[str, ...]:
    """The agency kinds the area's quorum needs (one query)."""
    kinds = tuple(
        QuorumKind.objects.filter(area_id=area_id).order_by("kind").values_list("kind", flat=True)
    )
    return kinds or tuple(settings.MEETING_DEFAULT_QUORUM)


def quorum_state(meeting: Meeting) -> QuorumState:
    """The meeting's quorum as attendance stands now (two queries). Only members recorded
    present count; apologies, information sent and absence do not."""
    required = required_kinds(meeting.area_id)
    present = set(
        meeting.members.filter(attendance=AttendanceStatus.PRESENT).values_list(
            "agency__kind", flat=True
        )
    )
    return QuorumState(
        quorate=all(kind in present for kind in required),
        required=required,
        present=tuple(sorted(present)),
    )

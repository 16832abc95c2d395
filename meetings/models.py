"""Panel meetings: the meeting, its membership and attendance, the agenda, the research
list, what the panel decided for each case heard, the minutes and the meeting pack.

Scheduled -> agenda published -> held -> minutes approved; a meeting not yet held can be
cancelled (meetings/workflow.py). Reads go through ``visible_to`` (meetings/access.py);
writes through meetings/services/.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import Action, Case, CaseTransition, Review, RiskAssessment, RiskLevel
from meetings import access
from panel.models import Agency, AgencyKind, Area, User


def values(choices: type[models.TextChoices]) -> list[str]:
    return [value for value, _ in choices.choices]


class QuorumKind(models.Model):
    """One kind of agency that must be present for the area's panel to be quorate. Data per
    area (default: police, children's social care, health and education), editable by an
    administrator; an area with no rows uses ``settings.MEETING_DEFAULT_QUORUM``."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="quorum_kinds")
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)

    class Meta:
        ordering = ["area_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["area", "kind"], name="quorum_kind_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=values(AgencyKind)), name="quorum_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {AgencyKind(self.kind).label}"


class StandingMember(models.Model):
    """The area panel's standing membership: an agency and its named representative (any
    active person of that agency, whatever their roles). Copied to each new meeting, where
    it can be edited for that meeting alone."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="standing_members")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    representative = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["area_id", "agency__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "agency", "representative"], name="standing_member_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.representative or 'no named representative'}"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Agenda published"
    HELD = "held", "Held"
    APPROVED = "approved", "Minutes approved"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(models.Model):
    Status = MeetingStatus

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField()
    start_time = models.TimeField()
    venue = models.CharField(max_length=200, blank=True)
    online = models.BooleanField(default=False)
    # Joining details for an online meeting: shown on the meeting page only, never in an
    # email or the calendar file beyond "online".
    online_details = models.CharField(max_length=300, blank=True)
    # Co-chairs: police and the local authority; either may approve the minutes and ratify
    # a closure decided at a meeting that was not quorate.
    police_chair = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    local_authority_chair = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    held_at = models.DateTimeField(null=True, blank=True)
    confidentiality_read = models.BooleanField(default=False)
    confidentiality_read_by = models.CharField(max_length=150, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Minutes approved at a later meeting rather than by a chair.
    approved_at_meeting = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = access.MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time", "-id"]
        indexes = [models.Index(fields=["area", "date"], name="meeting_area_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=values(MeetingStatus)), name="meeting_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(online=True) | ~Q(venue=""), name="meeting_has_a_place"
            ),
            models.CheckConstraint(
                condition=~Q(status=MeetingStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="meeting_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} panel, {self.date:%-d %B %Y}"

    @property
    def reference(self) -> str:
        """How a meeting is named in notifications, files and the audit trail: no case
        detail, just the area and date."""
        return f"{self.area.slug}-panel-{self.date.isoformat()}"

    def publish_by(self) -> dt.date:
        """The day by which the agenda is published (locked)."""
        return self.date - dt.timedelta(days=settings.MEETING_PUBLISH_DAYS_BEFORE)

    def research_closes_at(self) -> dt.date:
        """The last day the research list is open, unless the minutes are approved first."""
        return self.date + dt.timedelta(days=settings.MEETING_RESEARCH_DAYS_AFTER)

    def chairs(self) -> list[User]:
        return [u for u in (self.police_chair, self.local_authority_chair) if u is not None]

    def is_chair(self, user: User) -> bool:
        return user.pk is not None and user.pk in (
            self.police_chair_id,
            self.local_authority_chair_id,
        )


class AttendanceStatus(models.TextChoices):
    EXPECTED = "expected", "Expected"
    PRESENT = "present", "Present"
    APOLOGIES = "apologies", "Apologies"
    SENT_INFORMATION = "sent_information", "Sent information only"
    ABSENT = "absent", "Absent"


class MeetingMember(models.Model):
    """An agency (and its named representative) on one meeting: copied from the standing
    membership when the meeting is scheduled, editable for the meeting. Attendance is
    recorded here. Research-list access follows these rows live (meetings/access.py)."""

    Attendance = AttendanceStatus

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="members")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    representative = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="meeting_seats"
    )
    # The person who actually came, when not the named representative (a deputy).
    attended_by = models.CharField(max_length=150, blank=True)
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, default=Attendance.EXPECTED
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting_id", "agency__name", "id"]
        indexes = [models.Index(fields=["representative", "meeting"], name="member_seat")]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "agency", "representative"], name="meeting_member_unique"
            ),
            models.CheckConstraint(
                condition=Q(attendance__in=values(AttendanceStatus)),
                name="meeting_member_attendance_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.representative or 'no named representative'}"


class GuestKind(models.TextChoices):
    OBSERVER = "observer", "Observer"
    GUEST = "guest", "Guest"


class MeetingGuest(models.Model):
    """Someone at the meeting who is not a member: an observer or a guest, with their
    organisation. Guests never sign in through this record."""

    Kind = GuestKind

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="guests")
    name = models.CharField(max_length=150)
    organisation = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OBSERVER)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=values(GuestKind)), name="guest_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="guest_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class AgendaItemKind(models.TextChoices):
    CASE = "case", "Case"
    GENERAL = "general", "General business"
    # Intelligence items (issue 13): a person of concern or a location linked to two or
    # more children, offered by intelligence/patterns.py. Shown in full only to those the
    # intelligence scope lets see the record (intelligence/access.py).
    PERSON = "person", "Person of concern"
    LOCATION = "location", "Location"


class AgendaReason(models.TextChoices):
    AWAITING_PANEL = "awaiting_panel", "Awaiting panel"
    REVIEW_DUE = "review_due", "Review due before the next meeting"
    ACTIONS_OVERDUE = "actions_overdue", "Actions overdue"
    MEMBER_REQUEST = "member_request", "Asked for by a member"
    OPEN_12_MONTHS = "open_12_months", "Open 12 months or more: step down or escalate?"
    CARRIED_OVER = "carried_over", "Carried over from an earlier meeting"
    ADDED = "added", "Added by the coordinator"
    # A person of concern or location linked to two or more children (intelligence).
    EMERGING_PATTERN = "emerging_pattern", "Linked to two or more children"
    # Three or more missing episodes in 90 days (intelligence/services/missing.py).
    REPEAT_MISSING = "repeat_missing", "Missing three or more times in 90 days"


class AgendaItemStatus(models.TextChoices):
    PENDING = "pending", "To be heard"
    HEARD = "heard", "Heard"
    NOT_REACHED = "not_reached", "Not reached"
    MOVED = "moved", "Moved to another meeting"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AgendaItem(models.Model):
    """One item on a meeting's agenda: a case (with why it is there) or general business.

    An item with no meeting is on the area's "to be scheduled" list: carried over when no
    next meeting existed yet, and offered when the next one is created."""

    Kind = AgendaItemKind
    Reason = AgendaReason
    Status = AgendaItemStatus
    ACTIVE_STATUSES = (AgendaItemStatus.PENDING, AgendaItemStatus.HEARD)

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="items"
    )
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CASE)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    # A person-of-concern or location item: the record the panel is asked to look at.
    person = models.ForeignKey(
        "intelligence.PersonOfConcern",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    location = models.ForeignKey(
        "intelligence.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    # General business: its title and notes. Never a child's name.
    title = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.ADDED)
    reason_detail = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Added after the agenda was published: needs a reason (reason_detail) and is marked.
    late = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Where a moved or carried item came from.
    moved_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    # General business discussed at the meeting: what was said, for the minutes (never a
    # child's name).
    note = models.TextField(blank=True)
    # New actions the panel agreed while hearing this case (cases' action service). At a
    # meeting that was not quorate they are in effect and ratified with the decision.
    agreed_actions = models.ManyToManyField(Action, blank=True, related_name="+")

    objects = access.AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["meeting_id", "order", "id"]
        indexes = [
            models.Index(fields=["meeting", "order"], name="agenda_item_order"),
            models.Index(
                fields=["area"], condition=Q(meeting__isnull=True), name="agenda_to_schedule"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=values(AgendaItemKind)), name="agenda_item_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=values(AgendaReason)), name="agenda_item_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=values(AgendaItemStatus)), name="agenda_item_status_valid"
            ),
            # Exactly the subject its kind names: a case, a person of concern, a location,
            # or (general business) a title.
            models.CheckConstraint(
                condition=(
                    Q(kind=AgendaItemKind.CASE, case__isnull=False)
                    & Q(person__isnull=True, location__isnull=True)
                )
                | (
                    Q(kind=AgendaItemKind.PERSON, person__isnull=False)
                    & Q(case__isnull=True, location__isnull=True)
                )
                | (
                    Q(kind=AgendaItemKind.LOCATION, location__isnull=False)
                    & Q(case__isnull=True, person__isnull=True)
                )
                | (
                    Q(kind=AgendaItemKind.GENERAL, case__isnull=True)
                    & Q(person__isnull=True, location__isnull=True)
                    & ~Q(title="")
                ),
                name="agenda_item_subject",
            ),
            models.CheckConstraint(
                condition=Q(late=False) | ~Q(reason_detail=""), name="agenda_item_late_reason"
            ),
            # A case is on a meeting's agenda once, and on the to-be-scheduled list once.
            models.UniqueConstraint(
                fields=["meeting", "case"],
                condition=Q(case__isnull=False, status__in=["pending", "heard"]),
                name="agenda_case_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["area", "case"],
                condition=Q(meeting__isnull=True, case__isnull=False, status="pending"),
                name="agenda_case_once_to_schedule",
            ),
            # Likewise a person of concern or a location (intelligence items).
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False, status__in=["pending", "heard"]),
                name="agenda_person_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["area", "person"],
                condition=Q(meeting__isnull=True, person__isnull=False, status="pending"),
                name="agenda_person_once_to_schedule",
            ),
            models.UniqueConstraint(
                fields=["meeting", "location"],
                condition=Q(location__isnull=False, status__in=["pending", "heard"]),
                name="agenda_location_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["area", "location"],
                condition=Q(meeting__isnull=True, location__isnull=False, status="pending"),
                name="agenda_location_once_to_schedule",
            ),
        ]

    def __str__(self) -> str:
        return self.case.reference if self.case_id else self.title


class ResearchListEntry(AgendaItem):
    """A case on a published agenda as the research list shows it: only the identifying
    details an agency needs to search its own systems (name, known-as, date of birth,
    address, school, reference). Its own scope (meetings/access.py ``research_scope``),
    never the case page."""

    objects = access.ResearchListQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "research list entry"
        verbose_name_plural = "research list entries"


class Declaration(models.Model):
    """A member's declaration of interest in a case on a meeting's agenda."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="declarations")
    member = models.ForeignKey(MeetingMember, on_delete=models.CASCADE, related_name="+")
    interest = models.TextField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["item_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(interest=""), name="declaration_not_blank"),
        ]

    def __str__(self) -> str:
        return f"Declaration on agenda item {self.item_id}"


class ResearchOutcome(models.TextChoices):
    HELD = "held", "Information held"
    NOTHING_HELD = "nothing_held", "Nothing held"


class ResearchReturn(models.Model):
    """What one member agency found in its own systems about one child on the published
    agenda: "information held" with a short summary, or "nothing held"."""

    Outcome = ResearchOutcome

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="research")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    summary = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    objects = access.ResearchReturnQuerySet.as_manager()

    class Meta:
        ordering = ["item_id", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["item", "agency"], name="research_return_unique"),
            models.CheckConstraint(
                condition=Q(outcome__in=values(ResearchOutcome)), name="research_outcome_valid"
            ),
            models.CheckConstraint(
                condition=~Q(outcome=ResearchOutcome.HELD) | ~Q(summary=""),
                name="research_held_has_summary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.get_outcome_display()}"


class DecisionKind(models.TextChoices):
    OPEN = "open", "Open the case"
    CONTINUE = "continue", "Continue with the plan"
    CLOSE = "close", "Close the case"
    ESCALATE = "escalate", "Escalate"


class EscalationForum(models.TextChoices):
    STRATEGY = "strategy", "Strategy discussion / section 47"
    MARAC = "marac", "MARAC"
    CHANNEL = "channel", "Channel"
    NRM = "nrm", "National Referral Mechanism"


class RiskDecision(models.TextChoices):
    CONFIRMED = "confirmed", "Risk level confirmed"
    CHANGED = "changed", "Risk level changed (new assessment)"


class DecisionState(models.TextChoices):
    # Took effect (at a quorate meeting, or a protective decision at any meeting).
    EFFECTIVE = "effective", "In effect"
    # A protective decision at a meeting that was not quorate: in effect, to be ratified.
    TO_RATIFY = "to_ratify", "Not quorate: to be ratified"
    # A closure at a meeting that was not quorate: waits for a co-chair or a later
    # quorate meeting before the case closes.
    AWAITING_RATIFICATION = "awaiting", "Closure waiting for ratification"
    RATIFIED = "ratified", "Ratified"
    # A pending closure that was not ratified (the case stays open).
    NOT_RATIFIED = "not_ratified", "Not ratified"


class CaseDecision(models.Model):
    """What the panel decided for one case heard at a meeting, with its reason."""

    Kind = DecisionKind
    Forum = EscalationForum
    Risk = RiskDecision
    State = DecisionState

    item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="decision")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="panel_decisions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField()
    risk_decision = models.CharField(max_length=20, choices=Risk.choices)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quorate = models.BooleanField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.EFFECTIVE)
    # A closure decided: its reason and summary, applied when it takes effect.
    closure_reason = models.CharField(max_length=20, choices=Case.ClosureReason.choices, blank=True)
    closure_summary = models.TextField(blank=True)
    # An escalation: the forum, the named person making the referral, the action created.
    forum = models.CharField(max_length=20, choices=Forum.choices, blank=True)
    escalation_person = models.CharField(max_length=150, blank=True)
    escalation_action = models.ForeignKey(
        Action, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transition = models.ForeignKey(
        CaseTransition, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ratified_at = models.DateTimeField(null=True, blank=True)
    ratified_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ratified_at_meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why a closure was not ratified (or a note on its ratification).
    ratification_note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    objects = access.CaseDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["meeting_id", "item__order", "id"]
        indexes = [
            models.Index(fields=["case", "recorded_at"], name="decision_case_time"),
            models.Index(
                fields=["state"],
                condition=Q(state__in=["to_ratify", "awaiting"]),
                name="decision_to_ratify",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=values(DecisionKind)), name="decision_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=values(DecisionState)), name="decision_state_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="decision_has_reason"),
            models.CheckConstraint(
                condition=~Q(kind=DecisionKind.ESCALATE)
                | (~Q(forum="") & ~Q(escalation_person="")),
                name="decision_escalation_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.get_kind_display()}"


class ActionReviewOutcome(models.TextChoices):
    DONE = "done", "Done"
    CIRCUMSTANCES_CHANGED = "circumstances", "Not done: circumstances changed"
    NOT_DONE_BY_AGENCY = "not_done", "Not done by the agency"
    ONGOING = "ongoing", "Not yet due: carried forward"


class ActionReview(models.Model):
    """Last meeting's action, reviewed at this hearing, minuted as done, not done because
    circumstances changed, or not done by the agency (the distinction the minutes keep)."""

    Outcome = ActionReviewOutcome

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="action_reviews")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["item_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "action"], name="action_review_unique"),
            models.CheckConstraint(
                condition=Q(outcome__in=values(ActionReviewOutcome)),
                name="action_review_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Action {self.action_id}: {self.get_outcome_display()}"


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CIRCULATED = "circulated", "Circulated"
    APPROVED = "approved", "Approved"


class Minutes(models.Model):
    """A meeting's minutes. Built from what was recorded, edited by the coordinator,
    circulated to attendees, approved by a co-chair (or at the next meeting) and then
    locked: corrections are addenda."""

    Status = MinutesStatus

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    circulated_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "minutes"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=values(MinutesStatus)), name="minutes_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Minutes of {self.meeting}"


class MinutesSection(models.Model):
    """One section of the minutes. A section about a case (``item`` is a case item) is
    shown only to those who may see that case; the others (attendance, general business)
    to everyone who may see the meeting."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="sections")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order = models.PositiveIntegerField()
    heading = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    # Set when a coordinator edits the text: rebuilding the draft keeps edited sections
    # and replaces only those still as generated (meetings/services/minutes.py).
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["minutes_id", "order", "id"]

    def __str__(self) -> str:
        return self.heading


class MinutesAddendum(models.Model):
    """A correction to approved minutes: appended, never edited (append-only in the
    database), audited."""

    minutes = models.ForeignKey(Minutes, on_delete=models.PROTECT, related_name="addenda")
    section = models.ForeignKey(
        MinutesSection, on_delete=models.PROTECT, null=True, blank=True, related_name="addenda"
    )
    text = models.TextField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["minutes_id", "at", "id"]
        verbose_name_plural = "minutes addenda"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="minutes_addendum_not_blank"),
        ]

    def __str__(self) -> str:
        return f"Addendum to {self.minutes}"


class DocumentKind(models.TextChoices):
    PACK = "pack", "Meeting pack"
    MINUTES = "minutes", "Approved minutes"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being made"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class MeetingDocument(models.Model):
    """A rendered pack (or minutes PDF) for one distinct set of visible cases: rendered
    once, stored through Django's storage API, stamped with the reader's name and the time
    when downloaded. Expires (MEETING_PACK_EXPIRY_DAYS after the meeting)."""

    Kind = DocumentKind
    Status = DocumentStatus

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # sha256 of the sorted ids of the cases the copy contains (and its kind): readers who
    # may see the same cases share one render.
    scope_key = models.CharField(max_length=64)
    case_count = models.PositiveIntegerField(default=0)
    # The ids of the cases the copy contains, fixed when it is asked for: the render shows
    # exactly these (and the scope key is made from them), whoever's access changes while
    # it waits in the queue.
    case_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file_name = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker claimed it: a copy "being made" for much longer than a render may take
    # (its worker died) is stalled, and asking again replaces it.
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "kind", "scope_key"],
                condition=~Q(status__in=["failed", "expired"]),
                name="meeting_document_one_live_per_scope",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=values(DocumentKind)), name="meeting_document_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=values(DocumentStatus)),
                name="meeting_document_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.meeting}"

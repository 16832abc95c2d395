"""A case's chronology, paged in the database.

Every source (referrals and their triage decisions, assessments, status transitions,
actions, action updates, held reviews, case notes) gives one row per entry to a single
``UNION ALL`` query: its London day, its London time of day, the source's rank and its pk.
That query orders and limits; the page's rows are then read per source by pk. So a page is
at most one query plus one per source, whatever the length of the history.

The order is ``Entry.sort_key`` (the London day, then the time recorded that day; a held
review recorded on a later day sorts at the end of the day it was held), then the source's
rank, then its pk: a deterministic tie-break for entries recorded at the same moment.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case as SqlCase
from django.db.models import F, IntegerField, Q, QuerySet, TimeField, Value, When
from django.db.models.functions import Coalesce, TruncDate, TruncTime
from django.urls import reverse

from cases.models import (
    Action,
    ActionUpdate,
    Case,
    CaseNote,
    CaseTransition,
    Referral,
    Review,
    RiskAssessment,
)
from cases.scoring import NOT_ASSESSED
from panel.dates import LONDON


@dataclass(frozen=True)
class Entry:
    """One line of a case's chronology. ``at`` is when it was recorded. Something that
    happened on a day at no known time (a review is held on a date) has that day in ``on``:
    the page shows the day and when it was recorded, and it sorts by the day."""

    at: dt.datetime | None
    kind: str
    title: str
    detail: str = ""
    by: str = ""
    url: str = ""
    on: dt.date | None = None

    def sort_key(self) -> tuple[dt.date, dt.time]:
        recorded = self.at.astimezone(LONDON) if self.at is not None else None
        day = self.on or recorded.date()
        if recorded is not None and recorded.date() == day:
            return day, recorded.time()
        # Recorded on a later day: it happened some time that day, so after what that day
        # recorded at a known time.
        return day, dt.time.max


# --- the sources, in tie-break order --------------------------------------------------

REFERRAL, TRIAGE, ASSESSMENT, TRANSITION, ACTION, ACTION_UPDATE, REVIEW, NOTE = range(8)
SOURCES = range(8)


def _local(moment: str) -> dict:
    return {
        "day": TruncDate(moment, tzinfo=LONDON),
        "tm": TruncTime(moment, tzinfo=LONDON),
    }


def _keys(case: Case, source: int) -> QuerySet:
    """The source's entries of the case, annotated with (day, tm, src, ref)."""
    if source == REFERRAL:
        rows = Referral.objects.filter(case=case).annotate(**_local("referred_at"))
    elif source == TRIAGE:
        rows = Referral.objects.filter(case=case, triaged_at__isnull=False).annotate(
            **_local("triaged_at")
        )
    elif source == ASSESSMENT:
        rows = RiskAssessment.objects.filter(case=case).annotate(**_local("assessed_at"))
    elif source == TRANSITION:
        rows = CaseTransition.objects.filter(case=case).annotate(**_local("at"))
    elif source == ACTION:
        rows = Action.objects.filter(case=case).annotate(**_local("created_at"))
    elif source == ACTION_UPDATE:
        rows = ActionUpdate.objects.filter(action__case=case).annotate(**_local("created_at"))
    elif source == REVIEW:
        # Held on a day; at the time recorded if recorded that day, else at the day's end.
        rows = (
            Review.objects.filter(case=case, status=Review.Status.HELD)
            .annotate(recorded_day=TruncDate("recorded_at", tzinfo=LONDON))
            .annotate(
                day=Coalesce("held_on", "recorded_day"),
                tm=SqlCase(
                    When(
                        recorded_day=Coalesce(F("held_on"), F("recorded_day")),
                        then=TruncTime("recorded_at", tzinfo=LONDON),
                    ),
                    default=Value(dt.time.max),
                    output_field=TimeField(),
                ),
            )
        )
    else:
        rows = CaseNote.objects.filter(case=case).annotate(**_local("created_at"))
    return rows.annotate(src=Value(source, output_field=IntegerField()), ref=F("pk"))


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: the key of the oldest entry already shown."""

    day: dt.date
    tm: dt.time
    src: int
    ref: int

    def encode(self) -> str:
        raw = f"{self.day.isoformat()}T{self.tm.isoformat('microseconds')}/{self.src}/{self.ref}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor a page link carried; ValueError if it is not one we made."""
        if not text or len(text) > 100:
            raise ValueError("No cursor.")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
            moment, src, ref = raw.split("/")
            day, tm = moment.split("T")
            cursor = cls(dt.date.fromisoformat(day), dt.time.fromisoformat(tm), int(src), int(ref))
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise ValueError("Not a chronology cursor.") from error
        if cursor.src not in SOURCES or not 0 < cursor.ref < 2**63:
            raise ValueError("Not a chronology cursor.")
        return cursor

    def earlier(self, source: int) -> Q:
        """Rows of ``source`` that sort before this cursor."""
        before = Q(day__lt=self.day) | Q(day=self.day, tm__lt=self.tm)
        if source < self.src:
            return before | Q(day=self.day, tm=self.tm)
        if source == self.src:
            return before | Q(day=self.day, tm=self.tm, ref__lt=self.ref)
        return before


@dataclass
class Page:
    """A slice of the chronology in reading order (oldest first); ``earlier`` is the cursor
    for the entries before it, None when this slice starts at the beginning."""

    entries: list[Entry] = field(default_factory=list)
    earlier: Cursor | None = None


def page(case: Case, *, size: int | None, before: Cursor | None = None) -> Page:
    """The ``size`` most recent entries before ``before`` (all of them when size is None),
    oldest first."""
    parts = []
    for source in SOURCES:
        rows = _keys(case, source)
        if before is not None:
            rows = rows.filter(before.earlier(source))
        parts.append(rows.order_by().values_list("day", "tm", "src", "ref"))
    keys = parts[0].union(*parts[1:], all=True).order_by("-day", "-tm", "-src", "-ref")
    if size is not None:
        keys = keys[: size + 1]
    keys = [Cursor(*row) for row in keys]
    more = size is not None and len(keys) > size
    keys = list(reversed(keys[:size] if more else keys))
    return Page(_entries(keys), keys[0] if more else None)


# --- reading the page's rows ------------------------------------------------------------


def _pks(keys: list[Cursor], *sources: int) -> set[int]:
    return {key.ref for key in keys if key.src in sources}


def _entries(keys: list[Cursor]) -> list[Entry]:
    """The entries for the keys, in the keys' order: one query per source on the page."""
    found: dict[tuple[int, int], Entry] = {}
    referrals = Referral.objects.filter(pk__in=_pks(keys, REFERRAL, TRIAGE))
    for referral in referrals.select_related("referrer_agency", "triaged_by"):
        found[REFERRAL, referral.pk] = Entry(
            referral.referred_at,
            "referral",
            "Referral received",
            f"From {referral.referrer_agency}"
            + (" (immediate risk)" if referral.immediate_risk else ""),
        )
        if referral.triaged_at:
            found[TRIAGE, referral.pk] = Entry(
                referral.triaged_at,
                "decision",
                f"Triage: {referral.get_status_display()}",
                referral.outcome_reason,
                str(referral.triaged_by or ""),
            )
    assessments = RiskAssessment.objects.filter(pk__in=_pks(keys, ASSESSMENT))
    for assessment in assessments.select_related("tool", "assessed_by"):
        # An unanswered matrix has no computed level (and, without an override, no level).
        final = assessment.get_final_level_display() if assessment.final_level else NOT_ASSESSED
        computed = (
            assessment.get_computed_level_display() if assessment.computed_level else NOT_ASSESSED
        )
        detail = f"{assessment.tool}; computed {computed.lower()}"
        if assessment.is_override:
            detail += f"; professional override: {assessment.override_reason}"
        found[ASSESSMENT, assessment.pk] = Entry(
            assessment.assessed_at,
            "assessment",
            f"Risk assessed: {final}",
            detail,
            str(assessment.assessed_by),
        )
    transitions = CaseTransition.objects.filter(pk__in=_pks(keys, TRANSITION))
    for transition in transitions.select_related("by"):
        found[TRANSITION, transition.pk] = Entry(
            transition.at,
            "decision",
            f"Status: {Case.Status(transition.to_status).label}",
            transition.reason,
            str(transition.by or ""),
        )
    actions = Action.objects.filter(pk__in=_pks(keys, ACTION))
    for action in actions.select_related("owning_agency", "created_by"):
        found[ACTION, action.pk] = Entry(
            action.created_at,
            "action",
            f"Action agreed for {action.owning_agency}",
            action.description,
            str(action.created_by),
            reverse("cases:action-detail", args=[action.pk]),
        )
    updates = ActionUpdate.objects.filter(pk__in=_pks(keys, ACTION_UPDATE))
    for update in updates.select_related("author", "action__owning_agency"):
        title = f"Action update ({update.action.owning_agency})"
        if update.status_to:
            title += f": {Action.Status(update.status_to).label.lower()}"
        found[ACTION_UPDATE, update.pk] = Entry(
            update.created_at,
            "action",
            title,
            update.note,
            str(update.author),
            reverse("cases:action-detail", args=[update.action_id]),
        )
    reviews = Review.objects.filter(pk__in=_pks(keys, REVIEW))
    for review in reviews.select_related("held_by"):
        found[REVIEW, review.pk] = Entry(
            review.recorded_at,
            "review",
            f"Review held: risk {review.get_risk_level_after_display().lower()}",
            review.outcome,
            str(review.held_by or ""),
            on=review.held_on,
        )
    notes = CaseNote.objects.filter(pk__in=_pks(keys, NOTE))
    for note in notes.select_related("author"):
        found[NOTE, note.pk] = Entry(
            note.created_at, "note", "Case note", note.text, str(note.author)
        )
    return [found[key.src, key.ref] for key in keys]


def chronology(case: Case) -> list[Entry]:
    """Everything that happened on a case, oldest first: every page at once, for a reader
    that needs the whole history (the meeting pack)."""
    return page(case, size=None).entries

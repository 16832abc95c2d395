"""Children: making a child record, editing its equality and administrative details, and
finding possible duplicates."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from audit.services import field_changes, record
from cases import matching
from cases.models import (
    Case,
    Child,
    ChildMerge,
    Referral,
)
from cases.services.common import (
    ADULT_AGE,
    OLDEST_YOUNG_ADULT,
    Verb,
    _clean,
    _local,
    _require,
    can_refer,
    coordinates,
)
from panel.dates import age_on
from panel.errors import Conflict
from panel.models import Area, User


def check_date_of_birth(date_of_birth: dt.date, today: dt.date, young_adult_reason: str) -> None:
    """A child is anyone under 18, 16 and 17 included, without warning. An 18-25 year old
    needs a recorded reason; a birth date in the future or over 25 years ago is refused."""
    if date_of_birth > today:
        raise ValidationError({"date_of_birth": "Date of birth must be in the past."})
    age = age_on(date_of_birth, today)
    if age > OLDEST_YOUNG_ADULT:
        raise ValidationError(
            {
                "date_of_birth": "This person is over 25. The panel works with children and, "
                "with a reason, young adults up to 25."
            }
        )
    if age >= ADULT_AGE and not young_adult_reason.strip():
        raise ValidationError(
            {
                "young_adult_reason": "This person is 18 or over. Say why the panel should "
                "consider them (for example a learning disability or transitional safeguarding)."
            }
        )


def create_child(
    actor: User,
    *,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    gender: str,
    area: Area,
    known_as: str = "",
    ethnicity: str = "",
    ethnicity_code: str = Child.Ethnicity.NOT_KNOWN,
    school_or_setting: str = "",
    address: str = "",
    young_adult_reason: str = "",
    now: dt.datetime | None = None,
) -> Child:
    """Record a new child. Any user who may refer. Records ``created``. Duplicate checking
    is the coordinator's, at triage (see possible_duplicates)."""
    _require(can_refer(actor), "You may not record children.")
    now = now or timezone.now()
    check_date_of_birth(date_of_birth, _local(now), young_adult_reason)
    child = Child(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        known_as=known_as.strip(),
        date_of_birth=date_of_birth,
        gender=gender,
        area=area,
        ethnicity=ethnicity.strip(),
        ethnicity_code=ethnicity_code or Child.Ethnicity.NOT_KNOWN,
        school_or_setting=school_or_setting,
        address=address,
    )
    _clean(child)
    with transaction.atomic():
        child.save()
        record(actor=actor, verb=Verb.CREATED, obj=child)
    return child


# What update_child_details may change: the details reports count (gender, ethnic group)
# and the administrative ones beside them. Never the name or date of birth, which duplicate
# detection matches on (a wrong one is a new referral's or a merge's business).
DETAIL_FIELDS = ("gender", "ethnicity_code", "ethnicity", "school_or_setting")


def can_edit_child_details(user: User, child: Child) -> bool:
    """Coordinators of the child's area (auditors never)."""
    return coordinates(user, child.area_id)


def update_child_details(
    actor: User,
    *,
    child: Child,
    version: int,
    gender: str,
    ethnicity_code: str,
    ethnicity: str = "",
    school_or_setting: str = "",
) -> Child:
    """Set a child's gender, ONS 2021 ethnic group, ethnicity as described and school or
    setting: how "not known" gets filled in once the panel learns it. Coordinators of the
    child's area. ``version`` is the child's as the user read it; a stale one raises
    Conflict and changes nothing. Records ``updated`` with each changed field (old -> new)
    in the same transaction; nothing is recorded when nothing changed."""
    _require(
        can_edit_child_details(actor, child),
        "Only a coordinator of the child's area may change their details.",
    )
    with transaction.atomic():
        locked = Child.objects.select_for_update().get(pk=child.pk)
        if locked.version != version:
            raise Conflict(
                "Someone else changed this child's details while you were editing them.",
                current_version=locked.version,
            )
        before = {name: getattr(locked, name) for name in DETAIL_FIELDS}
        locked.gender = gender
        locked.ethnicity_code = ethnicity_code
        locked.ethnicity = ethnicity.strip()
        locked.school_or_setting = school_or_setting.strip()
        changes = field_changes(before, {name: getattr(locked, name) for name in DETAIL_FIELDS})
        if not changes:
            return locked
        _clean(locked)
        locked.version += 1
        locked.save()
        record(actor=actor, verb=Verb.UPDATED, obj=locked, changes=changes)
    return locked


def _merged_away() -> Exists:
    """A child whose referral was linked to another record (a merge not undone): it is
    kept for the undo, but it is not a child to offer as a duplicate."""
    return Exists(ChildMerge.objects.filter(from_child=OuterRef("pk"), undone_at__isnull=True))


def possible_duplicates(child: Child, *, seen_by: User) -> list[Child]:
    """Other children who may be this one (see cases.matching.match_reason: the same
    folded name, known-as against first name, first and last swapped, one letter different
    in a first or last name of 4+ letters, and the day and month of birth swapped), among
    the records ``seen_by`` may see (a match elsewhere is not shown, not even as a count:
    see cross_area_strong_matches for the one exception). For coordinators at triage only;
    a referrer is never shown other children.

    One query whatever the number of children: candidates are narrowed by date of birth on
    the ``(date_of_birth, name_key)`` index, and each comes with what tells two apart (its
    area, its latest case's reference and status, its last referral date, all as
    ``seen_by`` may see them) and ``match_reason``."""
    cases = (
        Case.objects.visible_to(seen_by).filter(child=OuterRef("pk")).order_by("-opened_at", "-pk")
    )
    referrals = (
        Referral.objects.visible_to(seen_by)
        .filter(child=OuterRef("pk"))
        .order_by("-referred_at", "-pk")
    )
    candidates = (
        Child.objects.visible_to(seen_by)
        .filter(date_of_birth__in=matching.birth_dates(child.date_of_birth))
        .exclude(pk=child.pk)
        .exclude(_merged_away())
        .select_related("area")
        .annotate(
            latest_case_reference=Subquery(cases.values("reference")[:1]),
            latest_case_status=Subquery(cases.values("status")[:1]),
            last_referred_at=Subquery(referrals.values("referred_at")[:1]),
        )
        .order_by("pk")
    )
    keys = matching.Keys.of(child)
    found = []
    for other in candidates:
        other.match_reason = matching.match_reason(keys, matching.Keys.of(other))
        if other.match_reason:
            other.latest_case_status_label = (
                Case.Status(other.latest_case_status).label if other.latest_case_status else ""
            )
            found.append(other)
    return found


def cross_area_strong_matches(child: Child, *, seen_by: User) -> list[Child]:
    """Children with exactly the same folded name and date of birth, held in an area
    ``seen_by`` does not coordinate and not otherwise visible to them. Only the area may be
    told to the coordinator (DESIGN rule 8's one exception); the caller rate-limits and
    audits (see cases.services.cross_area). Narrowed on the (date_of_birth, name_key)
    index."""
    return list(
        Child.objects.filter(date_of_birth=child.date_of_birth, name_key=child.name_key)
        .exclude(pk=child.pk)
        .exclude(pk__in=Child.objects.visible_to(seen_by).values("pk"))
        .exclude(area_id__in=seen_by.coordinator_area_ids)
        .exclude(_merged_away())
        .select_related("area")
        .order_by("area__name", "pk")
    )

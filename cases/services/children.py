"""Children: making a child record and finding possible duplicates."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record
from cases.models import (
    Child,
)
from cases.services.common import (
    ADULT_AGE,
    OLDEST_YOUNG_ADULT,
    Verb,
    _clean,
    _local,
    _require,
    can_refer,
)
from panel.dates import age_on
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
        ethnicity=ethnicity,
        school_or_setting=school_or_setting,
        address=address,
    )
    _clean(child)
    with transaction.atomic():
        child.save()
        record(actor=actor, verb=Verb.CREATED, obj=child)
    return child


def possible_duplicates(child: Child, *, seen_by: User) -> list[Child]:
    """Other children with the same folded name or known-as and the same date of birth,
    among the records ``seen_by`` may see (a match elsewhere is not shown, not even as a
    count). For coordinators at triage only; a referrer is never shown other children."""
    same_dob = (
        Child.objects.visible_to(seen_by)
        .filter(date_of_birth=child.date_of_birth)
        .exclude(pk=child.pk)
    )
    matches = same_dob.filter(name_key=child.name_key)
    if child.known_as_key:
        matches = matches | same_dob.filter(known_as_key=child.known_as_key)
        matches = matches | same_dob.filter(name_key__startswith=child.known_as_key + " ")
    return list(matches.distinct().order_by("pk"))

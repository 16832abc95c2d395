"""Review reminders and the retention sweep of persons of concern."""

import datetime as dt
import zoneinfo

import pytest
from django.conf import settings
from django.db import DatabaseError, OperationalError
from django.utils import timezone

from audit.models import AuditEvent
from intelligence import tasks
from intelligence.models import Disruption, Link, PersonIdentifier, PersonOfConcern, Sighting
from intelligence.services import retention
from notifications.models import Notification
from panel.celery import app
from tests.factories import (
    LinkFactory,
    PersonOfConcernFactory,
    agency_lead,
    coordinator,
    make_case,
    staffordshire,
    stoke,
)

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2031, 6, 10)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


@pytest.fixture
def today(time_machine):
    time_machine.move_to(at(TODAY), tick=False)
    return TODAY


def no_longer(retention_date: dt.date, **kwargs) -> PersonOfConcern:
    return PersonOfConcernFactory(
        status="no_longer",
        status_changed_at=timezone.now(),
        retention_date=retention_date,
        **kwargs,
    )


# --- review reminders ------------------------------------------------------------------


def test_coordinators_of_the_area_are_told_of_reviews_due_once_per_review_date(today):
    boss, other_boss = coordinator(staffordshire()), coordinator(stoke())
    agency_lead()
    # (The factory's author would be a new coordinator of the area each time.)
    due = PersonOfConcernFactory(review_date=today, created_by=boss)
    overdue = PersonOfConcernFactory(review_date=today - dt.timedelta(days=30), created_by=boss)
    PersonOfConcernFactory(review_date=today + dt.timedelta(days=1), created_by=boss)
    no_longer(today + dt.timedelta(days=300), review_date=today, created_by=boss)
    elsewhere = PersonOfConcernFactory(area=stoke(), review_date=today, created_by=other_boss)

    assert retention.notify_reviews_due() == 3
    assert retention.notify_reviews_due() == 0  # keyed: a second sweep tells nobody again

    rows = Notification.objects.filter(kind="intelligence_review_due")
    told = {(n.recipient_id, n.link) for n in rows}
    assert told == {
        (boss.pk, retention.person_link(due.pk)),
        (boss.pk, retention.person_link(overdue.pk)),
        (other_boss.pk, retention.person_link(elsewhere.pk)),
    }
    for n in rows:  # a link only: never a name
        assert "Testperson" not in f"{n.link} {n.case_reference} {n.key}"

    # A review held sets a new date: a new reminder when that one comes.
    PersonOfConcern.objects.filter(pk=due.pk).update(review_date=today + dt.timedelta(days=180))
    assert retention.notify_reviews_due() == 0
    assert retention.notify_reviews_due(today + dt.timedelta(days=180)) >= 1


def test_erased_and_merged_persons_are_not_reminded(today):
    coordinator(staffordshire())
    kept = PersonOfConcernFactory(review_date=today + dt.timedelta(days=5))
    PersonOfConcernFactory(review_date=today, merged_into=kept)
    erased = PersonOfConcernFactory(review_date=today)
    PersonOfConcern.objects.filter(pk=erased.pk).update(erased_at=timezone.now())

    assert retention.notify_reviews_due() == 0


def test_the_review_sweep_takes_the_same_queries_for_one_or_many(today, django_assert_num_queries):
    coordinator(staffordshire())
    for n in (1, 15):
        PersonOfConcern.objects.all().update(review_date=today + dt.timedelta(days=1))
        for _ in range(n):
            PersonOfConcernFactory(review_date=today)
        # The persons due; the coordinators of their areas; a savepoint, the existing keys,
        # the insert, its release.
        with django_assert_num_queries(6):
            retention.notify_reviews_due()


# --- retention ---------------------------------------------------------------------------


def test_only_expired_persons_no_longer_of_concern_are_erased(today):
    expired = no_longer(today - dt.timedelta(days=1), description="Tall (fictional).")
    PersonIdentifier.objects.create(person=expired, kind="alias", value="Testalias Erase")
    PersonIdentifier.objects.create(person=expired, kind="phone", value="07700 900999")
    on_the_day = no_longer(today)  # the retention date itself: kept until it has passed
    later = no_longer(today + dt.timedelta(days=1))
    suspected = PersonOfConcernFactory(retention_date=today - dt.timedelta(days=400))

    assert retention.erase_expired() == 1

    expired.refresh_from_db()
    assert expired.name == PersonOfConcern.ERASED_NAME == "Erased person of concern"
    assert expired.erased_at == timezone.now()
    assert (expired.date_of_birth, expired.approximate_age, expired.description) == (
        None,
        None,
        "",
    )
    assert not PersonIdentifier.objects.filter(person=expired).exists()
    for untouched in (on_the_day, later, suspected):
        untouched.refresh_from_db()
        assert untouched.erased_at is None and untouched.name.startswith("Testperson-")


def test_links_stay_as_an_erased_record_ended_and_their_text_cleared(today):
    person = no_longer(today - dt.timedelta(days=1))
    case = make_case()
    link = LinkFactory(case=case, person=person, detail=f"Seen with {person.name}.")
    ended_before = LinkFactory(
        case=make_case(), person=person, ended_at=timezone.now() - dt.timedelta(days=9)
    )
    sighting = Sighting.objects.create(
        link=link, seen_at=timezone.now(), place="Testplace Erase", notes=person.name,
        recorded_by=link.recorded_by,
    )  # fmt: skip
    disruption = Disruption.objects.create(
        area=person.area, person=person, kind="cawn", date=today - dt.timedelta(days=900),
        agency=person.source_agency, outcome=f"Served on {person.name}.",
        recorded_by=link.recorded_by,
    )  # fmt: skip
    other = PersonOfConcernFactory()
    untouched = LinkFactory(case=case, person=other, detail="Kept (fictional).")

    retention.erase_expired()

    link.refresh_from_db()
    assert link.person_id == person.pk and link.ended_at == timezone.now()
    assert link.ended_reason == retention.ERASED_REASON and link.detail == ""
    ended_before.refresh_from_db()
    assert ended_before.ended_at < timezone.now()  # ended earlier: its end is kept
    sighting.refresh_from_db()
    assert (sighting.notes, sighting.place) == ("", "")
    disruption.refresh_from_db()
    assert disruption.outcome == "" and disruption.kind == "cawn"
    untouched.refresh_from_db()
    assert untouched.ended_at is None and untouched.detail == "Kept (fictional)."
    assert Link.objects.filter(person=person).count() == 2


def test_duplicates_merged_into_an_erased_person_are_erased_with_them(today):
    person = no_longer(today - dt.timedelta(days=1))
    duplicate = PersonOfConcernFactory(merged_into=person)
    PersonIdentifier.objects.create(person=duplicate, kind="handle", value="@testerase")

    retention.erase_expired()

    duplicate.refresh_from_db()
    assert duplicate.name == PersonOfConcern.ERASED_NAME and duplicate.erased_at
    assert not PersonIdentifier.objects.filter(person=duplicate).exists()


def test_each_erasure_is_one_system_audit_event_naming_no_one(today):
    person = no_longer(today - dt.timedelta(days=1))
    name = person.name
    before = AuditEvent.objects.count()

    retention.erase_expired()

    (event,) = AuditEvent.objects.order_by("id")[before:]
    assert (event.verb, event.object_type, event.object_id) == (
        "updated",
        "intelligence.personofconcern",
        str(person.pk),
    )
    assert event.actor is None and event.actor_label == ""
    assert event.changes["erased"] == "end of retention"
    assert name not in str(event.changes)


def test_the_sweep_is_idempotent(today, time_machine):
    person = no_longer(today - dt.timedelta(days=1))
    assert retention.erase_expired() == 1
    erased_at = PersonOfConcern.objects.get(pk=person.pk).erased_at
    events = AuditEvent.objects.count()

    time_machine.move_to(at(today + dt.timedelta(days=3)), tick=False)
    assert retention.erase_expired() == 0
    assert retention.erase_person(person.pk, today=today + dt.timedelta(days=3)) is False
    assert PersonOfConcern.objects.get(pk=person.pk).erased_at == erased_at
    assert AuditEvent.objects.count() == events


def test_a_failure_leaves_that_person_whole_and_a_retry_finishes(today, monkeypatch):
    first = no_longer(today - dt.timedelta(days=2))
    second = no_longer(today - dt.timedelta(days=1))
    PersonIdentifier.objects.create(person=second, kind="alias", value="Testalias Whole")
    real = retention.record

    def failing(**kwargs):
        if kwargs["obj"].pk == second.pk:
            raise OperationalError("database went away (test)")
        return real(**kwargs)

    monkeypatch.setattr(retention, "record", failing)
    with pytest.raises(DatabaseError):
        retention.erase_expired()

    second.refresh_from_db()
    assert second.erased_at is None and second.name.startswith("Testperson-")
    assert PersonIdentifier.objects.filter(person=second).exists()
    assert PersonOfConcern.objects.get(pk=first.pk).erased_at is not None  # committed

    monkeypatch.setattr(retention, "record", real)
    assert retention.erase_expired() == 1
    second.refresh_from_db()
    assert second.erased_at is not None
    assert not PersonIdentifier.objects.filter(person=second).exists()


def test_retention_runs_from_no_longer_of_concern(today):
    assert PersonOfConcern.retention_from(today) == today.replace(
        year=today.year + settings.INTELLIGENCE_RETENTION_YEARS
    )


# --- the tasks and the beat schedule -----------------------------------------------------


@pytest.mark.parametrize("task", [tasks.notify_intelligence_reviews, tasks.erase_expired_persons])
def test_the_tasks_retry_with_backoff_and_return_counts(task, today):
    assert issubclass(OperationalError, task.autoretry_for)
    assert task.retry_backoff is True and task.max_retries == 5
    assert all(isinstance(v, int) for v in task.apply().get().values())


def test_beat_runs_both_sweeps_daily_with_no_arguments():
    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    app.loader.import_default_modules()
    for name in (
        "intelligence.tasks.notify_intelligence_reviews",
        "intelligence.tasks.erase_expired_persons",
    ):
        assert name in app.tasks
        entry = entries[name]
        assert not entry.get("args") and not entry.get("kwargs")

"""The verifier reads the sealed section ahead in a thread (PostgreSQL) while it hashes the
fetch before: the same events in the same order, the first problem named as before, and
the reader stopped and joined when a problem ends the walk early."""

import threading

import pytest
from django.db import connection

from audit import verification
from audit.models import AuditEvent
from audit.sealing import seal
from audit.services import record
from audit.verification import _raw_sealed, _read_ahead, verify_trail
from tests.audit.test_trail import _raw, _TriggersOff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _batches(*sizes: int):
    produced = iter([list(range(size)) for size in sizes] + [[]])
    calls = []

    def fetch():
        calls.append(1)
        return next(produced)

    return fetch, calls


def test_the_batches_come_in_order_until_an_empty_one():
    fetch, calls = _batches(3, 2, 1)

    assert list(_read_ahead(fetch)) == [[0, 1, 2], [0, 1], [0]]
    assert len(calls) == 4


def test_an_error_in_the_reader_is_raised_to_the_consumer():
    def fetch():
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        list(_read_ahead(fetch))


def test_stopping_early_stops_and_joins_the_reader():
    before = threading.active_count()
    fetch, calls = _batches(*[5] * 100)
    batches = _read_ahead(fetch)

    assert next(batches) == list(range(5))
    batches.close()

    assert threading.active_count() == before
    # At most the batch waiting in the queue and the one in hand were read ahead.
    assert len(calls) <= 2 + verification.AHEAD


def _events(n: int) -> list[AuditEvent]:
    user = UserFactory()
    return [
        record(actor=user, verb="viewed", object_type="cases.case", object_id=i) for i in range(n)
    ]


def test_small_fetches_read_every_event_once_in_sealing_order(monkeypatch):
    _events(7)
    seal()
    whole = [row[:3] for row in _raw_sealed((0, 0))]
    monkeypatch.setattr(verification, "FETCH", 2)

    assert [row[:3] for row in _raw_sealed((0, 0))] == whole
    assert len(whole) == AuditEvent.objects.filter(prev_hash__isnull=True).count()
    assert verify_trail().ok


@pytest.mark.breaks_audit_chain
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fetch", [2, 20_000])
def test_with_edits_in_several_fetches_the_lowest_is_named(monkeypatch, fetch):
    events = _events(9)
    seal()
    monkeypatch.setattr(verification, "FETCH", fetch)
    victims = [events[2], events[5], events[8]]

    with _TriggersOff():
        for victim in victims:
            _raw("UPDATE audit_auditevent SET actor_label = 'x' WHERE id = %s", [victim.pk])

    before = threading.active_count()
    problem = verify_trail().problem

    assert problem.kind == "edited"
    assert problem.event_id == victims[0].pk
    assert threading.active_count() == before
    # The connection is usable again: the cursor and its transaction were closed.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)

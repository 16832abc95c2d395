import socket
from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from django.db import DatabaseError
from django.utils import timezone

from panel.models import WorkerHeartbeat


@shared_task
def record_heartbeat() -> str:
    """Run by beat every minute: /healthz shows when a worker last did scheduled work."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        name="scheduler", defaults={"last_seen": now, "hostname": socket.gethostname()}
    )
    return now.isoformat()


@shared_task
def ping() -> str:
    """A task with no side effects, for checking that a worker answers."""
    return "pong"


# Failures a file job (a meeting document, a report export) may get past by trying again:
# the database, the storage or the network.
TRANSIENT = (DatabaseError, OSError, ConnectionError, TimeoutError)


def make_with_retries(
    task: Task,
    object_id: int,
    *,
    make: Callable[[int], Any],
    requeue: Callable[[int, Exception], None],
    mark_failed: Callable[[int, Exception], None],
) -> Any:
    """Run one queued file job from a bound task: a transient failure puts the row back in
    the queue and retries with backoff (10 s doubling, at most 10 minutes) up to the task's
    ``max_retries``; anything else, or the last retry, marks the row failed and re-raises."""
    try:
        return make(object_id)
    except TRANSIENT as error:
        if task.request.retries < task.max_retries:
            requeue(object_id, error)
            raise task.retry(exc=error, countdown=min(600, 10 * 2**task.request.retries)) from error
        mark_failed(object_id, error)
        raise
    except Exception as error:
        mark_failed(object_id, error)
        raise

import socket

from celery import shared_task
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

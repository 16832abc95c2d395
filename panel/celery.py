"""The Celery app. Beat only triggers scans on a fixed schedule kept here, in code; the
database is the source of truth for what is due, so no task is queued with a long ETA."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")

app = Celery("panel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=5 * 60,
    task_soft_time_limit=4 * 60,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_accept_content=["json"],
    result_expires=24 * 60 * 60,
    timezone="Europe/London",
    enable_utc=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    beat_schedule={
        "worker-heartbeat": {
            "task": "panel.tasks.record_heartbeat",
            # Read from the environment here, not from Django settings: this module is
            # imported while the settings are still loading.
            "schedule": float(os.environ.get("HEARTBEAT_SECONDS", "60")),
        },
        "verify-audit-chain-nightly": {
            "task": "audit.tasks.verify_audit_chain",
            "schedule": crontab(hour=2, minute=30),
        },
    },
)
app.autodiscover_tasks()

"""The Celery app. Beat only triggers scans on the fixed schedule in settings
(CELERY_BEAT_SCHEDULE, versioned with the code); the database is the source of truth for
what is due, so no task is queued with a long ETA."""

import os

from celery import Celery

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
)
app.autodiscover_tasks()

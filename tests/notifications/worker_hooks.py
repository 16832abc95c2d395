"""Loaded only into the worker processes that tests/notifications/test_worker.py starts
(``celery worker -I tests.notifications.worker_hooks``), and driven by their environment.
The application has no test hooks of its own.

- ``TEST_TASK_LOG_DIR``: each task's start and end are appended to ``<dir>/<pid>.log``, so
  a test can show two workers really ran at the same time.
- ``TEST_SCAN_PAUSE_SECONDS``: a scan pauses after a batch's INSERT (committed, with
  batches still to come: the worst moment to die), and first writes ``<dir>/paused-<pid>``.
- ``TEST_SCAN_BATCH_SIZE``: the scans' batch size (REMINDER_SCAN_BATCH_SIZE), so a test
  can stop a worker between batches.
- ``TEST_VISIBILITY_TIMEOUT``: seconds before Redis hands a dead worker's unacknowledged
  message to another (production: an hour), so a restarted worker takes it back at once.
"""

import os
import time
from pathlib import Path

from celery.signals import task_postrun, task_prerun
from django.conf import settings

from notifications import reminders
from panel.celery import app

LOG_DIR = os.environ.get("TEST_TASK_LOG_DIR")
PAUSE = float(os.environ.get("TEST_SCAN_PAUSE_SECONDS", "0"))
VISIBILITY_TIMEOUT = os.environ.get("TEST_VISIBILITY_TIMEOUT")
BATCH_SIZE = os.environ.get("TEST_SCAN_BATCH_SIZE")


def _log(event: str, task) -> None:
    if LOG_DIR:
        with open(Path(LOG_DIR) / f"{os.getpid()}.log", "a") as log:
            log.write(f"{event} {task.name} {time.time()}\n")


@task_prerun.connect
def _started(task=None, **kwargs):
    _log("start", task)


@task_postrun.connect
def _ended(task=None, **kwargs):
    _log("end", task)


if PAUSE:
    _create = reminders.create_new_notifications

    def _create_then_pause(pending):
        created = _create(pending)
        if LOG_DIR:
            (Path(LOG_DIR) / f"paused-{os.getpid()}").touch()
        time.sleep(PAUSE)
        return created

    reminders.create_new_notifications = _create_then_pause

if BATCH_SIZE:
    settings.REMINDER_SCAN_BATCH_SIZE = int(BATCH_SIZE)

if VISIBILITY_TIMEOUT:
    # In place: with the CELERY settings namespace, assigning a new dict to app.conf is
    # shadowed by Django's CELERY_BROKER_TRANSPORT_OPTIONS.
    app.conf.broker_transport_options["visibility_timeout"] = float(VISIBILITY_TIMEOUT)

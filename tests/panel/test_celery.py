"""A real Celery worker, in its own process, on the configured broker (Redis in CI, the
filesystem transport when nothing is configured), runs a task and returns its result."""

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from panel.celery import app
from panel.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.worker
def test_a_real_worker_runs_a_task():
    queue = f"test-{uuid.uuid4().hex[:12]}"
    options = (
        "-m celery -A panel worker --pool=solo --concurrency=1 --loglevel=INFO "
        f"--without-gossip --without-mingle --without-heartbeat -Q {queue} -n {queue}@%h"
    )
    worker = subprocess.Popen(
        [sys.executable, *options.split()],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "panel.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        result = ping.apply_async(queue=queue)
        assert result.get(timeout=90) == "pong"
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "ready" in output


def test_the_celery_app_is_configured_for_reliable_delivery():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.timezone == "Europe/London"


def test_the_beat_schedule_is_fixed_in_code_and_names_real_tasks():
    schedule = app.conf.beat_schedule
    app.loader.import_default_modules()

    assert schedule
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


@pytest.mark.worker
def test_with_nothing_configured_beat_and_a_worker_do_scheduled_work(tmp_path):
    """The zero-config app: SQLite and the filesystem transport, worker with embedded beat.
    Beat's heartbeat entry (every 2 s here) must reach the worker and land in the database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "DATABASE_OWNER_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "CELERY_RESULT_BACKEND",
        }
    }
    database = tmp_path / "zero-config.sqlite3"
    env.update(
        DJANGO_SETTINGS_MODULE="panel.settings",
        DATABASE_URL=f"sqlite:///{database}",
        PANEL_VAR_DIR=str(tmp_path / "var"),
        HEARTBEAT_SECONDS="2",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    options = (
        "-m celery -A panel worker --beat --pool=solo --loglevel=INFO --without-gossip "
        f"--without-mingle -s {tmp_path / 'var' / 'beat-schedule'} -n zero@%h"
    )
    worker = subprocess.Popen(
        [sys.executable, *options.split()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        beat = None
        deadline = time.monotonic() + 120
        while beat is None and time.monotonic() < deadline:
            time.sleep(1)
            with sqlite3.connect(database) as db:
                beat = db.execute(
                    "SELECT last_seen FROM panel_workerheartbeat WHERE name = 'scheduler'"
                ).fetchone()
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert beat is not None, output[-3000:]

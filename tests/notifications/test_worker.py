"""Real Celery workers, in their own processes, on the configured broker (Redis in CI, the
filesystem transport when nothing is configured) and the test database (the PostgreSQL
test database, or a file copy of SQLite's in-memory one), run the scans:

- two workers scanning at once notify once, and two senders email each notification once;
- a worker killed in the middle of a scan, then restarted, leaves one notification a key;
- with nothing configured, a worker with embedded beat runs the scans and sends the emails.

Workers load tests/notifications/worker_hooks.py to slow a scan down or log task times."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.db import connection

from cases.models import Child
from notifications.tasks import scan_actions, scan_reviews, send_notification_emails
from panel.dates import london_today
from tests.conftest import child_details, child_details_in
from tests.notifications.data import many_cases

ROOT = Path(__file__).resolve().parents[2]
CASES = 10
REMINDERS_A_CASE = {"review_due": 2, "action_overdue": 3}  # see seed()
ON_REDIS = settings.CELERY_BROKER_URL.startswith("redis")

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class WorkerDatabase:
    """The test database as a worker process sees it. PostgreSQL: the test database itself
    (committed data is visible). SQLite: the test database lives in this process's memory,
    so ``publish`` copies it to a file the workers open."""

    def __init__(self, tmp_path: Path):
        db = connection.settings_dict
        self.path = None
        if connection.vendor == "sqlite":
            self.path = tmp_path / "worker.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            credentials = quote(db["USER"] or "", safe="")
            if db["PASSWORD"]:
                credentials += ":" + quote(db["PASSWORD"], safe="")
            host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
            self.url = f"postgres://{credentials}@{host}/{db['NAME']}"

    def publish(self) -> None:
        if self.path:
            connection.ensure_connection()
            with contextlib.closing(sqlite3.connect(self.path)) as target:
                connection.connection.backup(target)

    def query(self, sql: str) -> list[tuple]:
        if self.path:
            with contextlib.closing(sqlite3.connect(self.path)) as db:
                return db.execute(sql).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def notifications(self) -> tuple[Counter, Counter]:
        """How many rows there are of each kind, and for each key."""
        rows = self.query("SELECT kind, key FROM notifications_notification")
        return Counter(kind for kind, _ in rows), Counter(key for _, key in rows)


class Worker:
    """``celery worker`` in a subprocess, its output in a log file."""

    def __init__(self, tmp_path: Path, name: str, env: dict, *options: str):
        self.log = tmp_path / f"{name}.log"
        command = [
            sys.executable,
            *["-m", "celery", "-A", "panel", "worker", "--pool=solo", "--loglevel=INFO"],
            *["--without-gossip", "--without-mingle", "--without-heartbeat"],
            *("-n", f"{name}@%h", "-I", "tests.notifications.worker_hooks", *options),
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.output():
            assert self.process.poll() is None, self.output()[-3000:]
            assert time.monotonic() < deadline, self.output()[-3000:]
            time.sleep(0.2)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Warm shutdown (after terminate() was sent), or kill after 30 s."""
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    running = [worker for worker in started if worker.process.poll() is None]
    for worker in running:
        worker.process.terminate()
    for worker in running:
        worker.stop()


def worker_env(database: WorkerDatabase, tmp_path: Path, **extra: str) -> dict:
    mail = tmp_path / "mail"
    mail.mkdir(exist_ok=True)
    logs = tmp_path / "tasks"
    logs.mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "panel.settings",
        "DATABASE_URL": database.url,
        "EMAIL_URL": f"filemail:///{mail}",
        "TEST_TASK_LOG_DIR": str(logs),
        **extra,
    }


def seed(team, today: dt.date) -> None:
    """CASES open cases, each with a review due in 3 days (lead professional and
    coordinator) and an action 8 days overdue (owner, agency lead and coordinator)."""
    many_cases(
        CASES,
        area=team.area,
        agency=team.agency,
        lead=team.lead,
        owner=team.owner,
        review_due_on=today + dt.timedelta(days=3),
        action_due_on=today - dt.timedelta(days=8),
    )


def emails_sent(tmp_path: Path) -> list:
    """Every message the workers' file email backend wrote."""
    messages = []
    for path in sorted((tmp_path / "mail").glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                messages.append(email.message_from_string(chunk.strip()))
    return messages


def finished(result, *workers: Worker, timeout: float = 90):
    """The task's result, or a failure that shows what the workers said."""
    try:
        return result.get(timeout=timeout)
    except CeleryTimeout:
        logs = "\n".join(f"--- {w.log.name}\n{w.output()[-3000:]}" for w in workers)
        pytest.fail(f"no result from task {result.id} in {timeout} s\n{logs}")


def task_spans(tmp_path: Path, task_name: str) -> list[tuple[float, float]]:
    spans = []
    for log in (tmp_path / "tasks").glob("*.log"):
        started = None
        for line in log.read_text().splitlines():
            event, name, moment = line.split()
            if name != task_name:
                continue
            if event == "start":
                started = float(moment)
            else:
                spans.append((started, float(moment)))
    return spans


def test_two_workers_at_once_notify_once_and_email_each_notification_once(team, tmp_path, workers):
    seed(team, london_today())
    database = WorkerDatabase(tmp_path)
    database.publish()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    # Each scan pauses 6 s after its insert, so the other worker's run overlaps it even
    # on a loaded machine (a worker can take a few seconds to fetch its task).
    env = worker_env(database, tmp_path, TEST_SCAN_PAUSE_SECONDS="6")
    for name in ("first", "second"):
        workers.append(Worker(tmp_path, f"{name}-{queue}", env, "-Q", queue))
    for worker in workers:
        worker.wait_ready()

    runs = {}
    for task in (scan_reviews, scan_actions):
        sent = [task.apply_async(queue=queue) for _ in range(2)]
        runs[task.name] = sorted(result.get(timeout=90)["created"] for result in sent)
    sends = [send_notification_emails.apply_async(queue=queue) for _ in range(2)]
    sent_counts = [result.get(timeout=90)["sent"] for result in sends]

    by_kind, by_key = database.notifications()
    assert by_kind == {kind: n * CASES for kind, n in REMINDERS_A_CASE.items()}
    assert set(by_key.values()) == {1}
    assert runs == {
        scan_reviews.name: [0, REMINDERS_A_CASE["review_due"] * CASES],
        scan_actions.name: [0, REMINDERS_A_CASE["action_overdue"] * CASES],
    }
    for name in (scan_reviews.name, scan_actions.name):
        (a_start, a_end), (b_start, b_end) = task_spans(tmp_path, name)
        assert a_start < b_end and b_start < a_end, f"{name} runs did not overlap"
    messages = emails_sent(tmp_path)
    assert sum(sent_counts) == len(messages) == sum(by_kind.values())
    assert database.query(
        "SELECT count(*) FROM notifications_notification WHERE emailed_at IS NULL"
    ) == [(0,)]
    assert len({(m["To"], m["Subject"]) for m in messages}) == len(messages)
    outbox = [_Sent(m) for m in messages]
    assert not child_details_in(outbox, [child_details(c) for c in Child.objects.all()])


class _Sent:
    """An email read back from the file backend, shaped like an EmailMessage."""

    def __init__(self, message):
        self.to = [message["To"]]
        self.subject = message["Subject"]
        self.body = message.get_payload()


def test_a_worker_killed_in_the_middle_of_a_scan_and_restarted_leaves_one_per_key(
    team, tmp_path, workers
):
    seed(team, london_today())
    database = WorkerDatabase(tmp_path)
    database.publish()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    doomed = Worker(
        tmp_path,
        f"doomed-{queue}",
        # Batches of 4 reviews: the scan stops after the first of three.
        worker_env(database, tmp_path, TEST_SCAN_PAUSE_SECONDS="120", TEST_SCAN_BATCH_SIZE="4"),
        "-Q",
        queue,
    )
    workers.append(doomed)
    doomed.wait_ready()

    result = scan_reviews.apply_async(queue=queue)
    paused = tmp_path / "tasks" / f"paused-{doomed.process.pid}"
    deadline = time.monotonic() + 60
    while not paused.exists():
        assert time.monotonic() < deadline, doomed.output()[-3000:]
        time.sleep(0.1)
    # The scan has committed its first batch and has two to go: kill it there.
    doomed.kill()
    first_batch = REMINDERS_A_CASE["review_due"] * 4
    assert database.notifications()[0] == Counter({"review_due": first_batch})

    # Redis keeps the unacknowledged message and a worker starting up hands back those
    # older than the visibility timeout (1 s here, so wait that long; an hour in
    # production). The filesystem transport keeps no such record: a message is gone once
    # taken, and beat's next run does the scan.
    time.sleep(1.5)
    restarted = Worker(
        tmp_path,
        f"restarted-{queue}",
        worker_env(database, tmp_path, TEST_VISIBILITY_TIMEOUT="1"),
        "-Q",
        queue,
    )
    workers.append(restarted)
    if not ON_REDIS:
        result = scan_reviews.apply_async(queue=queue)
    created = {"created": REMINDERS_A_CASE["review_due"] * CASES - first_batch}
    assert finished(result, restarted) == created
    again = scan_reviews.apply_async(queue=queue).get(timeout=90)

    by_kind, by_key = database.notifications()
    assert by_kind == {"review_due": REMINDERS_A_CASE["review_due"] * CASES}
    assert set(by_key.values()) == {1}
    assert again == {"created": 0}


def test_with_nothing_configured_a_worker_with_embedded_beat_runs_the_scans(
    team, tmp_path, workers
):
    """Without Redis: kombu's filesystem transport under PANEL_VAR_DIR, beat embedded in
    the worker, the scans and the email sender every 2 s here."""
    seed(team, london_today())
    database = WorkerDatabase(tmp_path)
    database.publish()
    env = worker_env(
        database,
        tmp_path,
        PANEL_VAR_DIR=str(tmp_path / "var"),
        REMINDER_SCAN_SECONDS="2",
        NOTIFICATION_EMAIL_SECONDS="2",
    )
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    schedule = tmp_path / "var" / "beat-schedule"
    workers.append(Worker(tmp_path, "embedded", env, "--beat", "-s", str(schedule)))
    expected = sum(REMINDERS_A_CASE.values()) * CASES

    deadline = time.monotonic() + 90
    emailed = 0
    while emailed < expected and time.monotonic() < deadline:
        time.sleep(1)
        with contextlib.suppress(sqlite3.OperationalError):
            ((emailed,),) = database.query(
                "SELECT count(*) FROM notifications_notification WHERE emailed_at IS NOT NULL"
            )

    assert emailed == expected, workers[0].output()[-3000:]
    assert "filesystem" in workers[0].output()
    by_kind, _ = database.notifications()
    assert by_kind == {kind: n * CASES for kind, n in REMINDERS_A_CASE.items()}
    assert len(emails_sent(tmp_path)) == expected

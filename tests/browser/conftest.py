"""Browser tests: Debian's Chromium (/usr/bin/chromium, never a downloaded build) driven by
pytest-playwright against the real app in its own processes.

- The test database is the one pytest-django made. On SQLite it is a file when browser tests
  are collected (tests/conftest.py), because an in-memory database is invisible to another
  process. Tests commit (transaction=True), so what factories make here the server reads.
- ``server``: ``manage.py runserver --noreload`` on a free port (static files served by
  DEBUG, threaded, connections closed after each request: CONN_MAX_AGE=0).
- ``worker``: a Celery worker (solo pool) on the configured broker (Redis with REDIS_URL, the
  filesystem transport without) and the same database, on a queue of its own.
Both get the DATABASE_URL / REDIS_URL of the run, so CI tests each database.

Without /usr/bin/chromium the tests skip with a reason, except in CI (CI=true), where a
missing browser fails them.
"""

from __future__ import annotations

import email
import email.message
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection
from playwright.sync_api import Page

from tests.browser.pages import CHROMIUM, DESKTOP

ROOT = Path(__file__).resolve().parents[2]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright():
    """Playwright's sync API keeps an event loop running in this thread, so Django's ORM
    refuses to run ("SynchronousOnlyOperation") although nothing here is async: the
    factories, services and pytest-django's flush run in this process between browser
    steps. Set up before Playwright starts and put back after it stops (session end)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def pytest_collection_modifyitems(config, items):
    if os.access(CHROMIUM, os.X_OK):
        return
    if IN_CI:
        # A fixture fails each browser test with the reason (see ``chromium``).
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (apt-get install chromium)")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"CI: {CHROMIUM} is missing; .ci/run installs the chromium package")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium):
    """Headless Debian Chromium, as root in a container with no network: no sandbox (root),
    and nothing fetched in the background (updates, field trials, safe browsing)."""
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-domain-reliability",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--metrics-recording-only",
            "--safebrowsing-disable-auto-update",
        ],
    }


def database_url() -> str:
    """The test database as another process opens it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        assert Path(name).is_absolute(), f"the SQLite test database is not a file: {name}"
        return f"sqlite:///{name}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A subprocess with its output in a log file, shown when something goes wrong."""

    def __init__(self, log: Path, command: list[str], env: dict):
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self, tail: int = 4000) -> str:
        return self.log.read_text()[-tail:]

    def alive(self) -> None:
        assert self.process.poll() is None, f"{self.log.name} exited:\n{self.output()}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def app_env(django_db_setup, django_db_blocker, tmp_path_factory) -> dict:
    """The environment of the server and the worker: this run's database and broker."""
    with django_db_blocker.unblock():
        url = database_url()
    mail = tmp_path_factory.mktemp("browser-mail")
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "panel.settings",
        "DATABASE_URL": url,
        "CONN_MAX_AGE": "0",  # a handful of PostgreSQL connections at most
        "EMAIL_URL": f"filemail:///{mail}",
        "PYTHONUNBUFFERED": "1",
    }


def start_server(env: dict, logs: Path) -> tuple[Process, str]:
    """``runserver`` on a free port with this environment, once it answers; its base URL."""
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks"]
    proc = Process(logs / "server.log", [*command, f"127.0.0.1:{port}"], env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        proc.alive()
        try:
            with urllib.request.urlopen(f"{base}/sign-in/", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, f"the server did not start:\n{proc.output()}"
        time.sleep(0.2)
    return proc, base


@pytest.fixture(scope="session")
def server(app_env, tmp_path_factory) -> str:
    """The app's own server in its own process; its base URL."""
    proc, base = start_server(app_env, tmp_path_factory.mktemp("browser-server"))
    yield base
    proc.stop()


class Worker:
    def __init__(self, proc: Process, queue: str, mail: Path):
        self.proc = proc
        self.queue = queue
        self.mail = mail

    def emails(self) -> list[email.message.Message]:
        """Every message the worker's file email backend wrote."""
        messages = []
        for path in sorted(self.mail.glob("*.log")):
            for chunk in path.read_text().split("-" * 79):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk.strip()))
        return messages

    def run(self, task, *args, timeout: float = 60):
        """Run a task on the worker process and return its result."""
        self.proc.alive()
        result = task.apply_async(args=args, queue=self.queue)
        try:
            return result.get(timeout=timeout)
        except Exception:
            pytest.fail(f"task {task.name} failed on the worker:\n{self.proc.output()}")


@pytest.fixture(scope="session")
def worker(app_env, tmp_path_factory) -> Worker:
    """A real Celery worker on this run's broker and database."""
    queue = f"browser-{uuid.uuid4().hex[:12]}"
    logs = tmp_path_factory.mktemp("browser-worker")
    command = [
        sys.executable,
        *["-m", "celery", "-A", "panel", "worker", "--pool=solo", "--loglevel=INFO"],
        *["--without-gossip", "--without-mingle", "--without-heartbeat"],
        *["-Q", queue, "-n", f"{queue}@%h"],
    ]
    proc = Process(logs / "worker.log", command, app_env)
    deadline = time.monotonic() + 60
    while " ready." not in proc.output(100_000):
        proc.alive()
        assert time.monotonic() < deadline, f"the worker did not start:\n{proc.output()}"
        time.sleep(0.2)
    yield Worker(proc, queue, Path(app_env["EMAIL_URL"].removeprefix("filemail:///")))
    proc.stop()


def watch_csp(page: Page) -> list[str]:
    """Every Content-Security-Policy violation on the pages this tab visits, as a list that
    fills in. The policy is enforced in these tests (no ``bypass_csp``; axe goes in through
    DevTools, see pages.axe_violations), so an inline script, style or handler, or a
    resource from elsewhere, is refused by the browser and reported here. Two witnesses: the
    DOM's securitypolicyviolation event (through an init script, itself exempt from the
    policy) and Chromium's "Refused to ..." console messages."""
    refused: list[str] = []

    def report(text: str) -> None:
        refused.append(f"{urlsplit(page.url).path}: {text}")

    page.expose_function("__appReportCsp", report)
    page.add_init_script(
        """document.addEventListener("securitypolicyviolation", (event) => {
            window.__appReportCsp(`${event.violatedDirective} refused ${event.blockedURI}`
                + ` (${event.sourceFile || ""}:${event.lineNumber})`);
        });"""
    )

    def console(message) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            report(message.text)

    page.on("console", console)
    return refused


@pytest.fixture
def page(page: Page):
    """pytest-playwright's page, failing the test on any CSP violation it saw."""
    refused = watch_csp(page)
    yield page
    assert not refused, "Content-Security-Policy violations:\n  " + "\n  ".join(refused)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, server):
    """Desktop size; reduced motion, so no fade is caught half-way by a contrast check."""
    return {
        **browser_context_args,
        "base_url": server,
        "viewport": DESKTOP,
        "reduced_motion": "reduce",
        "accept_downloads": True,
    }

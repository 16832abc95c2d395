import pytest
from django.db.utils import OperationalError

from panel import health
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "a-monitoring-token-for-the-tests-only"


@pytest.fixture
def monitor(client, settings):
    """A client carrying the configured HEALTHZ_TOKEN: it sees the details."""
    settings.HEALTHZ_TOKEN = TOKEN
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"
    return client


def test_healthz_reports_database_and_broker_up(monitor):
    response = monitor.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_the_broker_is_down(monitor, monkeypatch):
    from kombu import Connection

    from panel.celery import app

    # Nothing listens on port 1 of this machine: a broker that is really unreachable.
    monkeypatch.setattr(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))

    response = monitor.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"] == {"ok": False, "transport": "redis", "error": body["broker"]["error"]}
    assert body["database"]["ok"] is True


def test_healthz_is_503_when_the_database_is_down(monitor, monkeypatch):
    class DownCursor:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    with monkeypatch.context() as patch:
        patch.setattr(health.connection, "cursor", lambda: DownCursor())
        response = monitor.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
    assert response.json()["worker"] == {"last_heartbeat": None}


def test_healthz_shows_the_last_worker_heartbeat(monitor):
    from panel.tasks import record_heartbeat

    stamp = record_heartbeat()

    assert monitor.get("/healthz").json()["worker"] == {"last_heartbeat": stamp}


def test_healthz_needs_no_sign_in_and_says_nothing_about_cases(client):
    body = client.get("/healthz").content.decode()

    assert "CSE-" not in body
    assert "Testchild" not in body


def test_anonymous_callers_get_the_status_only(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_anonymous_callers_get_the_status_only_when_down(client, monkeypatch):
    from kombu import Connection

    from panel.celery import app

    monkeypatch.setattr(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_signed_in_staff_see_the_details(client):
    client.force_login(UserFactory(is_staff=True))

    assert set(client.get("/healthz").json()) == {"status", "database", "broker", "worker"}


def test_signed_in_people_who_are_not_staff_see_the_status_only(client):
    client.force_login(UserFactory())

    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "header", [f"Bearer {TOKEN}x", "Bearer ", f"Token {TOKEN}", TOKEN, f"Basic {TOKEN}"]
)
def test_a_wrong_token_sees_the_status_only(client, settings, header):
    settings.HEALTHZ_TOKEN = TOKEN

    response = client.get("/healthz", HTTP_AUTHORIZATION=header)

    assert response.json() == {"status": "ok"}


def test_no_token_opens_the_details_while_none_is_configured(client, settings):
    settings.HEALTHZ_TOKEN = ""

    assert client.get("/healthz", HTTP_AUTHORIZATION="Bearer ").json() == {"status": "ok"}

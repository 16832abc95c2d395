import pytest
from django.db.utils import OperationalError

from panel import health

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    from kombu import Connection

    from panel.celery import app

    # Nothing listens on port 1 of this machine: a broker that is really unreachable.
    monkeypatch.setattr(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"] == {"ok": False, "transport": "redis", "error": body["broker"]["error"]}
    assert body["database"]["ok"] is True


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    class DownCursor:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    with monkeypatch.context() as patch:
        patch.setattr(health.connection, "cursor", lambda: DownCursor())
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
    assert response.json()["worker"] == {"last_heartbeat": None}


def test_healthz_shows_the_last_worker_heartbeat(client):
    from panel.tasks import record_heartbeat

    stamp = record_heartbeat()

    assert client.get("/healthz").json()["worker"] == {"last_heartbeat": stamp}


def test_healthz_needs_no_sign_in_and_says_nothing_about_cases(client):
    body = client.get("/healthz").content.decode()

    assert "CSE-" not in body
    assert "Testchild" not in body

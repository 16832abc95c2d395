"""What /healthz reports: can we reach the database and the broker?"""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest

from panel.celery import app
from panel.models import WorkerHeartbeat


def database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"ok": False, "vendor": connection.vendor, "error": error.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def broker_status(timeout: float = 2.0) -> dict[str, Any]:
    with app.connection_for_write() as conn:
        transport = str(conn.transport_cls)
        try:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        except Exception as error:  # kombu raises many kinds; any of them means "down"
            return {"ok": False, "transport": transport, "error": error.__class__.__name__}
    return {"ok": True, "transport": transport}


def worker_status() -> dict[str, Any]:
    """When beat and a worker last ran the heartbeat task. Informational: a web process
    can be healthy while the worker restarts."""
    try:
        beat = WorkerHeartbeat.objects.filter(name="scheduler").first()
    except DatabaseError:
        return {"last_heartbeat": None}
    return {"last_heartbeat": beat.last_seen.isoformat() if beat else None}


def may_see_health_details(request: HttpRequest) -> bool:
    """Signed-in staff, or ``Authorization: Bearer <HEALTHZ_TOKEN>`` when a token is set."""
    token = settings.HEALTHZ_TOKEN
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer":
        return hmac.compare_digest(offered.strip().encode(), token.encode())
    user = getattr(request, "user", None)
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)

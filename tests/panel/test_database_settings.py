"""The app's PostgreSQL connections run with JIT off (README "Performance")."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_connections_run_with_jit_off():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no JIT")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"

"""What the audit trail adds to a request's exact query count, in one place: the
query-count tests of every page and endpoint that records an event use this."""

from django.db import connection


def audit_event_queries(*, agency: bool = True, listed_rows: bool = False) -> int:
    """One audit event appended inside a test's transaction: savepoint, the chain's last
    hash, the actor's agency (when the actor has one not yet read in this request), the
    insert, the records a ``listed`` event names (one insert for them all, when there are
    any), release; and on PostgreSQL the advisory lock that orders the chain."""
    postgres = connection.vendor == "postgresql"
    return 4 + int(agency) + int(listed_rows) + int(postgres)

"""What the audit trail adds to a request's exact query count, in one place: the
query-count tests of every page and endpoint that records an event use this."""


def audit_event_queries(*, agency: bool = True, listed_rows: bool = False) -> int:
    """One audit event appended inside a test's transaction: the insert (no lock, no read of
    other events: audit/services.py), the actor's agency when the actor has one not yet read
    in this request, and for a ``listed`` event naming records, their one insert inside a
    savepoint with the event's (savepoint, side-table insert, release)."""
    return 1 + int(agency) + (3 if listed_rows else 0)

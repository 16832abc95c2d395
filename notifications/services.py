"""Creating notifications. A notification names a case reference and links to a page;
it never carries a child's name or details. Rows are keyed (kind, recipient, object,
due date), so asking twice creates one."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import connections, router
from django.utils import timezone

from notifications.models import Notification
from panel.models import Area, Role, User, reads_case_data


def coordinators_of(area: Area | int) -> list[User]:
    area_id = area if isinstance(area, int) else area.pk
    return list(
        User.objects.filter(
            reads_case_data(),
            role_assignments__role=Role.COORDINATOR,
            role_assignments__area_id=area_id,
        ).distinct()
    )


def leads_of(agency_id: int) -> list[User]:
    """Active agency leads of an agency: who hears of actions assigned to it."""
    return list(
        User.objects.filter(
            reads_case_data(), agency_id=agency_id, role_assignments__role=Role.AGENCY_LEAD
        ).distinct()
    )


@dataclass(frozen=True)
class Notice:
    """One notification to create. ``about`` names the object and, for reminders, the due
    date (``"review:7:2026-05-01"``); with the kind and the recipient it makes the key."""

    recipient_id: int
    kind: str
    link: str
    about: str
    case_reference: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.key_for(self.kind, self.recipient_id, self.about)

    @staticmethod
    def key_for(kind: str, recipient_id: int, about: str) -> str:
        return f"{kind}:{recipient_id}:{about}"


# One INSERT from a JSON array, whatever the number of rows: Django's bulk_create splits
# rows into batches of 999 parameters on SQLite, so a scan's query count would grow with
# the number of cases. ON CONFLICT on the unique key makes a second scan, a second worker
# or a redelivered task create nothing, and rowcount says how many rows were new.
_INSERT = {
    "postgresql": """
        INSERT INTO notifications_notification
            (recipient_id, kind, case_reference, link, key, counts, created_at)
        SELECT r.recipient_id, r.kind, r.case_reference, r.link, r.key, r.counts, %s
        FROM jsonb_to_recordset(%s::jsonb) AS r(
            recipient_id bigint, kind text, case_reference text, link text, key text,
            counts jsonb
        )
        ON CONFLICT (key) DO NOTHING
    """,
    # SQLite needs the WHERE to tell the upsert clause from a join's ON.
    "sqlite": """
        INSERT INTO notifications_notification
            (recipient_id, kind, case_reference, link, key, counts, created_at)
        SELECT json_extract(value, '$.recipient_id'), json_extract(value, '$.kind'),
            json_extract(value, '$.case_reference'), json_extract(value, '$.link'),
            json_extract(value, '$.key'), json_extract(value, '$.counts'), %s
        FROM json_each(%s) WHERE true
        ON CONFLICT (key) DO NOTHING
    """,
}


def create_notifications(notices: Iterable[Notice]) -> int:
    """Create every notice whose key does not exist yet, in one statement; returns how many
    were created. Call inside the transaction of whatever the notices report."""
    unique = {notice.key: notice for notice in notices}
    if not unique:
        return 0
    rows = [
        {
            "recipient_id": notice.recipient_id,
            "kind": notice.kind,
            "case_reference": notice.case_reference,
            "link": notice.link,
            "key": key,
            "counts": dict(notice.counts),
        }
        for key, notice in unique.items()
    ]
    connection = connections[router.db_for_write(Notification)]
    created_at = Notification._meta.get_field("created_at").get_db_prep_value(
        timezone.now(), connection
    )
    with connection.cursor() as cursor:
        cursor.execute(_INSERT[connection.vendor], [created_at, json.dumps(rows)])
        return cursor.rowcount


# Which of a batch's keys exist already: one probe of the unique index on key per key, the
# keys passed as one JSON parameter whatever their number. On PostgreSQL the LATERAL ...
# LIMIT 1 keeps it a probe per key: given thousands of keys as ``key = ANY(...)`` the
# planner scans the whole table instead (0.25 s a batch at 360,000 notifications, growing).
_EXISTING = {
    "postgresql": """
        SELECT n.key FROM jsonb_array_elements_text(%s::jsonb) AS k(key),
            LATERAL (
                SELECT key FROM notifications_notification WHERE key = k.key LIMIT 1
            ) AS n
    """,
    "sqlite": """
        SELECT key FROM notifications_notification
        WHERE key IN (SELECT value FROM json_each(%s))
    """,
}


def create_new_notifications(pending: Mapping[str, tuple]) -> int:
    """Create a scan batch's notifications whose key does not exist yet. ``pending`` maps
    each key (``Notice.key_for``) to the Notice's fields, in order; a Notice is made only for
    a key that is new. First one query asks which keys exist (probes of the unique index),
    then one statement inserts the rest, skipped when nothing is new: a scan run again with
    nothing new due reads keys and writes nothing. The insert still says ON CONFLICT DO
    NOTHING, so a second worker inserting the same keys in between is harmless. Returns how
    many were created."""
    if not pending:
        return 0
    connection = connections[router.db_for_write(Notification)]
    with connection.cursor() as cursor:
        cursor.execute(_EXISTING[connection.vendor], [json.dumps(list(pending))])
        existing = {row[0] for row in cursor.fetchall()}
    return create_notifications(
        Notice(*fields) for key, fields in pending.items() if key not in existing
    )


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    link: str,
    about: str,
    case_reference: str = "",
) -> int:
    """Create one notification per recipient, unless one with the same key exists. Call
    inside the transaction of the change it reports. ``about`` identifies the object and,
    for reminders, the due date (for example ``"referral:12"`` or ``"review:7:2026-05-01"``).
    Returns how many were created."""
    return create_notifications(
        Notice(
            recipient_id=user.pk,
            kind=kind,
            link=link,
            about=about,
            case_reference=case_reference,
        )
        for user in recipients
    )

"""Audit events as ``audit.services.record()`` writes them: the same content, the same hash
(``AuditEvent.compute_hash``), the writing transaction's id left to its database default;
``listed`` events with their side rows and the digest their changes carry. Sealed with the
project's own ``audit.sealing.seal()`` after each batch commits."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from types import SimpleNamespace

from audit.models import AuditEvent, AuditEventObject, content_hash
from audit.services import listed_changes
from bench.gen.copy import Rows


@dataclass(frozen=True)
class Actor:
    id: int
    label: str
    agency: str
    roles: str
    agency_id: int | None = None


class Trail:
    """Collects one batch's events into ``rows``."""

    def __init__(self, rows: Rows, rng: random.Random) -> None:
        self.rows = rows
        self.rng = rng
        self.count = 0
        # (id, hash) of each event, in id order: what the batch's checkpoint covers.
        self.sealed: list[tuple[int, str]] = []

    def event(
        self,
        actor: Actor | None,
        verb: str,
        at: dt.datetime,
        *,
        object_type: str = "",
        object_id: int | str = "",
        case_reference: str = "",
        changes: dict | None = None,
    ) -> int:
        rng = self.rng
        values = {
            "at": at.astimezone(dt.UTC),
            "actor_id": actor.id if actor else None,
            "actor_label": actor.label if actor else "",
            "actor_agency": actor.agency if actor else "",
            "actor_roles": actor.roles if actor else "",
            "verb": verb,
            "object_type": object_type,
            "object_id": str(object_id),
            "case_reference": case_reference,
            "changes": changes or {},
            "request_id": f"{rng.getrandbits(128):032x}",
            "client_address": (
                f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            ),
            "prev_hash": None,
        }
        # The model's own content() and hash, on the values without building a model
        # instance (a third of the time per event): the same canonical form exactly.
        values["hash"] = content_hash(AuditEvent.content(SimpleNamespace(**values)))
        self.count += 1
        event_id = self.rows.add(AuditEvent, **values)
        self.sealed.append((event_id, values["hash"]))
        return event_id

    def listed(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        list_name: str,
        object_type: str,
        objects: list[tuple[str, int]],
    ) -> int:
        objects = sorted(set(objects))
        event_id = self.event(
            actor,
            AuditEvent.Verb.LISTED,
            at,
            object_type=object_type,
            changes={"list": list_name, **listed_changes(objects)},
        )
        for kind, pk in objects:
            self.rows.add(AuditEventObject, event_id=event_id, object_type=kind, object_id=pk)
        return event_id


def seal_all() -> int:
    """Seal every committed event not yet covered (the default database), with the
    project's own sealer; returns how many checkpoints were made."""
    from audit.sealing import seal

    made = 0
    while seal() is not None:
        made += 1
    return made


def seal_batch(using: str, trail: Trail) -> bool:
    """Seal the batch's own events inside its transaction, as ``audit.sealing.seal()`` does
    when the sealer itself wrote them (its horizon is then this transaction's id and the
    next event id), with the MAC fed from the hashes just computed instead of read back:
    the same checkpoint, without reading 20,000 events again per batch. Only when the
    horizon is exactly the batch's own and no other event is waiting; otherwise False, and
    the project's ``seal()`` runs after the commit."""
    from django.db import connections, transaction
    from django.utils import timezone

    from audit.models import AuditCheckpoint
    from audit.sealing import (
        SEAL_LOCK,
        CheckpointMac,
        _horizon,
        _legacy_end,
        current_keys,
        write_anchor,
    )

    if not trail.sealed:
        return True
    connection = connections[using]
    key_id, key = next(iter(current_keys().items()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])
        last = AuditCheckpoint.objects.using(using).order_by("-id").first()
        start = last.stop if last else (0, 0)
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        own = cursor.fetchone()[0]
        first_id, last_id = trail.sealed[0][0], trail.sealed[-1][0]
        if _horizon(cursor) != (own, last_id + 1) or start > (own, first_id):
            return False
        cursor.execute(
            'SELECT count(*) FROM audit_auditevent WHERE prev_hash IS NULL AND ("xid", "id") >= '
            "(%s, %s)",
            list(start),
        )
        if cursor.fetchone()[0] != len(trail.sealed):
            return False
    mac = CheckpointMac(key)
    for event_id, event_hash in trail.sealed:
        mac.add(event_id, event_hash)
    legacy_last_id, legacy_last_hash = _legacy_end() if last is None else (None, "")
    checkpoint = AuditCheckpoint(
        sealed_at=timezone.now(),
        key_id=key_id,
        from_xid=start[0],
        from_id=start[1],
        to_xid=own,
        to_id=last_id + 1,
        event_count=len(trail.sealed),
        legacy_last_id=legacy_last_id,
        legacy_last_hash=legacy_last_hash,
    )
    checkpoint.mac = mac.finish(checkpoint, last.mac if last else "")
    checkpoint.save(force_insert=True, using=using)
    transaction.on_commit(lambda: write_anchor(checkpoint), using=using)
    return True

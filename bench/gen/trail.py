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
        return self.rows.add(AuditEvent, **values)

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

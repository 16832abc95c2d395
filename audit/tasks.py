import logging

from celery import shared_task

from audit.sealing import seal
from audit.verification import verify_trail

log = logging.getLogger(__name__)


@shared_task
def seal_audit() -> dict:
    """Every few seconds (AUDIT_SEAL_SECONDS): seal the events committed since the last
    checkpoint. Two at once are safe: the second waits for the first, then finds less or
    nothing to seal."""
    checkpoint = seal()
    if checkpoint is None:
        return {"sealed": 0}
    return {"checkpoint": checkpoint.pk, "sealed": checkpoint.event_count}


@shared_task
def verify_audit_chain() -> dict:
    """Nightly: verify what was sealed since the last verified checkpoint (incremental,
    recorded in VerificationRun) and log loudly if anything was altered. ``verify_audit
    --full`` reads the whole trail."""
    report = verify_trail(incremental=True, record=True)
    if report.problem is not None:
        log.error(
            "Audit trail broken (%s): %s (%s events checked)",
            report.problem.kind,
            report.problem.message,
            report.events,
        )
        return {
            "ok": False,
            "problem": report.problem.kind,
            "broken_event": report.problem.event_id,
            "broken_checkpoint": report.problem.checkpoint_id,
            "checked": report.events,
        }
    return {"ok": True, "checked": report.events, "checkpoints": report.checkpoints}

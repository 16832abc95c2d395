"""The case lifecycle: which status changes are allowed, and what each one needs.

    awaiting_panel -> open         the panel has heard the case and agreed a plan
    awaiting_panel -> closed       the panel decides at its first hearing that no plan is needed
    open           -> closed       a recorded multi-agency closure decision
    closed         -> open         re-opened, always with a reason

Everything else is refused with InvalidTransition (409 in the API, a message in the UI).
"""

from __future__ import annotations

from cases.models import Case

Status = Case.Status

ALLOWED: dict[tuple[str, str], str] = {
    (Status.AWAITING_PANEL, Status.OPEN): "open",
    (Status.AWAITING_PANEL, Status.CLOSED): "close",
    (Status.OPEN, Status.CLOSED): "close",
    (Status.CLOSED, Status.OPEN): "reopen",
}


class InvalidTransition(Exception):
    def __init__(self, case: Case, to_status: str):
        self.case = case
        self.from_status = case.status
        self.to_status = to_status
        super().__init__(
            f"{case.reference} is {Status(case.status).label.lower()}: it cannot be moved to "
            f"{Status(to_status).label.lower()}."
        )


def check_transition(case: Case, to_status: str) -> str:
    """Return the name of the transition from the case's status to ``to_status``, or raise
    InvalidTransition."""
    name = ALLOWED.get((case.status, to_status))
    if name is None:
        raise InvalidTransition(case, to_status)
    return name


def allowed_targets(case: Case) -> list[str]:
    return [to for (frm, to) in ALLOWED if frm == case.status]

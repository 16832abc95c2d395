"""Whether a referrer is told that early help may be better than a panel referral.

One rule, asked by every page that could show the advice (the referral form's live level,
the form shown again without JavaScript, the referral's own page after sending):

- never for a child at immediate risk: they are told to call 999 instead;
- never for a matrix that is not assessed: no level is not a low level;
- only when the level (the professional override, else the computed one) is low.

Early help (an Early Help Assessment or the Local Support Team) needs the consent of the
young person or of a parent (DOMAIN.md). When neither agrees, the advice says so and
points to the area's children's social care front door instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import RiskLevel, YesNoUnknown


@dataclass(frozen=True)
class EarlyHelp:
    """Early help applies. ``consented``: the young person or a parent agrees to it."""

    consented: bool


def early_help_advice(
    *,
    level: str | None,
    immediate_risk: bool,
    child_agrees: str = "",
    parents_agree: str = "",
) -> EarlyHelp | None:
    """The early-help advice to show, or None when it must not be shown."""
    if immediate_risk or level != RiskLevel.LOW:
        return None
    return EarlyHelp(consented=YesNoUnknown.YES in (child_agrees, parents_agree))

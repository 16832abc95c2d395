"""The risk tools' scoring rules. Pure functions of the tool's data, the answers and the
child's age: no database writes, so the referral form can show the computed level as
answers change and the service stores exactly what the rules said.

Gender never enters a score, and neither does being 16 or 17: a child of any age under 18
can be exploited, and the myth that older teenagers are not is never encoded here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cases.models import RISK_ORDER, RiskAnswer, RiskIndicator, RiskLevel, RiskTool

NOT_ASSESSED = "Not assessed"


@dataclass(frozen=True)
class Score:
    """What the rules say. ``level`` is None when no risk indicator was answered present or
    not present: an unanswered matrix is "not assessed", never "low"."""

    level: str | None
    reasons: list[str] = field(default_factory=list)
    present: int = 0
    answered: int = 0

    @property
    def assessed(self) -> bool:
        return self.level is not None

    @property
    def label(self) -> str:
        return RiskLevel(self.level).label if self.level else NOT_ASSESSED


def answered_indicators(indicators: Iterable[RiskIndicator], answers: Mapping[str, str]) -> int:
    """How many risk indicators (not vulnerabilities, which are context) were answered
    present or not present. "Not known" and blank are not answers to score on."""
    given = {RiskAnswer.Answer.PRESENT, RiskAnswer.Answer.NOT_PRESENT}
    return sum(
        1
        for i in indicators
        if i.band != RiskIndicator.Band.VULNERABILITY and answers.get(i.code) in given
    )


def _at_least(level: str, floor: str) -> str:
    return level if RISK_ORDER[level] >= RISK_ORDER[floor] else floor


def score_matrix(
    tool: RiskTool,
    indicators: Iterable[RiskIndicator],
    answers: Mapping[str, str],
    age: int | None,
) -> Score:
    """Risk Factor Matrix rules (DOMAIN.md):

    1-4 low indicators: low; 5 or more low (``rules.low_indicators_for_medium``), or any
    medium indicator: medium; any high indicator or a disclosure: high. Under 13
    (``rules.never_low_under_age``), or an indicator with a minimum level such as a
    learning disability: never below that level. Vulnerabilities alone add context, not
    score. "Unknown" answers do not count as present.

    With no risk indicator answered present or not present the matrix is not assessed:
    no level at all, so nothing unanswered is ever shown or acted on as low.
    """
    indicators = list(indicators)
    answered = answered_indicators(indicators, answers)
    if not answered:
        return Score(
            level=None,
            reasons=["No risk indicator answered present or not present: not assessed"],
        )
    rules = tool.rules or {}
    low_for_medium = int(rules.get("low_indicators_for_medium", 5))
    never_low_under = int(rules.get("never_low_under_age", 13))

    present = [i for i in indicators if answers.get(i.code) == RiskAnswer.Answer.PRESENT]
    by_band = {band: [i for i in present if i.band == band] for band in RiskIndicator.Band}
    reasons: list[str] = []

    if by_band["high"] or any(i.is_disclosure for i in present):
        level = RiskLevel.HIGH
        names = ", ".join(
            i.label for i in by_band["high"] or [i for i in present if i.is_disclosure]
        )
        reasons.append(f"High indicator present: {names}")
    elif by_band["medium"]:
        level = RiskLevel.MEDIUM
        reasons.append(f"{len(by_band['medium'])} medium indicator(s) present")
    elif len(by_band["low"]) >= low_for_medium:
        level = RiskLevel.MEDIUM
        reasons.append(f"{len(by_band['low'])} low indicators present ({low_for_medium}+)")
    else:
        level = RiskLevel.LOW
        if by_band["low"]:
            reasons.append(f"{len(by_band['low'])} low indicator(s) present")
        else:
            reasons.append("No low, medium or high indicators present")

    if age is not None and age < never_low_under:
        raised = _at_least(level, RiskLevel.MEDIUM)
        if raised != level:
            reasons.append(f"Under {never_low_under}: never rated low")
        level = raised
    for indicator in present:
        if indicator.minimum_level:
            raised = _at_least(level, indicator.minimum_level)
            if raised != level:
                floor = RiskLevel(indicator.minimum_level).label.lower()
                reasons.append(f"{indicator.label}: never below {floor}")
            level = raised

    return Score(level=str(level), reasons=reasons, present=len(present), answered=answered)


def override_refusal(tool: RiskTool, override_level: str, age: int | None) -> str:
    """Why a professional override may not give this level, or "". A child under the tool's
    never-low age (13) is never rated low (DOMAIN.md), by the rules or by judgement: the
    override is refused, and no early-help advice follows from it."""
    never_low_under = int((tool.rules or {}).get("never_low_under_age", 13))
    if override_level == RiskLevel.LOW and age is not None and age < never_low_under:
        return (
            f"A child under {never_low_under} is never rated low: choose medium or high, "
            "or leave the level as worked out."
        )
    return ""


SCORERS = {RiskTool.Scoring.MATRIX: score_matrix}


def score(
    tool: RiskTool,
    answers: Mapping[str, str],
    age: int | None,
    indicators: Iterable[RiskIndicator] | None = None,
) -> Score:
    """Score ``answers`` ({indicator code: answer}) with ``tool``'s own rules."""
    indicators = list(indicators if indicators is not None else tool.indicators.all())
    unknown = set(answers) - {i.code for i in indicators}
    if unknown:
        raise ValueError(f"Not indicators of {tool}: {', '.join(sorted(unknown))}")
    return SCORERS[tool.scoring](tool, indicators, answers, age)

"""A risk tool's questions as form fields, shared by the referral form and a case's new
assessment: one question per indicator, from the tool's rows (never from code), grouped in
bands, with the evidence for each one marked present."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.forms.boundfield import BoundField

from cases import services
from cases.models import RiskAnswer, RiskIndicator, RiskLevel

BAND_LEGENDS = {
    RiskIndicator.Band.VULNERABILITY: "Vulnerabilities",
    RiskIndicator.Band.LOW: "Low-risk indicators",
    RiskIndicator.Band.MEDIUM: "Medium-risk indicators",
    RiskIndicator.Band.HIGH: "High-risk indicators",
}

BAND_HINTS = {
    RiskIndicator.Band.VULNERABILITY: "Context for the panel. These do not raise the level on "
    "their own, unless the indicator says so.",
}


@dataclass(frozen=True)
class IndicatorRow:
    indicator: RiskIndicator
    answer: BoundField
    evidence: BoundField
    recency: BoundField

    @property
    def hint(self) -> str:
        if self.indicator.minimum_level:
            level = RiskLevel(self.indicator.minimum_level).label.lower()
            return f"If present, the risk level is never below {level}."
        return ""


@dataclass(frozen=True)
class Band:
    band: str
    legend: str
    hint: str
    rows: list[IndicatorRow]


class RiskAnswersMixin:
    """For a forms.Form: call add_indicator_fields() in __init__ and clean_indicators()
    in clean(); answers() is what the services take."""

    indicators: list[RiskIndicator]

    def add_indicator_fields(self, indicators: Sequence[RiskIndicator]) -> None:
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"answer_{indicator.code}"] = forms.ChoiceField(
                label=indicator.label,
                choices=RiskAnswer.Answer.choices,
                widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": "Choose present, not present or not known"},
            )
            self.fields[f"evidence_{indicator.code}"] = forms.CharField(
                label="What was seen or heard",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )
            self.fields[f"recency_{indicator.code}"] = forms.ChoiceField(
                label="How recently (optional)",
                choices=[("", "Not known"), *RiskAnswer.Recency.choices],
                required=False,
                error_messages={"invalid_choice": "Choose how recently, or leave it as not known"},
            )

    def clean_indicators(self, data: dict) -> None:
        for indicator in self.indicators:
            present = data.get(f"answer_{indicator.code}") == RiskAnswer.Answer.PRESENT
            if present and not data.get(f"evidence_{indicator.code}"):
                self.add_error(
                    f"evidence_{indicator.code}",
                    f"Say what was seen or heard ({indicator.label})",
                )

    def indicator_error_fields(self) -> dict[str, str]:
        """A service's error about an indicator belongs by that indicator's evidence."""
        return {indicator.code: f"evidence_{indicator.code}" for indicator in self.indicators}

    def answers(self) -> dict[str, services.AnswerInput]:
        answers = {}
        for indicator in self.indicators:
            answer = self.cleaned_data.get(f"answer_{indicator.code}")
            if not answer:
                continue
            present = answer == RiskAnswer.Answer.PRESENT
            answers[indicator.code] = services.AnswerInput(
                answer=answer,
                evidence=self.cleaned_data[f"evidence_{indicator.code}"] if present else "",
                recency=self.cleaned_data[f"recency_{indicator.code}"] if present else "",
            )
        return answers

    def matrix(self) -> list[Band]:
        """The indicators grouped by band, in the tool's order, for rendering."""
        bands = []
        for band, _ in RiskIndicator.Band.choices:
            rows = [
                IndicatorRow(
                    indicator=indicator,
                    answer=self[f"answer_{indicator.code}"],
                    evidence=self[f"evidence_{indicator.code}"],
                    recency=self[f"recency_{indicator.code}"],
                )
                for indicator in self.indicators
                if indicator.band == band
            ]
            if rows:
                bands.append(
                    Band(band, BAND_LEGENDS.get(band, band), BAND_HINTS.get(band, ""), rows)
                )
        return bands

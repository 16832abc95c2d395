"""The risk tool as a form, built from the tool's data: one question per indicator, in
bands, with the evidence for each one marked present."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from cases.models import RiskAnswer, RiskIndicator, RiskLevel, RiskTool
from cases.services import AnswerInput


@dataclass
class IndicatorFields:
    indicator: RiskIndicator
    answer: forms.BoundField
    evidence: forms.BoundField
    recency: forms.BoundField


class RiskToolForm(forms.Form):
    override_level = forms.ChoiceField(
        label="Professional judgement (optional)",
        choices=[("", "Use the computed level"), *RiskLevel.choices],
        required=False,
        help_text="Override the computed level only with a recorded reason.",
    )
    override_reason = forms.CharField(
        label="Reason for the override",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, tool: RiskTool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tool = tool
        self.indicators = list(tool.indicators.order_by("order"))
        for indicator in self.indicators:
            self.fields[f"answer_{indicator.code}"] = forms.ChoiceField(
                label=indicator.label,
                choices=RiskAnswer.Answer.choices,
                initial=RiskAnswer.Answer.UNKNOWN,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": "Choose present, not present or not known."},
            )
            self.fields[f"evidence_{indicator.code}"] = forms.CharField(
                label=f"What was seen or heard: {indicator.label.lower()}",
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )
            self.fields[f"recency_{indicator.code}"] = forms.ChoiceField(
                label="How recent",
                choices=[("", "Not known"), *RiskAnswer.Recency.choices],
                required=False,
            )

    def bands(self) -> list[tuple[str, list[IndicatorFields]]]:
        grouped: dict[str, list[IndicatorFields]] = {}
        for indicator in self.indicators:
            grouped.setdefault(indicator.get_band_display(), []).append(
                IndicatorFields(
                    indicator,
                    self[f"answer_{indicator.code}"],
                    self[f"evidence_{indicator.code}"],
                    self[f"recency_{indicator.code}"],
                )
            )
        return list(grouped.items())

    def clean(self) -> dict:
        cleaned = super().clean()
        for indicator in self.indicators:
            answer = cleaned.get(f"answer_{indicator.code}")
            evidence = (cleaned.get(f"evidence_{indicator.code}") or "").strip()
            if answer == RiskAnswer.Answer.PRESENT and not evidence:
                self.add_error(
                    f"evidence_{indicator.code}",
                    f"Say what was seen or heard: {indicator.label.lower()}.",
                )
        if cleaned.get("override_level") and not (cleaned.get("override_reason") or "").strip():
            self.add_error(
                "override_reason", "Give the reason for overriding the computed risk level."
            )
        return cleaned

    def answers(self) -> dict[str, AnswerInput]:
        data = self.cleaned_data
        return {
            i.code: AnswerInput(
                data[f"answer_{i.code}"],
                data.get(f"evidence_{i.code}", ""),
                data.get(f"recency_{i.code}", ""),
            )
            for i in self.indicators
        }

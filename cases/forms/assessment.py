"""A new risk assessment on a case: the active tool's questions and a professional
override with its reason."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from cases.forms.cases import SubmitOnce
from cases.forms.risk import RiskAnswersMixin
from cases.models import RiskLevel, RiskTool
from panel.forms_govuk import add_service_errors


class RiskToolForm(RiskAnswersMixin, SubmitOnce):
    override_level = forms.ChoiceField(
        label="Do you want to use a different risk level?",
        choices=[("", "No, use the computed level"), *RiskLevel.choices],
        widget=forms.RadioSelect,
        required=False,
        help_text="If the panel's professional judgement is that the risk is higher or lower, "
        "choose the level and say why. Both levels are kept.",
        error_messages={"invalid_choice": "Choose low, medium or high"},
    )
    override_reason = forms.CharField(
        label="Reason for using a different level",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, tool: RiskTool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tool = tool
        self.add_indicator_fields(tool.indicators.order_by("order"))

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_indicators(cleaned)
        if cleaned.get("override_level") and not (cleaned.get("override_reason") or "").strip():
            self.add_error(
                "override_reason", "Give the reason for overriding the computed risk level."
            )
        return cleaned

    def add_service_errors(self, error: ValidationError) -> None:
        add_service_errors(self, error, self.indicator_error_fields())

"""Forms for hearing a case at the meeting: an action reviewed, the panel's decision, the
meeting record closed, and ratification."""

from __future__ import annotations

from django import forms

from cases.forms.actions import ErrorSummary, involved_agencies
from cases.models import Case
from meetings.models import ActionReviewOutcome, DecisionKind, EscalationForum, RiskDecision
from panel.forms_govuk import DateField

# Which decisions a case may get, by its status (the service refuses the others).
KINDS_FOR = {
    Case.Status.AWAITING_PANEL: (DecisionKind.OPEN, DecisionKind.CLOSE, DecisionKind.ESCALATE),
    Case.Status.OPEN: (DecisionKind.CONTINUE, DecisionKind.CLOSE, DecisionKind.ESCALATE),
}


class ActionReviewForm(ErrorSummary, forms.Form):
    outcome = forms.ChoiceField(
        label="What became of the action",
        choices=ActionReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what became of the action.",
            "invalid_choice": "Choose what became of the action.",
        },
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Done: what was done. Circumstances changed: how (the action is cancelled).",
    )


class DecisionForm(ErrorSummary, forms.Form):
    """The panel's decision. The fields of each kind are revealed under its radio (GOV.UK
    conditional reveal); without JavaScript they all show, and the service reads only
    those of the kind chosen."""

    kind = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the panel's decision.",
            "invalid_choice": "Choose the panel's decision.",
        },
    )
    reason = forms.CharField(
        label="Reason for the decision",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the panel weighed. Write without blaming the child.",
        error_messages={"required": "Give the reason for the decision."},
    )
    risk_decision = forms.ChoiceField(
        label="Risk level",
        choices=RiskDecision.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether the risk level is confirmed or changed.",
            "invalid_choice": "Say whether the risk level is confirmed or changed.",
        },
    )
    closure_reason = forms.ChoiceField(
        label="Reason for closing",
        choices=[("", "Choose a reason"), *Case.ClosureReason.choices],
        required=False,
    )
    closure_summary = forms.CharField(
        label="Closure summary",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the child is now safe or the risk removed.",
    )
    forum = forms.ChoiceField(
        label="Escalated to",
        choices=[("", "Choose where"), *EscalationForum.choices],
        required=False,
    )
    escalation_person = forms.CharField(
        label="Named person making the referral", required=False, max_length=150
    )
    escalation_agency = forms.ModelChoiceField(
        label="Agency making the referral",
        queryset=None,
        required=False,
        empty_label="Choose an agency",
        help_text="An agency involved in the case: it owns the action to make the referral.",
    )
    escalation_due = DateField(
        label="Referral due by",
        error_name="The date the referral is due by",
        required=False,
        help_text="For example, 27 3 2026",
    )

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kinds = KINDS_FOR.get(case.status, ())
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]
        self.fields["escalation_agency"].queryset = involved_agencies(case)
        self.fields["risk_decision"].initial = RiskDecision.CONFIRMED


class CloseHearingForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RatificationForm(ErrorSummary, forms.Form):
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed to decline a closure: why it is not ratified.",
    )

"""Forms for the agenda pages. Choices offer only what the actor may act on: a
coordinator the open and awaiting cases of the meeting's area, a member the cases they may
see there."""

from __future__ import annotations

from django import forms

from cases.models import Case
from meetings.models import AgendaReason, Meeting

DETAIL_HELP = (
    "Why it should be heard. Needed once the agenda is published or past its publish-by day."
)


def _detail(label: str = "Reason", help_text: str = DETAIL_HELP, required: bool = False):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, case: Case) -> str:
        return (
            f"{case.reference} ({case.get_status_display()}, {case.get_risk_level_display()} risk)"
        )


class AddCaseForm(forms.Form):
    case = CaseChoiceField(queryset=Case.objects.none(), empty_label="Choose a case")
    reason = forms.ChoiceField(
        label="Why it is on the agenda",
        choices=[
            (value, label)
            for value, label in AgendaReason.choices
            if value not in (AgendaReason.CARRIED_OVER, AgendaReason.MEMBER_REQUEST)
        ],
        initial=AgendaReason.ADDED,
    )
    reason_detail = _detail("More about why")

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases


class RequestCaseForm(forms.Form):
    case = CaseChoiceField(queryset=Case.objects.none(), empty_label="Choose a case")
    reason_detail = _detail(
        "Why the panel should hear it",
        "What has changed or why the agencies need to discuss it. Never a child's name.",
        required=True,
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases


class GeneralItemForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        help_text='For example "Training update". Never a child\'s name: general business is '
        "seen by every member.",
    )
    reason_detail = _detail("Notes")


class BuildForm(forms.Form):
    late_reason = _detail(
        "Why these are added late",
        "Needed once the agenda is published or past its publish-by day.",
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class WithdrawForm(forms.Form):
    reason = _detail("Why it is withdrawn", "Optional. Recorded in the audit trail.")


class MoveForm(forms.Form):
    to_meeting = forms.TypedChoiceField(
        label="Move to", coerce=int, empty_value=None, required=False
    )
    reason_detail = _detail()

    def __init__(self, *args, meetings: list[Meeting], **kwargs):
        super().__init__(*args, **kwargs)
        self.meetings = {meeting.pk: meeting for meeting in meetings}
        self.fields["to_meeting"].choices = [("", 'The area\'s "to be scheduled" list')] + [
            (meeting.pk, f"{meeting.date:%-d %B %Y} ({meeting.get_status_display()})")
            for meeting in meetings
        ]

    def clean_to_meeting(self):
        value = self.cleaned_data["to_meeting"]
        return self.meetings[value] if value is not None else None

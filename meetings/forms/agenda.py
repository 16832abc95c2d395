"""Forms for the agenda pages. Choices offer only what the actor may act on: a
coordinator the open and awaiting cases of the meeting's area, a member the cases they may
see there."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIteratorValue

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


# At most this many cases are offered in a "choose a case" list; the rest are found by
# reference (``?q=``). An area holds hundreds of open cases at national scale: a list of all
# of them was most of the page's time and no use to a person choosing.
CASES_SHOWN = 50


class CaseChoiceField(forms.ModelChoiceField):
    """A case among ``queryset`` (what the actor may choose), offering only the first
    ``CASES_SHOWN`` of ``shown`` (the cases matching the search, if any). A posted case is
    checked against the whole of ``queryset``, so a case found by an earlier search is still
    accepted."""

    def __init__(self, *args, **kwargs):
        self.allowed = Case.objects.none()
        super().__init__(*args, **kwargs)

    def label_from_instance(self, case: Case) -> str:
        return (
            f"{case.reference} ({case.get_status_display()}, {case.get_risk_level_display()} risk)"
        )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.allowed.get(pk=value)
        except (ValueError, TypeError, Case.DoesNotExist):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


def _offer(field: CaseChoiceField, cases, search: str) -> bool:
    """Sets what ``field`` accepts (``cases``) and offers (at most ``CASES_SHOWN`` of them,
    those whose reference contains ``search`` if given). Returns whether more match than are
    offered: one query for both (the list is read once, one row past the limit)."""
    field.allowed = cases
    shown = cases.filter(reference__icontains=search) if search else cases
    rows = list(shown[: CASES_SHOWN + 1])
    field.queryset = shown
    # The options from the rows read, not from a second query over the field's queryset.
    field.widget.choices = [("", field.empty_label)] + [
        (ModelChoiceIteratorValue(case.pk, case), field.label_from_instance(case))
        for case in rows[:CASES_SHOWN]
    ]
    return len(rows) > CASES_SHOWN


class CaseSearch:
    """Mixed into the forms that choose a case: ``search`` narrows the list offered."""

    def offer(self, cases, search: str = "") -> None:
        self.search = (search or "").strip()[:40]
        self.more = _offer(self.fields["case"], cases, self.search)


class AddCaseForm(CaseSearch, forms.Form):
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

    def __init__(self, *args, cases, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.offer(cases, search)


class RequestCaseForm(CaseSearch, forms.Form):
    case = CaseChoiceField(queryset=Case.objects.none(), empty_label="Choose a case")
    reason_detail = _detail(
        "Why the panel should hear it",
        "What has changed or why the agencies need to discuss it. Never a child's name.",
        required=True,
    )

    def __init__(self, *args, cases, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.offer(cases, search)


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

from django import forms

from audit.models import AuditEvent
from audit.selectors import EventFilter


class EventSearchForm(forms.Form):
    case_reference = forms.CharField(label="Case reference", max_length=20, required=False)
    person = forms.CharField(label="Person (name or username)", max_length=150, required=False)
    agency = forms.CharField(max_length=150, required=False)
    verb = forms.ChoiceField(
        label="What happened",
        choices=[("", "Anything"), *AuditEvent.Verb.choices],
        required=False,
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date, for example 2026-11-01."},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date, for example 2026-11-30."},
    )
    event = forms.IntegerField(
        label="Event number",
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"invalid": "Enter an event number, like 1234."},
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned

    def criteria(self) -> EventFilter:
        return EventFilter(**self.cleaned_data) if self.is_valid() else EventFilter()

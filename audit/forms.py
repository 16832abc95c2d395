from django import forms

from audit.models import AuditEvent
from audit.selectors import EventFilter
from panel.models import Agency


class EventSearchForm(forms.Form):
    case_reference = forms.CharField(label="Case reference", max_length=20, required=False)
    person = forms.CharField(
        label="Person",
        help_text="Part of their name or username, then choose them from the list.",
        max_length=150,
        required=False,
    )
    # The person chosen from that list: their events are found by their account's id.
    actor = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    agency = forms.ChoiceField(label="Agency", required=False)
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Matched exactly against the agency recorded with each event, through its index.
        names = Agency.objects.order_by("name").values_list("name", flat=True)
        self.fields["agency"].choices = [("", "Any agency"), *((n, n) for n in names)]

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned

    def criteria(self) -> EventFilter:
        return EventFilter(**self.cleaned_data) if self.is_valid() else EventFilter()

import uuid

from django import forms
from django.db.models import QuerySet

from cases import search, selectors
from cases.forms.triage import AgencyChoiceField, CaseTeamFields
from cases.models import Case
from panel.models import Agency


class CaseFilterForm(forms.Form):
    """The case list's filters (and its search box). Every choice is narrowed to what the
    viewer can see. ``filter`` applies them: the list page, the API and every dashboard
    figure that links to the list use it, so a figure and its list count the same rows."""

    q = search.SearchField(
        label="Find a child",
        help_text="Name (any part), date of birth or case reference",
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *Case.Status.choices], required=False)
    risk = forms.ChoiceField(
        label="Risk level",
        choices=[("", "Any risk level"), *Case._meta.get_field("risk_level").choices],
        required=False,
    )
    area = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any area")
    agency = AgencyChoiceField(
        label="Involved agency",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Any agency",
    )
    review_due_by = forms.DateField(
        label="Review due on or before",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date, for example 2026-12-31."},
    )

    def __init__(self, *args, areas, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["agency"].queryset = agencies

    def filter(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        """``cases`` (already scoped to the viewer) narrowed by the valid filters; an invalid
        form filters nothing (the page shows its errors)."""
        if not self.is_valid():
            return cases
        data = self.cleaned_data
        if data["status"]:
            cases = cases.filter(status=data["status"])
        if data["risk"]:
            cases = cases.filter(risk_level=data["risk"])
        if data["area"]:
            cases = cases.filter(area=data["area"])
        if data["agency"]:
            cases = cases.filter(agency_links__agency=data["agency"])
        if data["review_due_by"]:
            cases = cases.filter(selectors.review_due_by(data["review_due_by"]))
        # Last of the filters (the best matches among the filtered cases), before any sort
        # the user chose: a search is in its rank order (cases.search) unless they chose one.
        if data["q"]:
            cases = search.search_cases(cases, data["q"])
        return cases


class CloseForm(forms.Form):
    closure_reason = forms.ChoiceField(
        label="Reason for closing",
        choices=Case.ClosureReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the reason for closing the case."},
    )
    closure_summary = forms.CharField(
        label="Summary of the multi-agency decision",
        help_text="Why the child is now safe or the risk removed. Write without blaming the child.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Summarise why the child is now safe or the risk removed."},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Give the reason."},
    )


class SubmitOnce(forms.Form):
    """A hidden token made when the form is shown: sending the same form twice (a double
    click, a resubmitted page) makes one record."""

    submission_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form could not be sent. Reload the page and try again.",
            "invalid": "This form could not be sent. Reload the page and try again.",
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())


class NoteForm(SubmitOnce):
    text = forms.CharField(
        label="Add a case note",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the note."},
    )


class TeamForm(CaseTeamFields):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        agencies = self.fields["involved_agencies"]
        agencies.required = True
        agencies.error_messages["required"] = "At least one agency must be involved."
        agencies.help_text = (
            "Adding an agency gives its leads access to this case at once; removing it takes "
            "access away."
        )

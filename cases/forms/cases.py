import uuid
from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet

from cases import search, selectors
from cases.ages import AgeBand, age_band_q
from cases.forms.triage import AgencyChoiceField, CaseTeamFields, PersonChoiceField
from cases.models import Case
from panel.dates import london_today
from panel.models import Agency, User

DATE_ERRORS = {"invalid": "Enter a real date, for example 2026-12-31."}


class CaseFilterForm(forms.Form):
    """The case list's filters, its order (``sort``) and its search box. Every choice is
    narrowed to what the viewer can see. ``filter`` applies them: the list page, the API and
    every dashboard figure that links to the list use it, so a figure and its list count
    the same rows. The parameter names are the list's URL (other pages link to them):
    ``status``, ``risk``, ``area``, ``agency``, ``lead_agency``, ``lead_professional``,
    ``review_due_from``, ``review_due_to``, ``review_due_by``, ``age_band``,
    ``overdue_actions=1`` and ``sort``."""

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
    age_band = forms.ChoiceField(
        label="Age band",
        choices=[("", "Any age"), *AgeBand.choices],
        required=False,
        help_text="Age today. 16-17-year-olds are children.",
    )
    area = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any area")
    agency = AgencyChoiceField(
        label="Involved agency",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Any agency",
    )
    lead_agency = AgencyChoiceField(
        label="Lead agency",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Any lead agency",
    )
    lead_professional = PersonChoiceField(
        label="Lead professional",
        queryset=User.objects.none(),
        required=False,
        empty_label="Anyone",
    )
    review_due_from = forms.DateField(
        label="Review due on or after",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=DATE_ERRORS,
    )
    review_due_to = forms.DateField(
        label="Review due on or before",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=DATE_ERRORS,
    )
    # Kept for the links and figures made before the range: "due on or before".
    review_due_by = forms.DateField(
        label="Review due by",
        required=False,
        widget=forms.HiddenInput,
        error_messages=DATE_ERRORS,
    )
    overdue_actions = forms.MultipleChoiceField(
        label="Overdue actions",
        choices=[("1", "Only cases with an overdue action")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "To see cases with overdue actions, tick the box."},
    )
    sort = forms.ChoiceField(
        choices=[(key, key) for key in selectors.SORT_KEYS],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Sort the list by one of its column headings."},
    )

    def __init__(self, *args, areas, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["agency"].queryset = agencies
        self.fields["lead_agency"].queryset = agencies
        self.fields["lead_professional"].queryset = selectors.lead_professional_choices(agencies)
        if self.is_bound and self.data.get("review_due_by"):
            # Shown (and changeable) when a link gave it.
            self.fields["review_due_by"].widget = forms.DateInput(attrs={"type": "date"})

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("review_due_from"), data.get("review_due_to")
        if start and end and start > end:
            self.add_error(
                "review_due_to", "The review due date range must end on or after its start."
            )
        return data

    @property
    def sort_key(self) -> str:
        """The order asked for, when valid ("" for the list's own order)."""
        return self.cleaned_data.get("sort", "") if self.is_valid() else ""

    def filter(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        """``cases`` (already scoped to the viewer) narrowed by the valid filters, then put
        in the order asked for; an invalid form filters and sorts nothing (the page shows
        its errors)."""
        if not self.is_valid():
            return cases
        return self.apply(cases, self.cleaned_data)

    @staticmethod
    def apply(cases: QuerySet[Case], data: Mapping[str, Any]) -> QuerySet[Case]:
        """The filters and the order themselves, from valid values under the form's names
        (a name left out or empty: not filtered). ``filter`` calls it with the form's
        cleaned data and the API's FilterSet (cases/api/cases.py) with its own, so the
        page, the API and the dashboard figures count the same rows. Only narrows: it never
        reaches a case outside ``cases``; the order is ``selectors.sort_cases`` (none asked:
        the queryset's own)."""
        if data.get("status"):
            cases = cases.filter(status=data["status"])
        if data.get("risk"):
            cases = cases.filter(risk_level=data["risk"])
        if data.get("age_band"):
            cases = cases.filter(
                age_band_q(data["age_band"], london_today(), "child__date_of_birth")
            )
        if data.get("area"):
            cases = cases.filter(area=data["area"])
        if data.get("agency"):
            # One CaseAgency row per case and agency: the join never repeats a case.
            cases = cases.filter(agency_links__agency=data["agency"])
        if data.get("lead_agency"):
            cases = cases.filter(lead_agency=data["lead_agency"])
        if data.get("lead_professional"):
            cases = cases.filter(lead_professional=data["lead_professional"])
        if data.get("review_due_by"):
            cases = cases.filter(selectors.review_due_by(data["review_due_by"]))
        if data.get("review_due_from") or data.get("review_due_to"):
            cases = cases.filter(
                selectors.review_due_between(data.get("review_due_from"), data.get("review_due_to"))
            )
        if data.get("overdue_actions"):
            cases = cases.filter(selectors.has_overdue_actions())
        # Last of the filters (the best matches among the filtered cases), before any sort
        # the user chose: a search is in its rank order (cases.search) unless they chose one.
        if data.get("q"):
            cases = search.search_cases(cases, data["q"])
        if data.get("sort"):
            cases = selectors.sort_cases(cases, data["sort"])
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

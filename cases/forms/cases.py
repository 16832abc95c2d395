from django import forms

from cases.forms.triage import AgencyChoiceField, PersonChoiceField, area_choices
from cases.models import Case
from panel.models import Agency, LocalSupportTeam, User


class CaseFilterForm(forms.Form):
    """The case list's filters. Every choice is narrowed to what the viewer can see."""

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


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a case note",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the note."},
    )


class TeamForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    lead_agency = AgencyChoiceField(queryset=Agency.objects.none(), required=False)
    lead_professional = PersonChoiceField(queryset=User.objects.none(), required=False)
    local_support_team = forms.ModelChoiceField(
        label="Local Support Team", queryset=LocalSupportTeam.objects.none(), required=False
    )
    lst_contact = forms.CharField(label="LST contact", max_length=150, required=False)
    involved_agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "At least one agency must be involved."},
        help_text="Adding an agency gives its leads access to this case at once; removing it "
        "takes access away.",
    )

    def __init__(self, *args, area_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        agencies, people, teams = area_choices(area_id)
        self.fields["lead_agency"].queryset = agencies
        self.fields["involved_agencies"].queryset = agencies
        self.fields["lead_professional"].queryset = people
        self.fields["local_support_team"].queryset = teams

"""Triage decisions. Choice lists offer only what the coordinator may act on: agencies,
people and Local Support Teams of the referral's area."""

from django import forms

from cases.models import Referral
from panel.models import Agency, LocalSupportTeam, User, reads_case_data


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.agency})" if obj.agency_id else str(obj)


def area_choices(area_id: int):
    agencies = Agency.objects.filter(areas__id=area_id).order_by("name")
    people = (
        User.objects.filter(reads_case_data(), agency__areas__id=area_id)
        .select_related("agency")
        .order_by("last_name", "first_name")
        .distinct()
    )
    teams = LocalSupportTeam.objects.filter(area_id=area_id).order_by("name")
    return agencies, people, teams


class CaseTeamFields(forms.Form):
    """Lead agency, lead professional, LST and involved agencies, offered from the area's
    own agencies, people and teams only."""

    lead_agency = AgencyChoiceField(
        queryset=Agency.objects.none(), required=False, empty_label="Not named yet"
    )
    lead_professional = PersonChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Not named yet"
    )
    local_support_team = forms.ModelChoiceField(
        label="Local Support Team",
        queryset=LocalSupportTeam.objects.none(),
        required=False,
        empty_label="Not named yet",
    )
    lst_contact = forms.CharField(label="LST contact", max_length=150, required=False)
    involved_agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Their agency leads will see the case.",
    )

    def __init__(self, *args, area_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        agencies, people, teams = area_choices(area_id)
        self.fields["lead_agency"].queryset = agencies
        self.fields["involved_agencies"].queryset = agencies
        self.fields["lead_professional"].queryset = people
        self.fields["local_support_team"].queryset = teams


class AcceptForm(CaseTeamFields):
    reason = forms.CharField(
        label="Why the referral meets the threshold for the panel",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for accepting the referral."},
    )
    field_order = ["reason"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Whether the referral opens a new case is the service's to say (the child may
        # have an active case it joins); the field says when it is needed.
        lead_agency = self.fields["lead_agency"]
        lead_agency.label = "Lead agency (needed for a new case)"
        lead_agency.empty_label = "Choose the lead agency"
        lead_agency.help_text = (
            "It becomes involved in the case. Not needed when the referral joins the "
            "child's active case."
        )


class DecideForm(forms.Form):
    OUTCOMES = [
        (Referral.Status.STEPPED_DOWN, "Step down to early help"),
        (Referral.Status.REDIRECTED, "Redirect"),
        (Referral.Status.NO_FURTHER_ACTION, "No further action"),
    ]
    outcome = forms.ChoiceField(
        choices=OUTCOMES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a triage outcome.",
            "invalid_choice": "Choose a triage outcome.",
        },
    )
    route = forms.ChoiceField(
        label="Where to",
        choices=[("", "Not applicable"), *Referral.OutcomeRoute.choices],
        widget=forms.RadioSelect,
        required=False,
        help_text="Early help: EHA or the Local Support Team (with consent). Redirect: the "
        "front door or a section 47 strategy discussion.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for this decision."},
    )

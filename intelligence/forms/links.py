"""Forms for links and sightings. They parse input only: the rules are the service's
(intelligence/services/links.py). A record is chosen from those the user may see."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from intelligence.models import (
    HandlingCode,
    IntelligenceAssessment,
    LinkRelationship,
    Location,
    PersonOfConcern,
    SourceEvaluation,
    Vehicle,
)
from panel.dates import LONDON
from panel.forms_govuk import DateField, TimeField
from panel.models import Agency

# The records a form offers, per kind: enough for an area's working set; the rest are
# found on the records' own pages.
RECORDS_OFFERED = 500
KINDS = {"person": PersonOfConcern, "location": Location, "vehicle": Vehicle}


def record_choices(user, kinds=("person", "location", "vehicle"), exclude=None) -> list:
    """Grouped select options ("person:12") of the current records ``user`` may see."""
    groups = []
    labels = {"person": "Persons of concern", "location": "Locations", "vehicle": "Vehicles"}
    for kind in kinds:
        rows = KINDS[kind].objects.visible_to(user).current()
        if kind == "location":
            options = [
                (f"location:{pk}", f"{name} ({LocationKindLabel.get(k, k)})")
                for pk, name, k in rows.values_list("pk", "name", "kind")[:RECORDS_OFFERED]
            ]
        elif kind == "vehicle":
            options = [
                (f"vehicle:{pk}", reg)
                for pk, reg in rows.values_list("pk", "registration_key")[:RECORDS_OFFERED]
            ]
        else:
            options = [
                (f"person:{pk}", name)
                for pk, name in rows.values_list("pk", "name")[:RECORDS_OFFERED]
            ]
        options = [o for o in options if o[0] != exclude]
        if options:
            groups.append((labels[kind], options))
    return [("", "Choose a record"), *groups]


LocationKindLabel = dict(Location.Kind.choices)


def chosen_record(value: str, user):
    """The record a "kind:pk" option names, if the user may see it (else None)."""
    kind, _, pk = (value or "").partition(":")
    if kind not in KINDS or not pk.isdigit():
        return None, None
    return kind, KINDS[kind].objects.visible_to(user).current().filter(pk=pk).first()


class GradingForm(forms.Form):
    relationship = forms.ChoiceField(
        label="Relationship", choices=[("", "Choose"), *LinkRelationship.choices]
    )
    detail = forms.CharField(
        label="What is known (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    source_evaluation = forms.ChoiceField(
        label="Source evaluation", choices=SourceEvaluation.choices, widget=forms.RadioSelect
    )
    intelligence_assessment = forms.ChoiceField(
        label="Intelligence assessment",
        choices=IntelligenceAssessment.choices,
        widget=forms.RadioSelect,
    )
    handling_code = forms.ChoiceField(
        label="Handling code",
        choices=HandlingCode.choices,
        initial=HandlingCode.P,
        widget=forms.RadioSelect,
    )
    handling_conditions = forms.CharField(
        label="Handling conditions (needed with code C)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    source_agency = forms.ModelChoiceField(
        label="Source agency", queryset=Agency.objects.order_by("name"), required=False,
        help_text="The agency the intelligence came from. Left empty: yours.",
    )  # fmt: skip

    GRADING = (
        "relationship",
        "detail",
        "source_evaluation",
        "intelligence_assessment",
        "handling_code",
        "handling_conditions",
        "source_agency",
    )

    def grading(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.GRADING}


class ChildLinkForm(GradingForm):
    """A child's link (case page) or a link between records: one record to choose."""

    record = forms.ChoiceField(label="Linked to")

    field_order = ["record", *GradingForm.GRADING]

    def __init__(self, *args, user, kinds=("person", "location", "vehicle"), exclude=None,
                 **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["record"].choices = record_choices(user, kinds, exclude)

    def clean_record(self):
        kind, obj = chosen_record(self.cleaned_data["record"], self.user)
        if obj is None:
            raise forms.ValidationError("Choose a record you can see.")
        return kind, obj


class TriageLinkForm(GradingForm):
    """An adult named in a referral's concerns: an existing person of concern, or a new
    one by name."""

    person = forms.ChoiceField(label="An existing person of concern", required=False)
    new_person_name = forms.CharField(
        label="Or a new person of concern: name", required=False, max_length=200
    )
    new_person_age = forms.IntegerField(
        label="Approximate age (optional)", required=False, min_value=10, max_value=110
    )
    new_person_description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = [
        "person", "new_person_name", "new_person_age", "new_person_description",
        *GradingForm.GRADING,
    ]  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = record_choices(user, ("person",))
        self.fields["person"].choices = [("", "None: a new person"), *choices[1:]]

    def clean(self):
        data = super().clean()
        chosen = data.get("person")
        name = (data.get("new_person_name") or "").strip()
        if chosen and name:
            self.add_error("person", "Choose an existing person or name a new one, not both.")
        elif not chosen and not name:
            self.add_error("person", "Choose a person of concern or name a new one.")
        elif chosen:
            _, obj = chosen_record(chosen, self.user)
            if obj is None:
                self.add_error("person", "Choose a person of concern you can see.")
            data["person_obj"] = obj
        return data


class EditLinkForm(GradingForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class EndLinkForm(forms.Form):
    reason = forms.CharField(
        label="Why the link ends", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class SightingForm(forms.Form):
    seen_on = DateField(label="Date seen", error_name="Date seen")
    seen_time = TimeField(label="Time seen", help_text="For example 14:30", required=False)
    location = forms.ChoiceField(label="At a location on record", required=False)
    place = forms.CharField(label="Or where, in words", required=False, max_length=200)
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = record_choices(user, ("location",))
        self.fields["location"].choices = [("", "None"), *choices[1:]]

    def clean_location(self):
        value = self.cleaned_data["location"]
        if not value:
            return None
        _, obj = chosen_record(value, self.user)
        if obj is None:
            raise forms.ValidationError("Choose a location you can see.")
        return obj

    def seen_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("seen_on")
        if day is None:
            return None
        time = self.cleaned_data.get("seen_time") or dt.time(12, 0)
        return timezone.make_aware(dt.datetime.combine(day, time), LONDON)

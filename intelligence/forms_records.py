"""Forms for the persons of concern, locations and vehicles pages
(intelligence/views/records.py). The services check every rule again; these forms only
read what was typed."""

from __future__ import annotations

from django import forms

from intelligence.models import (
    HandlingCode,
    IdentifierKind,
    IntelligenceAssessment,
    LocationKind,
    PersonStatus,
    SourceEvaluation,
)
from panel.models import Agency, Area

REVIEW_CHOICES = [("", "Any"), ("due", "Review due in 30 days"), ("overdue", "Review overdue")]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class GradingFields(forms.Form):
    source_evaluation = forms.ChoiceField(
        label="Source evaluation",
        choices=SourceEvaluation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the source evaluation (A, B or C)."},
    )
    intelligence_assessment = forms.ChoiceField(
        label="Intelligence assessment",
        choices=IntelligenceAssessment.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the intelligence assessment (1 to 5)."},
    )
    handling_code = forms.ChoiceField(
        label="Handling code",
        choices=HandlingCode.choices,
        widget=forms.RadioSelect,
        initial=HandlingCode.P,
        error_messages={"required": "Choose the handling code (P or C)."},
    )
    handling_conditions = forms.CharField(
        label="Handling conditions",
        help_text="Needed with handling code C: who may see it and on what terms.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    source_agency = forms.ModelChoiceField(
        label="Source agency",
        help_text="The agency the information came from.",
        queryset=Agency.objects.order_by("name"),
        error_messages={"required": "Choose the agency the information came from."},
    )

    GRADING = (
        "source_evaluation",
        "intelligence_assessment",
        "handling_code",
        "handling_conditions",
        "source_agency",
    )

    def grading(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.GRADING}


class RecordForm(GradingFields):
    """Fields every new record has: the area (when the user records in more than one) and,
    when duplicates were found, the confirmation that this is a different one."""

    area = forms.ModelChoiceField(
        label="Area", queryset=Area.objects.none(), error_messages={"required": "Choose the area."}
    )
    confirm_different = forms.BooleanField(required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    CONFIRM_LABEL = "This is a different record"

    def __init__(self, *args, areas=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm_different"].label = self.CONFIRM_LABEL
        if editing or areas is None:
            del self.fields["area"]
            del self.fields["confirm_different"]
        else:
            self.fields["area"].queryset = areas
            if len(areas) == 1:
                self.fields["area"].initial = areas[0].pk
        if not editing:
            del self.fields["version"]


class PersonForm(RecordForm):
    CONFIRM_LABEL = "This is a different person"

    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the name."}
    )
    aliases = forms.CharField(
        label="Other names or aliases",
        help_text="One a line.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    phones = forms.CharField(
        label="Phone numbers",
        help_text="One a line.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    handles = forms.CharField(
        label="Online handles",
        help_text="One a line.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date of birth."},
    )
    approximate_age = forms.IntegerField(
        label="Approximate age", required=False, min_value=10, max_value=110
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    review_date = forms.DateField(
        label="Review date",
        required=False,
        help_text="When this record is next reviewed. Left empty: in six months.",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real review date."},
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, editing=editing, **kwargs)
        if editing:
            for name in ("aliases", "phones", "handles"):
                del self.fields[name]

    def identifiers(self) -> dict[str, list[str]]:
        return {
            "aliases": _lines(self.cleaned_data.get("aliases", "")),
            "phones": _lines(self.cleaned_data.get("phones", "")),
            "handles": _lines(self.cleaned_data.get("handles", "")),
        }

    FIELDS = ("name", "date_of_birth", "approximate_age", "description", "review_date")


class LocationForm(RecordForm):
    CONFIRM_LABEL = "This is a different place"

    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the location's name."}
    )
    kind = forms.ChoiceField(
        label="Kind of location",
        choices=[("", "Choose"), *LocationKind.choices],
        error_messages={"required": "Choose the kind of location."},
    )
    address = forms.CharField(
        label="Address", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    latitude = forms.DecimalField(label="Latitude", required=False, max_digits=8, decimal_places=5)
    longitude = forms.DecimalField(
        label="Longitude", required=False, max_digits=8, decimal_places=5
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    FIELDS = ("name", "kind", "address", "postcode", "latitude", "longitude", "description")


class VehicleForm(RecordForm):
    CONFIRM_LABEL = "This is a different vehicle"

    registration = forms.CharField(
        label="Registration",
        max_length=20,
        help_text="As much as is known: ? for one unknown character, * for several.",
        error_messages={"required": "Enter the registration."},
    )
    make = forms.CharField(label="Make", max_length=50, required=False)
    model = forms.CharField(label="Model", max_length=50, required=False)
    colour = forms.CharField(label="Colour", max_length=30, required=False)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    FIELDS = ("registration", "make", "model", "colour", "description")


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=PersonStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a status."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class IdentifierForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        choices=IdentifierKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose alias, phone number or online handle."},
    )
    value = forms.CharField(
        label="Alias, phone number or handle",
        max_length=200,
        error_messages={"required": "Enter the alias, phone number or handle."},
    )
    platform = forms.CharField(label="Platform (for a handle)", max_length=100, required=False)


class MergeForm(forms.Form):
    merged = forms.ModelChoiceField(
        label="The duplicate to merge into this record",
        queryset=None,
        error_messages={"required": "Choose the duplicate."},
    )
    reason = forms.CharField(
        label="Why are they the same?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why these are the same."},
    )
    confirm = forms.BooleanField(
        label="I have checked these are the same",
        error_messages={"required": "Confirm you have checked these are the same."},
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merged"].queryset = choices


class UnmergeForm(forms.Form):
    reason = forms.CharField(
        label="Why undo the merge?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the merge is undone."},
    )


class RecordFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class PersonFilterForm(RecordFilterForm):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any"), *PersonStatus.choices]
    )
    review = forms.ChoiceField(label="Review", required=False, choices=REVIEW_CHOICES)


class LocationFilterForm(RecordFilterForm):
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any"), *LocationKind.choices]
    )
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)


class VehicleFilterForm(RecordFilterForm):
    registration = forms.CharField(
        label="Registration",
        required=False,
        max_length=20,
        help_text="? for one unknown character, * for several.",
    )

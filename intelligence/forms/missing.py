"""The missing episode form: times as a GOV.UK date and a time of day each (Europe/London),
where found as a location the user can see or a place in words, and the return home
interview."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from cases.forms.actions import ErrorSummary
from intelligence.access import sees_intelligence
from intelligence.models import Location, ReturnInterview
from panel.dates import LONDON
from panel.forms_govuk import DateField, TimeField

# (service field, form date field, form time field, what it is called in a message)
MOMENTS = (
    ("reported_missing_at", "reported_on", "reported_time", "reported missing"),
    ("returned_at", "returned_on", "returned_time", "found or returned"),
    ("interview_offered_at", "offered_on", "offered_time", "the interview was offered"),
    ("interview_held_at", "held_on", "held_time", "the interview was held"),
)
TIME_HINT = "For example, 14:30"


class LocationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Location) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class MissingEpisodeForm(ErrorSummary, forms.Form):
    reported_on = DateField(label="Date reported missing", error_name="Date reported missing")
    reported_time = TimeField(label="Time reported missing", help_text=TIME_HINT)
    returned_on = DateField(
        label="Date found or returned",
        error_name="Date found or returned",
        required=False,
        help_text="Leave blank while the child is still missing.",
    )
    returned_time = TimeField(label="Time found or returned", help_text=TIME_HINT, required=False)
    found_location = LocationChoice(
        label="Where found: a location record",
        queryset=Location.objects.none(),
        required=False,
        empty_label="None: say where in words below",
    )
    found_place = forms.CharField(
        label="Where found, in words",
        max_length=200,
        required=False,
        help_text="For example, a street, a park or a town. Leave blank if not known.",
    )
    interview = forms.ChoiceField(
        label="Return home interview",
        choices=ReturnInterview.choices,
        initial=ReturnInterview.NOT_YET,
        widget=forms.RadioSelect,
    )
    offered_on = DateField(
        label="Date the interview was offered", error_name="Date offered", required=False
    )
    offered_time = TimeField(label="Time offered", help_text=TIME_HINT, required=False)
    held_on = DateField(label="Date the interview was held", error_name="Date held", required=False)
    held_time = TimeField(label="Time held", help_text=TIME_HINT, required=False)
    interview_by = forms.CharField(
        label="Interview held by", max_length=150, required=False,
        help_text="Name and agency of the person who held it.",
    )  # fmt: skip
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    # Where each service field's error goes on this form.
    FIELD_FOR = {service: date for service, date, _, _ in MOMENTS}

    def __init__(self, *args: Any, user, episode=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        seen = Location.objects.visible_to(user).current()
        kept = episode is not None and episode.found_location_id is not None
        if not sees_intelligence(user) or (
            kept and not seen.filter(pk=episode.found_location_id).exists()
        ):
            # Not offered: someone who cannot see locations (or this one) says where in
            # words, and an update keeps the location recorded by someone who could.
            del self.fields["found_location"]
        else:
            self.fields["found_location"].queryset = seen

    @staticmethod
    def initial_for(episode) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "found_location": episode.found_location_id,
            "found_place": episode.found_place,
            "interview": episode.interview,
            "interview_by": episode.interview_by,
            "notes": episode.notes,
            "version": episode.version,
        }
        for service, date, time, _ in MOMENTS:
            value = getattr(episode, service)
            if value is not None:
                local = value.astimezone(LONDON)
                initial[date] = local.date()
                initial[time] = local.strftime("%H:%M")
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for service, date, time, words in MOMENTS:
            on, at = data.get(date), data.get(time)
            data[service] = None
            if date in self.errors or time in self.errors:
                continue
            if on and at is None:
                self.add_error(time, f"Enter the time {words}")
            elif at is not None and not on:
                self.add_error(date, f"Enter the date {words}")
            elif on and at is not None:
                data[service] = dt.datetime.combine(on, at, tzinfo=LONDON)
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            "reported_missing_at": data["reported_missing_at"],
            "returned_at": data["returned_at"],
            "found_place": data["found_place"],
            "interview": data["interview"],
            "interview_offered_at": data["interview_offered_at"],
            "interview_held_at": data["interview_held_at"],
            "interview_by": data["interview_by"],
            "notes": data["notes"],
        }
        if "found_location" in self.fields:
            fields["found_location"] = data.get("found_location")
        return fields


class EditMissingEpisodeForm(MissingEpisodeForm):
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "This form could not be sent. Reload the page and try again.",
            "invalid": "This form could not be sent. Reload the page and try again.",
        },
    )

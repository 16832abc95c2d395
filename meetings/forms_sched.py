"""Forms for scheduling a meeting, changing or cancelling it, and its membership. Choice
lists offer only what the coordinator may choose: people and agencies serving the area,
and the area's meetings not yet held. The services check the same rules again."""

from __future__ import annotations

from django import forms

from cases.forms.actions import ErrorSummary, Versioned
from cases.forms.triage import AgencyChoiceField, PersonChoiceField
from meetings import workflow
from meetings.models import Meeting
from meetings.services.scheduling import local_authority_chair_choices, police_chair_choices
from panel.dates import london_today
from panel.forms_govuk import DateField, TimeField
from panel.models import Agency, Area, User, reads_case_data


class ArrangementsForm(ErrorSummary, forms.Form):
    date = DateField(
        label="Date",
        error_name="The date of the meeting",
        help_text="For example, 27 3 2027",
        error_messages={"required": "Enter the date of the meeting."},
    )
    start_time = TimeField(
        label="Start time",
        help_text="For example, 10:00 or 2pm",
        error_messages={"required": "Enter the time the meeting starts."},
    )
    venue = forms.CharField(
        label="Venue",
        required=False,
        max_length=200,
        help_text="The building and room. Leave empty for a meeting held only online.",
    )
    online = forms.BooleanField(label="Members can join online", required=False)
    online_details = forms.CharField(
        label="Joining details (optional)",
        required=False,
        max_length=300,
        help_text="Shown on the meeting page only: never in emails or the calendar file.",
    )
    police_chair = PersonChoiceField(
        label="Police co-chair (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="Not chosen yet",
        error_messages={"invalid_choice": "Choose a member of a police agency."},
    )
    local_authority_chair = PersonChoiceField(
        label="Local authority co-chair (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="Not chosen yet",
        error_messages={"invalid_choice": "Choose a member of a local authority agency."},
    )

    def __init__(self, *args, area: Area, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = ("last_name", "first_name", "pk")
        self.fields["police_chair"].queryset = (
            police_chair_choices(area).select_related("agency").order_by(*people)
        )
        self.fields["local_authority_chair"].queryset = (
            local_authority_chair_choices(area).select_related("agency").order_by(*people)
        )

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date and date < london_today():
            raise forms.ValidationError("The date of the meeting must be today or in the future.")
        return date


class ScheduleForm(ArrangementsForm):
    pass


class RescheduleForm(Versioned, ArrangementsForm):
    reason = forms.CharField(
        label="Why it is changing (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the audit trail; members are told only that it changed.",
    )

    @classmethod
    def for_meeting(cls, data, meeting: Meeting) -> RescheduleForm:
        initial = {
            "version": meeting.version,
            "date": meeting.date,
            "start_time": meeting.start_time.strftime("%H:%M"),
            "venue": meeting.venue,
            "online": meeting.online,
            "online_details": meeting.online_details,
            "police_chair": meeting.police_chair_id,
            "local_authority_chair": meeting.local_authority_chair_id,
        }
        return cls(data, initial=initial, area=meeting.area)


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Meeting) -> str:
        return f"{obj.date:%-d %B %Y} at {obj.start_time:%H:%M} ({obj.get_status_display()})"


class CancelForm(Versioned):
    reason = forms.CharField(
        label="Why the meeting is cancelled",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for cancelling the meeting."},
    )
    move_to = MeetingChoiceField(
        label="Move the items still to be heard to",
        queryset=Meeting.objects.none(),
        required=False,
        empty_label='The area\'s "to be scheduled" list',
        help_text="Another meeting of this area not yet held. Items go at the end of its agenda.",
        error_messages={"invalid_choice": "Choose a meeting of this area that has not been held."},
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        kwargs.setdefault("initial", {"version": meeting.version})
        super().__init__(*args, **kwargs)
        self.fields["move_to"].queryset = (
            Meeting.objects.filter(area_id=meeting.area_id, status__in=workflow.AGENDA_OPEN)
            .exclude(pk=meeting.pk)
            .order_by("date", "start_time", "pk")
        )


class MemberForm(ErrorSummary, forms.Form):
    """An agency serving the area and, optionally, its named representative: any active
    person of that agency (the service checks they belong to the agency chosen)."""

    agency = AgencyChoiceField(
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        error_messages={
            "required": "Choose the agency.",
            "invalid_choice": "Choose an agency that serves this area.",
        },
    )
    representative = PersonChoiceField(
        label="Named representative (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="No named person yet",
        help_text="Someone in the agency chosen. They need not be its agency lead.",
        error_messages={"invalid_choice": "Choose an active member of an agency of this area."},
    )

    def __init__(self, *args, area_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(areas__id=area_id).order_by("name")
        self.fields["representative"].queryset = (
            User.objects.filter(reads_case_data(), agency__areas__id=area_id)
            .select_related("agency")
            .order_by("last_name", "first_name", "pk")
            .distinct()
        )

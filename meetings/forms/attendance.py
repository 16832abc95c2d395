"""Forms for the attendance and declarations pages."""

from __future__ import annotations

from typing import Any

from django import forms

from meetings.models import AgendaItem, AttendanceStatus, GuestKind, Meeting, MeetingMember
from meetings.services.attendance import RECORDABLE

ATTENDANCE_CHOICES = [(value, value.label) for value in RECORDABLE]


def row_name(member: MeetingMember, field: str) -> str:
    """The form field (and service error key) for one member's ``field``."""
    return f"member_{member.pk}_{field}"


def _chosen(member: MeetingMember) -> str:
    return "" if member.attendance == AttendanceStatus.EXPECTED else member.attendance


class AttendanceForm(forms.Form):
    """A radio group and a deputy's name per member. Each field carries the value it was
    loaded with (``initial-`` hidden inputs), so only the rows this person changed are
    saved: a row someone else recorded meanwhile is not overwritten by a stale page."""

    def __init__(self, *args: Any, members: list[MeetingMember], **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                # Not yet recorded ("expected") is no radio chosen.
                **{row_name(m, "attendance"): _chosen(m) for m in members},
                **{row_name(m, "attended_by"): m.attended_by for m in members},
            },
        )
        super().__init__(*args, **kwargs)
        self.members = members
        for member in members:
            label = f"{member.agency.name}: {member.representative or 'no named representative'}"
            self.fields[row_name(member, "attendance")] = forms.ChoiceField(
                label=label,
                choices=ATTENDANCE_CHOICES,
                required=False,
                widget=forms.RadioSelect,
                show_hidden_initial=True,
            )
            self.fields[row_name(member, "attended_by")] = forms.CharField(
                label="Attended by (a deputy, if not the named representative)",
                required=False,
                max_length=150,
                show_hidden_initial=True,
            )

    def rows(self) -> list[dict[str, Any]]:
        """Each member with its two bound fields, in the page's order."""
        return [
            {
                "member": m,
                "attendance": self[row_name(m, "attendance")],
                "attended_by": self[row_name(m, "attended_by")],
            }
            for m in self.members
        ]

    def changed_rows(self) -> list[dict[str, Any]]:
        """The rows to save: those whose attendance or deputy this person changed."""
        changed = set(self.changed_data)
        rows = []
        for member in self.members:
            attendance, attended_by = (
                row_name(member, "attendance"),
                row_name(member, "attended_by"),
            )
            if attendance in changed or attended_by in changed:
                rows.append(
                    {
                        "member": member,
                        "attendance": self.cleaned_data[attendance] or member.attendance,
                        "attended_by": self.cleaned_data[attended_by],
                    }
                )
        return rows


class GuestForm(forms.Form):
    prefix = "guest"

    name = forms.CharField(label="Name", max_length=150, required=False)
    organisation = forms.CharField(label="Organisation", max_length=150, required=False)
    kind = forms.ChoiceField(
        label="Observer or guest",
        choices=GuestKind.choices,
        initial=GuestKind.OBSERVER,
        widget=forms.RadioSelect,
    )


class ConfidentialityForm(forms.Form):
    prefix = "statement"

    read = forms.BooleanField(
        label="The confidentiality statement was read to the meeting",
        required=True,
        error_messages={"required": "Tick the box once the statement has been read"},
    )
    read_by = forms.CharField(label="Read to the meeting by", max_length=150, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item: AgendaItem) -> str:
        return f"{item.order}. {item.case.reference}"


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member: MeetingMember) -> str:
        return f"{member.agency.name}: {member.representative or 'no named representative'}"


class DeclarationForm(forms.Form):
    item = ItemChoiceField(
        label="Case",
        queryset=AgendaItem.objects.none(),
        empty_label="Choose a case",
        error_messages={"required": "Choose the case the interest is in"},
    )
    member = MemberChoiceField(
        label="Member declaring",
        queryset=MeetingMember.objects.none(),
        empty_label="Choose a member",
        error_messages={"required": "Choose the member declaring the interest"},
    )
    interest = forms.CharField(
        label="The interest",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="For example, a family or professional connection to the child.",
    )

    def __init__(
        self, *args: Any, meeting: Meeting, items: Any, members: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["item"].queryset = items
        self.fields["member"].queryset = members

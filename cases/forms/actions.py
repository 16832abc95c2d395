"""Actions on a case: agreeing one, progressing it, cancelling and re-assigning it, and the
"My work" filters. Choice lists offer only what the actor may act on: the agencies involved
in the case, and active members of those agencies.

Every form that changes an action carries the action's ``version`` as the user saw it, so
a save over someone else's change is refused (see cases.views.actions)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q, QuerySet

from cases.forms.cases import SubmitOnce
from cases.forms.triage import AgencyChoiceField, PersonChoiceField
from cases.models import Action, Case
from cases.services.actions import past_due_problem
from panel.dates import london_today
from panel.forms_govuk import DateField, error_anchor
from panel.models import Agency, Area, User, reads_case_data

FOUR_P_HINT = (
    "Prepare: plans and information for the panel. Prevent: stop exploitation happening. "
    "Protect: keep the child safe. Pursue: disrupt and prosecute those who exploit."
)


def involved_agencies(case: Case) -> QuerySet[Agency]:
    return Agency.objects.filter(case_links__case=case).order_by("name")


def involved_people(case: Case) -> QuerySet[User]:
    """Active members of the agencies involved in the case: the people an action may be
    owned by. The form and the service check the owner is in the owning agency."""
    return (
        User.objects.filter(reads_case_data(), agency__case_links__case=case)
        .select_related("agency")
        .order_by("last_name", "first_name", "pk")
    )


class ErrorSummary:
    """For a forms.Form: ``error_summary()`` lists every error with the id its link should
    focus (the day box of a date, the first radio or checkbox of a group), for
    templates/cases/referrals/_error_summary.html. Errors not about one field link to
    ``top_anchor``: after a stale save, the box saying what changed."""

    top_anchor = "main-content"

    def error_summary(self) -> list[dict[str, str]]:
        if not self.is_bound:
            return []
        items = [{"href": f"#{self.top_anchor}", "message": m} for m in self.non_field_errors()]
        for name, field in self.fields.items():
            hidden = field.widget.is_hidden  # the version: nothing to focus on the page
            anchor = self.top_anchor if hidden else error_anchor(self, name)
            items.extend(
                {"href": f"#{anchor}", "message": message} for message in self.errors.get(name, [])
            )
        return items


class Versioned(ErrorSummary, forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "This form could not be sent. Reload the page and try again.",
            "invalid": "This form could not be sent. Reload the page and try again.",
        },
    )


class AssignmentFields(forms.Form):
    """Who owns an action, by when, and what for: shared by adding and re-assigning."""

    owning_agency = AgencyChoiceField(
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        help_text="One of the agencies involved in the case. Its leads are told.",
        error_messages={
            "required": "Choose the agency that owns the action.",
            "invalid_choice": "Choose an agency involved in this case.",
        },
    )
    owner = PersonChoiceField(
        label="Owner (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="No named person",
        help_text="A member of the owning agency.",
        error_messages={"invalid_choice": "Choose an active member of the owning agency."},
    )
    due_date = DateField(
        label="Due date",
        error_name="Due date",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the due date."},
    )
    priority = forms.ChoiceField(
        choices=Action.Priority.choices,
        initial=Action.Priority.NORMAL,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a priority.", "invalid_choice": "Choose a priority."},
    )
    four_p = forms.ChoiceField(
        label="Which of the 4 Ps",
        choices=Action.FourP.choices,
        widget=forms.RadioSelect,
        help_text=FOUR_P_HINT,
        error_messages={
            "required": "Choose which of the 4 Ps the action serves.",
            "invalid_choice": "Choose which of the 4 Ps the action serves.",
        },
    )

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["owning_agency"].queryset = involved_agencies(case)
        self.fields["owner"].queryset = involved_people(case)

    def clean(self) -> dict:
        cleaned = super().clean()
        agency, owner = cleaned.get("owning_agency"), cleaned.get("owner")
        if agency and owner and owner.agency_id != agency.pk:
            self.add_error("owner", "The owner must be an active member of the owning agency.")
        return cleaned


class AddActionForm(ErrorSummary, SubmitOnce, AssignmentFields):
    description = forms.CharField(
        label="What needs to be done",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Write without blaming the child.",
        error_messages={"required": "Describe the action."},
    )
    # Shown once a due date before today was sent: a past date is usually a slip, so it is
    # saved only when confirmed (the service refuses it otherwise).
    confirm_past_due = forms.BooleanField(label="Confirm the past due date", required=False)
    field_order = ["description", "owning_agency", "owner", "due_date", "priority", "four_p"]

    def clean(self) -> dict:
        cleaned = super().clean()
        past_due = past_due_problem(cleaned.get("due_date"), london_today())
        if past_due and not cleaned.get("confirm_past_due"):
            self.add_error("due_date", forms.ValidationError(past_due, code="past_due"))
        return cleaned

    def asks_to_confirm_past_due(self) -> bool:
        return self.is_bound and (
            self.has_error("due_date", "past_due") or bool(self["confirm_past_due"].value())
        )


class ReassignActionForm(Versioned, AssignmentFields):
    note = forms.CharField(
        label="Why it is re-assigned (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    field_order = ["owning_agency", "owner", "due_date", "priority", "four_p", "note"]


class ActionUpdateForm(Versioned):
    """Progress: a note, a new status, what was done. Cancelling is its own form."""

    status = forms.ChoiceField(
        choices=[
            (value, label)
            for value, label in Action.Status.choices
            if value != Action.Status.CANCELLED
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a status.", "invalid_choice": "Choose a status."},
    )
    note = forms.CharField(
        label="Progress note",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="What has happened since the last update.",
    )
    completion_note = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Needed when the status is done.",
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            cleaned.get("status") == Action.Status.DONE
            and not (cleaned.get("completion_note") or "").strip()
        ):
            self.add_error("completion_note", "Say what was done.")
        return cleaned


class CancelActionForm(Versioned):
    prefix = "cancel"

    cancel_reason = forms.CharField(
        label="Why the action is cancelled",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for cancelling the action."},
    )


# --- "My work" -------------------------------------------------------------------------

OPEN = ""
ANY = "any"
# "Due soon": open actions due today or in the six days after it (Europe/London), the
# next seven days.
SOON_DAYS = 7
OVERDUE, SOON = "overdue", "soon"


def action_due_q(due: str, today: dt.date) -> Q:
    """Open actions overdue (due before ``today``) or due soon (``today`` to ``today`` +
    6): the one definition "My work" and the home page's figures both filter with. A
    finished action is neither."""
    if due == OVERDUE:
        return Q(status__in=Action.OPEN_STATUSES, due_date__lt=today)
    if due == SOON:
        return Q(
            status__in=Action.OPEN_STATUSES,
            due_date__gte=today,
            due_date__lte=today + dt.timedelta(days=SOON_DAYS - 1),
        )
    return Q()


class MyWorkFilterForm(ErrorSummary, forms.Form):
    """Open actions by default; coordinators also filter by agency, and by area when they
    coordinate more than one. Choices come from the areas the user coordinates."""

    status = forms.ChoiceField(
        choices=[(OPEN, "Open or in progress"), *Action.Status.choices, (ANY, "Any status")],
        required=False,
    )
    agency = AgencyChoiceField(
        label="Owning agency",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Any agency",
    )
    area = forms.ModelChoiceField(queryset=Area.objects.none(), required=False, empty_label="Any")
    due = forms.ChoiceField(
        label="Due",
        choices=[("", "Any time"), (OVERDUE, "Overdue"), (SOON, "Due in the next 7 days")],
        required=False,
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        areas = sorted(user.coordinator_area_ids)
        if areas:
            self.fields["agency"].queryset = (
                Agency.objects.filter(areas__id__in=areas).distinct().order_by("name")
            )
        else:
            del self.fields["agency"]
        if len(areas) > 1:
            self.fields["area"].queryset = Area.objects.filter(pk__in=areas)
        else:
            del self.fields["area"]

    def actions(self, today: dt.date | None = None) -> QuerySet[Action]:
        """The user's work actions (``selectors.work_actions``) narrowed by the valid
        filters (an invalid form: open actions, unfiltered; the page shows its errors).
        "My work" lists these and the home page's action figures count them."""
        from cases import selectors

        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status", OPEN)
        statuses = Action.OPEN_STATUSES if status == OPEN else None if status == ANY else [status]
        actions = selectors.work_actions(self.user, statuses)
        if data.get("agency"):
            actions = actions.filter(owning_agency=data["agency"])
        if data.get("area"):
            actions = actions.filter(case__area=data["area"])
        if data.get("due"):
            actions = actions.filter(action_due_q(data["due"], today or london_today()))
        return actions

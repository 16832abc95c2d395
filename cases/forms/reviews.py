"""Holding a case review, and the "reviews due" filters."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q, QuerySet

from cases.forms.actions import ErrorSummary, involved_agencies
from cases.models import Case, Review, RiskLevel
from panel.dates import london_today
from panel.forms_govuk import DateField
from panel.models import Agency, Area, User


class HoldReviewForm(ErrorSummary, forms.Form):
    """The review confirms the case's risk level; a different one is refused by the
    service, and the page points to a new risk assessment (see cases.views.reviews)."""

    held_on = DateField(
        label="Date the review was held",
        error_name="The date the review was held",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date the review was held."},
    )
    attending_agencies = forms.ModelMultipleChoiceField(
        label="Agencies that attended",
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select the agencies that attended the review.",
            "invalid_choice": "Choose agencies involved in this case.",
            "invalid_pk_value": "Choose agencies involved in this case.",
        },
    )
    outcome = forms.CharField(
        label="Outcome: what the panel agreed",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Whether the plan is working, what changes. Write without blaming the child.",
        error_messages={"required": "Record the review's outcome."},
    )
    risk_level_after = forms.ChoiceField(
        label="Risk level after the review",
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Confirm the risk level.",
            "invalid_choice": "Confirm the risk level.",
        },
    )

    field_order = ["risk_level_after", "held_on", "attending_agencies", "outcome"]

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["attending_agencies"].queryset = involved_agencies(case)
        level = RiskLevel(case.risk_level).label.lower()
        self.fields["risk_level_after"].initial = case.risk_level
        self.fields["risk_level_after"].help_text = (
            f"The case's risk level is {level}. Choose it to confirm it. A different level "
            "is set by a new risk assessment, recorded before the review."
        )

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on and held_on > london_today():
            raise forms.ValidationError(
                "The date the review was held must be today or in the past."
            )
        return held_on


# "Due this week" is today and the six days after it (Europe/London): a rolling seven
# days, the same window as the review reminder, so it never empties on a Sunday night.
WEEK_DAYS = 7
OVERDUE, THIS_WEEK = "overdue", "week"


def review_due_q(due: str, today: dt.date) -> Q:
    """Upcoming reviews overdue (due before ``today``) or due this week (``today`` to
    ``today`` + 6): the one definition the "Reviews due" page and the home page's figures
    both filter with."""
    if due == OVERDUE:
        return Q(due_date__lt=today)
    if due == THIS_WEEK:
        return Q(due_date__gte=today, due_date__lte=today + dt.timedelta(days=WEEK_DAYS - 1))
    return Q()


class ReviewsDueFilterForm(ErrorSummary, forms.Form):
    due = forms.ChoiceField(
        label="Due",
        choices=[("", "Any time"), (OVERDUE, "Overdue"), (THIS_WEEK, "This week (next 7 days)")],
        required=False,
    )
    within = forms.IntegerField(
        label="Due within (days)",
        required=False,
        min_value=0,
        max_value=366,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="Overdue reviews are always included.",
        error_messages={
            "invalid": "Enter a number of days, like 14.",
            "min_value": "Enter a number of days from 0 to 366.",
            "max_value": "Enter a number of days from 0 to 366.",
        },
    )
    area = forms.ModelChoiceField(queryset=Area.objects.none(), required=False, empty_label="Any")

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        areas = sorted(user.coordinator_area_ids)
        if len(areas) > 1:
            self.fields["area"].queryset = Area.objects.filter(pk__in=areas)
        else:
            del self.fields["area"]

    def filter(self, reviews: QuerySet[Review], today: dt.date) -> QuerySet[Review]:
        """``reviews`` (``selectors.reviews_due(user)``) narrowed by the valid filters; an
        invalid form filters nothing (the page shows its errors). The page and the home
        page's figures both count through here."""
        if not self.is_valid():
            return reviews
        data = self.cleaned_data
        if data["due"]:
            reviews = reviews.filter(review_due_q(data["due"], today))
        if data["within"] is not None:
            reviews = reviews.filter(due_date__lte=today + dt.timedelta(days=data["within"]))
        if data.get("area"):
            reviews = reviews.filter(case__area=data["area"])
        return reviews

"""The referral form: a child, the referrer's role and contact, the concerns and the Risk
Factor Matrix answers, parsed for ``services.refer_new_child``.

The matrix's questions come from the active tool's indicator rows, never from code. The
form checks everything it can (so every problem shows at once, by its field); the service
checks again and any error it raises is put on the same fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils import timezone

from cases import services
from cases.advice import EarlyHelp, early_help_advice
from cases.forms.children import EthnicityCodeField, ethnicity_text_field
from cases.forms.risk import RiskAnswersMixin
from cases.models import (
    Child,
    Referral,
    RiskAnswer,
    RiskIndicator,
    RiskLevel,
    RiskTool,
    YesNoUnknown,
)
from cases.scoring import Score, override_refusal, score
from cases.services.referrals import POLICE_DATE_IN_FUTURE, police_contact_in_future
from panel.dates import LONDON, age_on, london_today
from panel.forms_govuk import DateField, TimeField, add_service_errors, error_anchor
from panel.models import Area

YES_NO = [("yes", "Yes"), ("no", "No")]

CONTACT_METHODS = [
    ("in_person", "In person"),
    ("mobile_phone", "By mobile phone"),
    ("online", "Online"),
]

# Service error keys that are not the name of a form field.
SERVICE_FIELDS = {"police_contacted_at": "police_contacted_on"}

CHILD_FIELDS = (
    "first_name",
    "last_name",
    "known_as",
    "date_of_birth",
    "gender",
    "ethnicity",
    "ethnicity_code",
    "area",
    "school_or_setting",
    "address",
)


def _text(label: str, max_length: int, *, required: str = "", help_text: str = "", **kw):
    messages = {
        "max_length": f"{label.removesuffix(' (optional)')} must be "
        f"{max_length} characters or fewer"
    }
    if required:
        messages["required"] = required
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=bool(required),
        help_text=help_text,
        error_messages=messages,
        **kw,
    )


def _long_text(label: str, *, required: str = "", help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=bool(required),
        help_text=help_text,
        widget=forms.Textarea,
        error_messages={"required": required} if required else {},
    )


def _choice(label: str, choices, *, required: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": required, "invalid_choice": required},
    )


class ReferralForm(RiskAnswersMixin, forms.Form):
    # -- Immediate risk: asked first, because the answer changes what to do right now.
    immediate_risk = _choice(
        "Is the child at immediate risk of significant harm?",
        YES_NO,
        required="Select yes if the child is at immediate risk of significant harm",
        help_text="For example, they are with someone who is harming them or is about to, "
        "or they are missing and believed to be with someone exploiting them.",
    )
    police_contacted_on = DateField(
        label="Date police were contacted",
        error_name="The date police were contacted",
        required=False,
        help_text="For example, 27 3 2026",
    )
    police_contacted_time = TimeField(
        label="Time police were contacted",
        required=False,
        help_text="Use the 24-hour clock, for example 14:30",
    )
    police_contacted_by = _text(
        "Who contacted the police",
        150,
        help_text="Your name, or the name of the person who called them",
    )
    police_incident_number = _text("Police incident number", 50)

    # -- The child.
    first_name = _text("First name", 100, required="Enter the child's first name")
    last_name = _text("Last name", 100, required="Enter the child's last name")
    known_as = _text(
        "Known as (optional)", 100, help_text="Any other name or nickname the child uses"
    )
    date_of_birth = DateField(
        label="Date of birth",
        error_name="Date of birth",
        help_text="For example, 27 3 2012",
        error_messages={"required": "Enter the child's date of birth"},
    )
    young_adult_reason = _long_text(
        "Reason for referring a young adult (only if they are 18 to 25)",
        help_text="Say why the panel should consider them, for example a learning disability "
        "or transitional safeguarding.",
    )
    gender = _choice("Gender", Child.Gender.choices, required="Select the child's gender")
    ethnicity_code = EthnicityCodeField()
    ethnicity = ethnicity_text_field()
    area = _choice(
        "Which area does the child live in?",
        [],
        required="Select the area the child lives in",
        help_text="The referral goes to that area's panel.",
    )
    school_or_setting = _text("School or setting (optional)", 200)
    address = _long_text("Address (optional)")

    # -- The referrer (who they are comes from the signed-in user).
    referrer_role = _text("Your role", 150, required="Enter your role")
    referrer_contact = _text(
        "Phone number or email address the panel can reach you on",
        200,
        required="Enter a phone number or email address the panel can reach you on",
    )

    # -- The concerns.
    concerns = _long_text(
        "What are your concerns?",
        required="Describe your concerns",
        help_text="What you have seen or been told, when, and by whom. Describe what is "
        "happening to the child, not what they did wrong.",
    )
    contact_methods = forms.MultipleChoiceField(
        label="How does contact with the child happen?",
        choices=CONTACT_METHODS,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={
            "required": "Select how contact with the child happens",
            "invalid_choice": "Select how contact with the child happens",
        },
    )
    known_to_social_care = _choice(
        "Is the child known to children's social care?",
        YesNoUnknown.choices,
        required="Select whether the child is known to children's social care",
        help_text="If they are, also contact their lead social worker and Local Support Team.",
    )
    lead_social_worker = _text("Lead social worker (optional)", 150)
    child_aware = _choice(
        "Does the child know about this referral?",
        YesNoUnknown.choices,
        required="Select whether the child knows about this referral",
    )
    child_agrees = _choice(
        "Does the child agree to it?",
        YesNoUnknown.choices,
        required="Select whether the child agrees to this referral",
    )
    parents_aware = _choice(
        "Do the child's parents or carers know about this referral?",
        YesNoUnknown.choices,
        required="Select whether the parents or carers know about this referral",
    )
    parents_agree = _choice(
        "Do the parents or carers agree to it?",
        YesNoUnknown.choices,
        required="Select whether the parents or carers agree to this referral",
    )
    consent_notes = _long_text(
        "If the child or their parents do not know or agree, why not?",
        help_text="You can still refer without their agreement when a child is at risk of harm.",
    )
    legal_status = _choice(
        "What is the child's legal status?",
        Referral.LegalStatus.choices,
        required="Select the child's legal status",
    )

    # -- The matrix's answer fields are added per indicator in __init__; then the
    # professional judgement on the level.
    override_level = forms.ChoiceField(
        label="Do you want to use a different risk level?",
        choices=[("", "No, use the computed level"), *RiskLevel.choices],
        widget=forms.RadioSelect,
        required=False,
        help_text="If your professional judgement is that the risk is higher or lower, choose "
        "the level and say why. The panel sees both levels.",
        error_messages={"invalid_choice": "Choose low, medium or high"},
    )
    override_reason = _long_text("Reason for using a different level")

    submission_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form could not be sent. Reload the page and try again.",
            "invalid": "This form could not be sent. Reload the page and try again.",
        },
    )

    def __init__(
        self,
        *args,
        tool: RiskTool,
        indicators: Sequence[RiskIndicator],
        areas: Sequence[Area],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tool = tool
        self.areas = {str(area.pk): area for area in areas}
        self.fields["area"].choices = [(pk, area.name) for pk, area in self.areas.items()]
        self.add_indicator_fields(indicators)

    # -- Validation -----------------------------------------------------------------------

    def clean_area(self) -> Area:
        return self.areas[self.cleaned_data["area"]]

    def clean(self) -> dict:
        data = super().clean()
        self._clean_police_contact(data)
        self._clean_date_of_birth(data)
        if data.get("known_to_social_care") != YesNoUnknown.YES:
            data["lead_social_worker"] = ""
        consent = ("child_aware", "child_agrees", "parents_aware", "parents_agree")
        if any(data.get(name) == YesNoUnknown.NO for name in consent) and not data.get(
            "consent_notes"
        ):
            self.add_error(
                "consent_notes", "Say why the child or their parents do not know or agree"
            )
        self.clean_indicators(data)
        if data.get("override_level") and not data.get("override_reason"):
            self.add_error("override_reason", "Give the reason for using a different level")
        refused = override_refusal(self.tool, data.get("override_level", ""), self._age())
        if refused:
            self.add_error("override_level", refused)
        return data

    def _clean_police_contact(self, data: dict) -> None:
        data["police_contacted_at"] = None
        if data.get("immediate_risk") != "yes":
            return
        required = {
            "police_contacted_on": "Enter the date police were contacted",
            "police_contacted_time": "Enter the time police were contacted",
            "police_contacted_by": "Enter who contacted the police",
            "police_incident_number": "Enter the police incident number",
        }
        for name, message in required.items():
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        on, at = data.get("police_contacted_on"), data.get("police_contacted_time")
        if on and on > london_today():
            # Said of the date, whether or not a time was given: the date is what is wrong.
            self.add_error("police_contacted_on", POLICE_DATE_IN_FUTURE)
        elif on and at:
            when = dt.datetime.combine(on, at, tzinfo=LONDON)
            future = police_contact_in_future(when, timezone.now())
            if future:
                self.add_error("police_contacted_time", future)
            else:
                data["police_contacted_at"] = when

    def _clean_date_of_birth(self, data: dict) -> None:
        born = data.get("date_of_birth")
        if not born:
            return
        today = london_today()
        try:
            services.check_date_of_birth(born, today, data.get("young_adult_reason", ""))
        except ValidationError as error:
            add_service_errors(self, error)
            return
        if age_on(born, today) < services.ADULT_AGE:
            data["young_adult_reason"] = ""

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the fields it is about."""
        add_service_errors(self, error, SERVICE_FIELDS | self.indicator_error_fields())

    # -- What the service gets --------------------------------------------------------------

    def service_arguments(self) -> dict:
        """Keyword arguments for services.refer_new_child (the tool is the caller's)."""
        data = self.cleaned_data
        methods = set(data["contact_methods"])
        immediate = data["immediate_risk"] == "yes"
        return {
            "child_fields": {name: data[name] for name in CHILD_FIELDS},
            "submission_token": data["submission_token"],
            "referrer_role": data["referrer_role"],
            "referrer_contact": data["referrer_contact"],
            "concerns": data["concerns"],
            "contact_in_person": "in_person" in methods,
            "contact_mobile_phone": "mobile_phone" in methods,
            "contact_online": "online" in methods,
            "known_to_social_care": data["known_to_social_care"],
            "lead_social_worker": data["lead_social_worker"],
            "child_aware": data["child_aware"],
            "child_agrees": data["child_agrees"],
            "parents_aware": data["parents_aware"],
            "parents_agree": data["parents_agree"],
            "consent_notes": data["consent_notes"],
            "legal_status": data["legal_status"],
            "immediate_risk": immediate,
            "police_contacted_at": data["police_contacted_at"] if immediate else None,
            "police_contacted_by": data["police_contacted_by"] if immediate else "",
            "police_incident_number": data["police_incident_number"] if immediate else "",
            "young_adult_reason": data["young_adult_reason"],
            "answers": self.answers(),
            "override_level": data["override_level"],
            "override_reason": data["override_reason"] if data["override_level"] else "",
        }

    # -- What the page shows ----------------------------------------------------------------

    def error_summary(self) -> list[dict[str, str]]:
        """Every error, in the order of the page, with the id its link should focus."""
        if not self.is_bound:
            return []
        top = [*self.non_field_errors(), *self.errors.get("submission_token", [])]
        items = [{"href": "#referral-form", "message": message} for message in top]
        for name in self.fields:
            if name == "submission_token":
                continue
            anchor = error_anchor(self, name)
            items.extend(
                {"href": f"#{anchor}", "message": message} for message in self.errors.get(name, [])
            )
        return items

    def chosen_area(self) -> Area | None:
        """The area picked so far (valid or not yet validated), for the numbers to show."""
        value = self["area"].value()
        return self.areas.get(str(value)) if value else None

    def preview_score(self) -> Score | None:
        """The level the tool's rules give the answers so far, whatever else is missing or
        wrong: for the live preview and for a re-shown form. None before any answer or date
        of birth."""
        if not self.is_bound:
            return None
        answers = {}
        for indicator in self.indicators:
            value = self.data.get(self.add_prefix(f"answer_{indicator.code}"))
            if value in RiskAnswer.Answer.values:
                answers[indicator.code] = value
        age = self._age()
        if not answers and age is None:
            return None
        return score(self.tool, answers, age, indicators=self.indicators)

    def _age(self) -> int | None:
        """The child's age today from the date of birth as typed, if it is a valid one."""
        try:
            born = self.fields["date_of_birth"].clean(self["date_of_birth"].data)
        except ValidationError:
            return None
        today = london_today()
        return age_on(born, today) if born and born <= today else None

    def preview_early_help(self, result: Score | None) -> EarlyHelp | None:
        """The early-help advice for the answers so far (cases.advice decides). Until
        immediate risk is answered "no" there is none: a child who may be in danger now is
        never told that early help may do."""
        if not self.is_bound or result is None:
            return None
        override = self.data.get(self.add_prefix("override_level"))
        if override_refusal(self.tool, override or "", self._age()):
            override = ""  # refused (under 13 is never low): the rules' level stands
        return early_help_advice(
            level=override if override in RiskLevel.values else result.level,
            immediate_risk=self.data.get(self.add_prefix("immediate_risk")) != "no",
            child_agrees=self.data.get(self.add_prefix("child_agrees"), ""),
            parents_agree=self.data.get(self.add_prefix("parents_agree"), ""),
        )

    def only_checking(self) -> ReferralForm:
        """ "Work out the risk level" without JavaScript: show the answers again with their
        level and advice, without judging the unfinished form as if it had been sent."""
        self._errors = ErrorDict()
        return self

    def emergency_first(self) -> bool:
        """Immediate risk was ticked on a form that came back with errors: the 999 message
        goes above everything, even the error summary."""
        return self.is_bound and self.data.get("immediate_risk") == "yes" and bool(self.errors)

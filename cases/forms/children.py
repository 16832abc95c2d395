"""A child's ethnic group as a form field (the referral form and the child details page
share it), and the coordinator's form for a child's details.

The ethnic group is one GOV.UK select of the ONS 2021 categories, in the census's five
groups as ``<optgroup>``s, with "Not known" (the default) first and "Declined to say" last;
the free text "as the child or family describe it" is kept beside it.
"""

from __future__ import annotations

from django import forms
from django.forms import BoundField

from cases.models import ETHNIC_GROUPS, Child, Ethnicity

ETHNICITY_CHOICES: list = [
    (Ethnicity.NOT_KNOWN.value, Ethnicity.NOT_KNOWN.label),
    *[
        (group, [(code, Ethnicity(code).label) for code in codes])
        for group, codes in ETHNIC_GROUPS.items()
    ],
    (Ethnicity.DECLINED.value, Ethnicity.DECLINED.label),
]

CHOOSE_ETHNIC_GROUP = "Select the child's ethnic group from the list, or Not known"


class EthnicityCodeField(forms.ChoiceField):
    """The ONS 2021 ethnic group. Left out of a submission it is "not known" (a client
    that never heard of the field still refers); anything not on the list is refused."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", "Ethnic group")
        kwargs.setdefault(
            "help_text",
            "Choose the group the child or their family would choose. If you do not know, "
            "leave it as Not known: the panel can add it later.",
        )
        super().__init__(
            choices=ETHNICITY_CHOICES,
            required=False,
            initial=Ethnicity.NOT_KNOWN.value,
            error_messages={"invalid_choice": CHOOSE_ETHNIC_GROUP},
            **kwargs,
        )

    def clean(self, value):
        return super().clean(value) or Ethnicity.NOT_KNOWN.value


def ethnicity_text_field() -> forms.CharField:
    return forms.CharField(
        label="How the child or their family describe their ethnicity (optional)",
        max_length=100,
        required=False,
        help_text="In their words, if they told you. It is kept as written.",
        error_messages={"max_length": "The ethnicity as described must be 100 characters or fewer"},
    )


def grouped_options(field: BoundField) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The select's options for a template: ``(group label or "", [(value, label,
    selected)])`` in the order of ``ETHNICITY_CHOICES``; "" is an option outside any group."""
    current = str(field.value() or Ethnicity.NOT_KNOWN.value)
    shown = []
    for value, label in field.field.choices:
        if isinstance(label, list | tuple):
            shown.append((value, [(code, text, code == current) for code, text in label]))
        else:
            shown.append(("", [(value, label, value == current)]))
    return shown


class ChildDetailsForm(forms.Form):
    """What a coordinator may change about a child: the equality details reports count
    and the school or setting. Not the name or date of birth (duplicate detection)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    gender = forms.ChoiceField(
        label="Gender",
        choices=Child.Gender.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the child's gender, or Not known",
            "invalid_choice": "Select the child's gender, or Not known",
        },
    )
    ethnicity_code = EthnicityCodeField()
    ethnicity = ethnicity_text_field()
    school_or_setting = forms.CharField(
        label="School or setting (optional)",
        max_length=200,
        required=False,
        error_messages={"max_length": "School or setting must be 200 characters or fewer"},
    )

    @classmethod
    def initial_for(cls, child: Child) -> dict:
        return {
            "version": child.version,
            "gender": child.gender,
            "ethnicity_code": child.ethnicity_code,
            "ethnicity": child.ethnicity,
            "school_or_setting": child.school_or_setting,
        }

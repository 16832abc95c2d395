"""The risk level tag and a child's age flags, as Python: list pages show them on every
row, and an ``{% include %}`` per row cost about a quarter of a 50-row list's rendering
(docs-pending/overhead.md). The markup is exactly that of ``includes/risk_tag.html`` and
``includes/age_flags.html``, which single pages still include
(tests/cases/test_case_tags.py checks they stay the same)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

RISK_LABELS = {"high": "High", "medium": "Medium"}
FLAG_COLOURS = {"Under 13": "red", "Turning 18 soon": "yellow", "Young adult (18+)": "purple"}
NOT_ASSESSED = SafeString(
    '<strong class="govuk-tag govuk-tag--grey app-not-assessed">Not assessed</strong>\n'
)


@register.simple_tag
def risk_tag(level) -> SafeString:
    """``{% risk_tag level %}``: ``{% include "includes/risk_tag.html" with level=… %}``."""
    if not level:
        return NOT_ASSESSED
    return format_html(
        '<strong class="govuk-tag app-risk-tag app-risk-tag--{}">{}'
        '<span class="govuk-visually-hidden"> risk</span></strong>\n',
        level,
        RISK_LABELS.get(level, "Low"),
    )


@register.simple_tag
def age_flags(flags) -> SafeString:
    """``{% age_flags flags %}``: ``{% include "includes/age_flags.html" with flags=… %}``."""
    shown = format_html_join(
        "",
        '<strong class="govuk-tag govuk-tag--{} app-age-flag">{}</strong> ',
        ((FLAG_COLOURS.get(flag, "blue"), flag) for flag in flags or ()),
    )
    return shown + SafeString("\n")


@register.filter
def ethnic_group_options(field) -> list:
    """``{% for group, options in form.ethnicity_code|ethnic_group_options %}``: the ONS
    2021 select's options in their census groups (cases.forms.children.grouped_options)."""
    from cases.forms.children import grouped_options

    return grouped_options(field)

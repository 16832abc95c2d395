"""The list rows' Python tags render exactly what the include templates render."""

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

LEVELS = ["high", "medium", "low", "", None, "<b>"]
FLAG_SETS = [
    [],
    None,
    ["Under 13"],
    ["16-17", "Turning 18 soon"],
    ["Young adult (18+)"],
    ["<i>odd</i>"],
]


@pytest.mark.parametrize("level", LEVELS)
def test_risk_tag_is_the_include(level):
    included = render_to_string("includes/risk_tag.html", {"level": level})
    tagged = Template("{% load case_tags %}{% risk_tag level %}").render(Context({"level": level}))
    assert tagged == included


@pytest.mark.parametrize("flags", FLAG_SETS)
def test_age_flags_is_the_include(flags):
    included = render_to_string("includes/age_flags.html", {"flags": flags})
    tagged = Template("{% load case_tags %}{% age_flags flags %}").render(Context({"flags": flags}))
    assert tagged == included

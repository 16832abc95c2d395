"""``{% select_options %}`` writes exactly the options Django's own select widget would:
the same values, labels, selection and groups."""

import re

from django import forms
from django.template import Context, Template

OPTION = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Any"), ("a", "Alpha & co"), ("b", "Beta")])
    grouped = forms.ChoiceField(
        choices=[("", "Not known"), ("Group <1>", [("x", "Ex"), ("y", "Why")])],
        required=False,
    )
    number = forms.TypedChoiceField(choices=[(1, "One"), (2, "Two")], coerce=int)


def ours(field) -> str:
    return Template("{% load form_tags %}{% select_options field %}").render(
        Context({"field": field})
    )


def djangos(field) -> str:
    return field.as_widget()


def options(html: str) -> list[tuple[str, bool, str]]:
    return [(value, bool(selected), label) for value, selected, label in OPTION.findall(html)]


def test_the_options_are_djangos_for_unbound_and_bound_forms():
    for form in (
        Sample(),
        Sample({"plain": "a", "grouped": "y", "number": "2"}),
        Sample({"plain": "zzz"}),
    ):
        for name in ("plain", "grouped", "number"):
            field = form[name]
            assert options(ours(field)) == options(djangos(field)), name


def test_groups_are_optgroups_and_labels_are_escaped():
    html = ours(Sample({"grouped": "x"})["grouped"])
    assert '<optgroup label="Group &lt;1&gt;">' in html
    assert '<option value="x" selected>Ex</option>' in html
    assert "Alpha &amp; co" in ours(Sample()["plain"])


def test_the_options_are_the_widgets_choices_when_a_form_narrows_them():
    # A form may offer fewer options than its field accepts (the agenda's case list shows
    # the first 50 and accepts any): the options written are the widget's, as Django's.
    form = Sample()
    form.fields["plain"].widget.choices = [("", "Any"), ("b", "Beta")]
    assert options(ours(form["plain"])) == options(djangos(form["plain"]))
    assert options(ours(form["plain"])) == [("", True, "Any"), ("b", False, "Beta")]

"""``{% select_options field %}``: a select's options as Python, not a template per option.

A long choice list (an auditor's case list offers about 800 lead professionals and two
lists of 160 agencies) took about a quarter of a second to render option by option through
the field's subwidgets; this writes the same markup, ``<option value="…" selected>label
</option>``, with optgroups for grouped choices, in one pass."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


def _selected_values(field: BoundField) -> set[str]:
    value = field.value()
    values = value if isinstance(value, list | tuple) else [value]
    return {"" if one is None else str(one) for one in values}


def _options(choices, selected: set[str]) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (str(value), " selected" if str(value) in selected else "", label)
            for value, label in choices
        ),
    )


@register.simple_tag
def select_options(field: BoundField) -> SafeString:
    selected = _selected_values(field)
    parts = []
    # The widget's choices, as Django's own rendering reads them (a form may narrow the
    # options shown without narrowing what the field accepts, as the agenda's case list does).
    for value, label in field.field.widget.choices:
        if isinstance(label, list | tuple):  # a group: (group label, [(value, label), ...])
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', value, _options(label, selected))
            )
        else:
            parts.append(_options([(value, label)], selected))
    return SafeString("".join(parts))

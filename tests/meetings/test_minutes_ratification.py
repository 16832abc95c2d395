"""The minutes say what became of a decision made while the meeting was not quorate: a
closure not ratified must not read as if the panel closed the case."""

from __future__ import annotations

import pytest

from meetings.services.minutes import build_sections
from meetings.services.ratification import decline_ratification, ratify_decision
from tests.meetings.hearing_helpers import panel
from tests.meetings.test_hearing import awaiting_closure, decide

pytestmark = pytest.mark.django_db


def case_text(p, case) -> str:
    return {s.heading: s.text for s in build_sections(p.meeting)}[case.reference]


def test_a_closure_not_ratified_is_minuted_as_not_ratified_and_the_case_as_still_open():
    p = panel(absent=("police",))
    decision, case = awaiting_closure(p)

    decline_ratification(p.police_chair, decision=decision, note="Missing episodes last week.")

    text = case_text(p, case)
    assert "the closure was not ratified" in text and "the case stays open" in text
    assert "Missing episodes last week." in text
    assert p.police_chair.get_full_name() in text


def test_a_ratified_decision_is_minuted_with_who_ratified_it():
    p = panel(absent=("police",))
    case = p.case()
    decision = decide(p, p.item(case))

    ratify_decision(p.police_chair, decision=decision)

    text = case_text(p, case)
    assert "Not quorate: ratified" in text and p.police_chair.get_full_name() in text
    assert "to be ratified" not in text

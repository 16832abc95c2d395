"""Every meeting write service has a test that checks the audit events it leaves.

Each service (a public function in ``meetings.services`` whose first argument is the acting
user) is named below with the test that asserts its events; a new service missing from the
table fails ``test_every_meeting_write_service_is_covered``, and a named test that no longer
exists or no longer calls the service fails ``test_each_named_test_exercises_its_service``.
(The cases and panel services have the same table in tests/audit/test_completeness.py.)"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import meetings.services

HERE = Path(__file__).parent

COVERED = {
    # scheduling
    # (through tests/meetings/sched_helpers.scheduled, which calls the service)
    "schedule_meeting": (
        "test_scheduling",
        "test_a_coordinator_schedules_a_meeting_with_the_standing_members_copied",
    ),
    "reschedule_meeting": (
        "test_scheduling",
        "test_rescheduling_records_each_change_and_notifies_each_time",
    ),
    "cancel_meeting": (
        "test_scheduling",
        "test_cancelling_moves_pending_items_to_the_end_of_another_meetings_agenda",
    ),
    "add_standing_member": (
        "test_scheduling",
        "test_removing_a_standing_member_is_audited_and_keeps_scheduled_meetings",
    ),
    "remove_standing_member": (
        "test_scheduling",
        "test_removing_a_standing_member_is_audited_and_keeps_scheduled_meetings",
    ),
    "add_meeting_member": ("test_scheduling", "test_a_meetings_members_change_until_it_is_held"),
    "remove_meeting_member": (
        "test_scheduling",
        "test_a_meetings_members_change_until_it_is_held",
    ),
    # agenda: one parametrized test over every write (its _setups table)
    **{
        name: ("test_agenda", "_setups")
        for name in (
            "add_case_item",
            "add_general_item",
            "build_agenda",
            "move_item",
            "publish_agenda",
            "reorder_items",
            "request_case",
            "withdraw_item",
        )
    },
    "shift_item": ("test_agenda", "test_reordering_and_moving_up_and_down"),
    # intelligence items offered from emerging patterns (issue 13)
    "offer_intelligence_item": (
        "../intelligence/test_patterns",
        "test_with_no_meeting_it_waits_on_the_to_be_scheduled_list_and_moves_on",
    ),
    # a rule's flag (intelligence: three missing episodes in 90 days)
    "flag_case": (
        "test_agenda_flag",
        "test_flagging_puts_the_case_on_the_next_agenda_once_and_audits_it",
    ),
    # attendance: its AUDITED table
    **{
        name: ("test_attendance", "AUDITED")
        for name in (
            "add_guest",
            "record_attendance",
            "record_attendance_all",
            "record_confidentiality",
            "record_declaration",
            "remove_guest",
        )
    },
    # research
    "record_research_return": (
        "test_research",
        "test_information_held_is_recorded_for_the_agency_and_audited_without_its_text",
    ),
    # hearing and ratification
    "review_action": ("test_hearing", "test_each_hearing_service_records_exactly_its_events"),
    "agree_action": ("test_hearing", "test_each_hearing_service_records_exactly_its_events"),
    "record_decision": ("test_hearing", "decide"),
    "record_general_item": (
        "test_hearing_general",
        "test_a_general_item_discussed_is_heard_with_its_note_and_audited",
    ),
    "close_hearing": ("test_hearing", "test_each_hearing_service_records_exactly_its_events"),
    "ratify_decision": (
        "test_hearing",
        "test_each_hearing_service_records_exactly_its_events",
    ),
    "decline_ratification": (
        "test_hearing",
        "test_a_chair_may_decline_a_waiting_closure_and_the_case_stays_open",
    ),
    # minutes
    "draft_minutes": ("test_minutes", "test_drafting_is_audited_without_text"),
    "edit_section": ("test_minutes", "test_an_edit_is_audited_as_changed_never_with_its_text"),
    "circulate_minutes": (
        "test_minutes",
        "test_circulating_tells_attendees_chairs_and_coordinators_with_a_link_only",
    ),
    "approve_minutes": ("test_minutes", "test_a_co_chair_approves_and_the_minutes_are_locked"),
    "add_addendum": ("test_minutes", "test_an_addendum_corrects_approved_minutes_and_is_audited"),
}


# Take the acting user but write no case data: notifications only, inside the caller's
# transaction (record_decision calls it at a meeting that is not quorate).
NOT_WRITES = {"tell_ratification_needed"}


# Services the named tests reach through a helper of their own.
HELPERS = {"schedule_meeting": "scheduled("}


def write_services() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(meetings.services.__path__):
        module = importlib.import_module(f"meetings.services.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if (
                fn.__module__ == module.__name__
                and not name.startswith("_")
                and next(iter(inspect.signature(fn).parameters), None) == "actor"
                and name not in NOT_WRITES
            ):
                found.add(name)
    return found


def test_every_meeting_write_service_is_covered():
    assert write_services() == set(COVERED)


@pytest.mark.parametrize("service", sorted(COVERED))
def test_each_named_test_exercises_its_service(service):
    module, name = COVERED[service]
    source = (HERE / f"{module}.py").read_text()
    tree = ast.parse(source)
    named = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.Assign))
        and (
            getattr(node, "name", None) == name
            or any(getattr(t, "id", None) == name for t in getattr(node, "targets", []))
        )
    ]
    assert named, f"{module}.{name} does not exist"
    segment = ast.get_source_segment(source, named[0])
    assert service in segment or HELPERS.get(service, "?") in segment, (
        f"{module}.{name} does not call {service}"
    )

"""Every write of case data. Each service checks that the acting user may do it, applies
the change inside one transaction, and records the audit event in that same transaction.
Views and API viewsets only parse input and call these.

Services take an optional ``now`` for imports and demo data that record history; everything
else lets it default to the current time. One module per sub-domain; import them from here.
"""

from cases.services.actions import (
    add_action,
    can_add_action,
    can_update_action,
    reassign_action,
    update_action,
)
from cases.services.assessments import (
    assess_referral,
    record_assessment,
)
from cases.services.children import (
    can_edit_child_details,
    check_date_of_birth,
    create_child,
    cross_area_strong_matches,
    possible_duplicates,
    update_child_details,
)
from cases.services.common import (
    ADULT_AGE,
    OLDEST_YOUNG_ADULT,
    AnswerInput,
    can_refer,
    coordinates,
    leads_involved_agency,
    may_write,
    review_due_after,
)
from cases.services.cross_area import (
    CrossAreaSignal,
    cross_area_signal,
)
from cases.services.intake import (
    RepeatReferral,
    confirm_new_child,
    link_referral_to_child,
    live_merge,
    refer_new_child,
    undo_child_merge,
)
from cases.services.lifecycle import (
    add_note,
    closure_assessment,
    set_case_team,
    transition_case,
)
from cases.services.referrals import (
    accept_referral,
    next_case_reference,
    submit_referral,
    triage_referral,
)
from cases.services.reviews import (
    can_hold_review,
    hold_review,
)

__all__ = [
    "ADULT_AGE",
    "OLDEST_YOUNG_ADULT",
    "AnswerInput",
    "CrossAreaSignal",
    "RepeatReferral",
    "accept_referral",
    "add_action",
    "add_note",
    "assess_referral",
    "can_add_action",
    "can_edit_child_details",
    "can_hold_review",
    "can_refer",
    "can_update_action",
    "check_date_of_birth",
    "closure_assessment",
    "confirm_new_child",
    "coordinates",
    "create_child",
    "cross_area_signal",
    "cross_area_strong_matches",
    "hold_review",
    "leads_involved_agency",
    "link_referral_to_child",
    "live_merge",
    "may_write",
    "next_case_reference",
    "possible_duplicates",
    "reassign_action",
    "record_assessment",
    "refer_new_child",
    "review_due_after",
    "set_case_team",
    "submit_referral",
    "transition_case",
    "triage_referral",
    "undo_child_merge",
    "update_action",
    "update_child_details",
]

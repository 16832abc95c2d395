"""At the meeting: the cases heard in agenda order, each case's hearing (last meeting's
actions reviewed, research returns, new actions, the risk decision and the panel's
decision), closing the meeting record, and ratification.

Only coordinators of the meeting's area use the hearing pages: a meeting or case the user
may not see is 404 (cases.access.get_for_user), anyone else 403. The ratification page is
for the meeting's co-chairs and the area's coordinators. Every change goes through
meetings.services.hearing / ratification.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from cases.access import get_for_user, record_list
from cases.forms.actions import AddActionForm
from cases.models import Review
from meetings.forms.hearing import (
    ActionReviewForm,
    CloseHearingForm,
    DecisionForm,
    RatificationForm,
)
from meetings.models import (
    ActionReview,
    AgendaItem,
    AgendaItemKind,
    AgendaItemStatus,
    CaseDecision,
    DecisionKind,
    Meeting,
    MeetingStatus,
    ResearchReturn,
)
from meetings.services import hearing, ratification
from meetings.services.common import chairs_meeting, coordinates_meeting
from meetings.services.quorum import quorum_state
from panel.dates import london_today
from panel.errors import Conflict
from panel.forms_govuk import add_service_errors


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    """The meeting (404 if the user may not see it), for its coordinators only (403)."""
    meeting = get_for_user(
        Meeting, request.user, pk, queryset=Meeting.objects.select_related("area")
    )
    if not coordinates_meeting(request.user, meeting):
        raise PermissionDenied("Only a coordinator of this area may record the hearing.")
    return meeting


ITEM_RELATED = (
    "meeting",
    "meeting__area",
    "case",
    "case__child",
    "case__area",
    "case__lead_agency",
    "case__lead_professional",
)


def _item(request: HttpRequest, pk: int, item_pk: int, *, viewed: bool = False) -> AgendaItem:
    """A case on the meeting's agenda: 404 unless the user may see the case, 403 unless
    they coordinate the area."""
    item = get_for_user(
        AgendaItem,
        request.user,
        item_pk,
        viewed=viewed,
        queryset=AgendaItem.objects.filter(meeting_id=pk, kind=AgendaItemKind.CASE)
        .select_related(*ITEM_RELATED)
        .prefetch_related("agreed_actions__owning_agency"),
    )
    if not coordinates_meeting(request.user, item.meeting):
        raise PermissionDenied("Only a coordinator of this area may record the hearing.")
    return item


@login_required
def hearing_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The cases to hear, in agenda order, with the quorum as attendance stands; then the
    general business, each minuted as discussed with what was said."""
    meeting = _meeting(request, pk)
    items = (
        AgendaItem.objects.filter(meeting=meeting)
        .exclude(status__in=[AgendaItemStatus.MOVED, AgendaItemStatus.WITHDRAWN])
        .select_related("case", "case__child", "decision")
        .order_by("order", "pk")
    )
    shown = record_list(
        request.user, items, list_name=request.resolver_match.view_name, model=AgendaItem
    )
    return render(
        request,
        "meetings/hearing/index.html",
        {
            "meeting": meeting,
            "items": [i for i in shown if i.kind == AgendaItemKind.CASE],
            "general": [i for i in shown if i.kind != AgendaItemKind.CASE],
            "quorum": quorum_state(meeting),
            "not_held": hearing.being_held(meeting, london_today()),
            "nav_current": "hearing",
        },
    )


@login_required
@require_POST
def record_general(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Minute an item of general business as discussed, with what was said (optional)."""
    meeting = _meeting(request, pk)
    item = get_for_user(
        AgendaItem,
        request.user,
        item_pk,
        queryset=AgendaItem.objects.filter(meeting=meeting).exclude(kind=AgendaItemKind.CASE),
    )
    try:
        hearing.record_general_item(request.user, item=item, note=request.POST.get("note", ""))
        messages.success(request, f"“{item.title}” minuted as discussed.")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except Conflict as error:
        messages.error(request, str(error))
    return redirect("meetings:hearing", pk=meeting.pk)


def _render_item(
    request: HttpRequest,
    item: AgendaItem,
    *,
    decision_form: DecisionForm | None = None,
    action_form: AddActionForm | None = None,
    review_forms: dict[int, ActionReviewForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    case = item.case
    meeting = item.meeting
    to_review = list(hearing.actions_to_review(item))
    reviewed = {r.action_id: r for r in ActionReview.objects.filter(item=item)}
    review_forms = review_forms or {}
    today = london_today()
    rows = [
        {
            "action": action,
            "overdue": action.is_overdue(today),
            "reviewed": reviewed.get(action.pk),
            "form": review_forms.get(action.pk) or ActionReviewForm(prefix=f"review-{action.pk}"),
        }
        for action in to_review
    ]
    decision = (
        CaseDecision.objects.filter(item=item).select_related("review", "escalation_action").first()
    )
    context = {
        "meeting": meeting,
        "item": item,
        "case": case,
        "child": case.child,
        "quorum": quorum_state(meeting),
        "not_held": hearing.being_held(meeting, today),
        "assessments": list(
            case.assessments.select_related("assessed_by").order_by("-assessed_at", "-id")[:8]
        ),
        "earlier_decisions": list(
            CaseDecision.objects.filter(case=case)
            .exclude(item=item)
            .select_related("meeting")
            .order_by("-recorded_at")[:5]
        ),
        "action_rows": rows,
        "agreed_actions": list(item.agreed_actions.all()),
        "research": list(
            ResearchReturn.objects.visible_to(request.user)
            .filter(item=item)
            .select_related("agency")
            .order_by("agency__name")
        ),
        "upcoming_review": case.reviews.filter(status=Review.Status.UPCOMING).first(),
        "attending": hearing.attending_for(meeting, case),
        "decision": decision,
        "decision_form": decision_form or DecisionForm(case=case),
        "action_form": action_form or AddActionForm(case=case),
        "kinds": DecisionKind,
        "nav_current": "hearing",
    }
    return render(request, "meetings/hearing/item.html", context, status=status)


@login_required
def hearing_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One case heard: what the coordinator needs in front of the panel, and the forms."""
    return _render_item(request, _item(request, pk, item_pk, viewed=True))


def _back(item: AgendaItem) -> HttpResponse:
    return redirect("meetings:hearing-item", pk=item.meeting_id, item_pk=item.pk)


@login_required
@require_POST
def record_decision(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    form = DecisionForm(request.POST, case=item.case)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decision = hearing.record_decision(request.user, item=item, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return _back(item)
        else:
            note = (
                " The meeting is not quorate: the decision is to be ratified."
                if not decision.quorate
                else ""
            )
            messages.success(request, f"Decision recorded: {decision.get_kind_display()}.{note}")
            return redirect("meetings:hearing", pk=item.meeting_id)
    return _render_item(request, item, decision_form=form, status=400)


@login_required
@require_POST
def review_action(request: HttpRequest, pk: int, item_pk: int, action_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    action = hearing.actions_to_review(item).filter(pk=action_pk).first()
    if action is None:
        raise Http404("No such action to review.")
    form = ActionReviewForm(request.POST, prefix=f"review-{action.pk}")
    if form.is_valid():
        try:
            hearing.review_action(request.user, item=item, action=action, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return _back(item)
        else:
            messages.success(request, "Action review recorded.")
            return _back(item)
    return _render_item(request, item, review_forms={action.pk: form}, status=400)


@login_required
@require_POST
def agree_action(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    form = AddActionForm(request.POST, case=item.case)
    if form.is_valid():
        try:
            action = hearing.agree_action(request.user, item=item, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return _back(item)
        else:
            messages.success(
                request, f"Action agreed for {action.owning_agency}. Its agency leads are told."
            )
            return _back(item)
    return _render_item(request, item, action_form=form, status=400)


@login_required
def close_hearing(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the meeting record: a preview of what is carried over, then held."""
    meeting = _meeting(request, pk)
    form = CloseHearingForm(request.POST or None, initial={"version": meeting.version})
    if request.method == "POST" and form.is_valid():
        try:
            hearing.close_hearing(
                request.user, meeting=meeting, version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("meetings:hearing", pk=meeting.pk)
        else:
            messages.success(request, "The meeting is recorded as held.")
            return redirect("meetings:hearing", pk=meeting.pk)
    pending = record_list(
        request.user,
        hearing.not_reached(meeting).select_related("case__child"),
        list_name=request.resolver_match.view_name,
        model=AgendaItem,
    )
    return render(
        request,
        "meetings/hearing/close.html",
        {
            "meeting": meeting,
            "form": form,
            "pending": pending,
            "next_meeting": hearing.next_meeting(meeting),
            "not_held": hearing.being_held(meeting, london_today()),
            "nav_current": "hearing",
        },
    )


# --- ratification ---------------------------------------------------------------------------


def _ratifier(request: HttpRequest, pk: int) -> tuple[Meeting, bool, bool]:
    meeting = get_for_user(
        Meeting, request.user, pk, queryset=Meeting.objects.select_related("area")
    )
    chair = chairs_meeting(request.user, meeting)
    coordinator = coordinates_meeting(request.user, meeting)
    if not (chair or coordinator):
        raise PermissionDenied("Ratification is for the meeting's co-chairs and coordinators.")
    return meeting, chair, coordinator


DECISION_RELATED = ("meeting", "case", "case__child", "escalation_action")


@login_required
def ratify_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Decisions of this meeting waiting for ratification (a co-chair ratifies them), and,
    for a coordinator at a quorate later meeting, those of earlier meetings of the area."""
    meeting, chair, coordinator = _ratifier(request, pk)
    own = ratification.awaiting_ratification(meeting).select_related(*DECISION_RELATED)
    quorum = quorum_state(meeting)
    may_record_here = (
        coordinator
        and quorum.quorate
        and meeting.status in (MeetingStatus.PUBLISHED, MeetingStatus.HELD)
    )
    earlier = (
        ratification.ratifiable_at(meeting).select_related(*DECISION_RELATED)
        if may_record_here
        else CaseDecision.objects.none()
    )
    visible = CaseDecision.objects.visible_to(request.user)
    own = record_list(
        request.user,
        [*own.filter(pk__in=visible.values("pk")), *earlier.filter(pk__in=visible.values("pk"))],
        list_name=request.resolver_match.view_name,
        model=CaseDecision,
    )
    return render(
        request,
        "meetings/hearing/ratify.html",
        {
            "meeting": meeting,
            "own": [d for d in own if d.meeting_id == meeting.pk],
            "earlier": [d for d in own if d.meeting_id != meeting.pk],
            "chair": chair,
            "may_record_here": may_record_here,
            "quorum": quorum,
            "form": RatificationForm(),
            "nav_current": "hearing",
        },
    )


@login_required
@require_POST
def ratify(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    """Ratify (or, for a waiting closure, decline) one decision: as a co-chair of the
    decision's meeting, or as a coordinator at this later quorate meeting."""
    meeting, _chair, _coordinator = _ratifier(request, pk)
    decision = get_for_user(
        CaseDecision,
        request.user,
        decision_pk,
        queryset=CaseDecision.objects.select_related("meeting", "case"),
    )
    at_meeting = None if decision.meeting_id == meeting.pk else meeting
    form = RatificationForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    try:
        if "decline" in request.POST:
            ratification.decline_ratification(
                request.user, decision=decision, note=note, at_meeting=at_meeting
            )
            messages.success(request, "The closure is not ratified: the case stays open.")
        else:
            ratification.ratify_decision(
                request.user, decision=decision, at_meeting=at_meeting, note=note
            )
            messages.success(request, "Decision ratified.")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except Conflict as error:
        messages.error(request, str(error))
    return redirect("meetings:ratify", pk=meeting.pk)


urlpatterns = [
    path("<int:pk>/hearing/", hearing_page, name="hearing"),
    path("<int:pk>/hearing/close/", close_hearing, name="hearing-close"),
    path("<int:pk>/hearing/general/<int:item_pk>/", record_general, name="hearing-general"),
    path("<int:pk>/hearing/<int:item_pk>/", hearing_item, name="hearing-item"),
    path("<int:pk>/hearing/<int:item_pk>/decision/", record_decision, name="hearing-decision"),
    path("<int:pk>/hearing/<int:item_pk>/actions/new/", agree_action, name="hearing-action-add"),
    path(
        "<int:pk>/hearing/<int:item_pk>/actions/<int:action_pk>/review/",
        review_action,
        name="hearing-action-review",
    ),
    path("<int:pk>/ratify/", ratify_page, name="ratify"),
    path("<int:pk>/ratify/<int:decision_pk>/", ratify, name="ratify-decision"),
]

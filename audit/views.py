"""The auditor's pages: search the trail, a case's full history, who viewed a child's
record, and a CSV export of a search (itself recorded)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from audit import selectors
from audit.forms import EventSearchForm
from audit.labels import readable
from audit.models import AuditEvent
from audit.paging import keyset_page
from audit.services import record
from cases.access import get_for_user
from cases.models import Case, Child
from panel.exports import safe_csv_writer
from panel.models import User

EXPORT_LIMIT = 50_000
COLUMNS = [
    "id", "at", "actor_label", "actor_agency", "actor_roles", "verb", "object_type",
    "object_id", "case_reference", "changes", "request_id", "client_address",
]  # fmt: skip
# Beside the raw values, which the export keeps: the record and the changes in plain English.
READABLE_COLUMNS = ["record", "changes_readable"]
CHUNK = 2000
# Events on one page of a case's history (the largest case has thousands), as many
# as a page of the audit search.
CASE_HISTORY_PAGE = 50


def _auditor(request: HttpRequest) -> None:
    if not request.user.is_auditor:
        raise PermissionDenied("The audit trail is for auditors.")


@login_required
def event_search(request: HttpRequest) -> HttpResponse:
    _auditor(request)
    form = EventSearchForm(request.GET or None)
    criteria, chosen, people = _criteria(form)
    events = selectors.search(criteria) if criteria else AuditEvent.objects.none()
    page = keyset_page(events, before=request.GET.get("before"), after=request.GET.get("after"))
    query = request.GET.copy()
    for key in ("before", "after", "page"):
        query.pop(key, None)
    choose = query.copy()
    choose.pop("actor", None)
    context = {
        "form": form,
        "page": page,
        "rows": readable(page),
        "query": query.urlencode(),
        "chosen": chosen,
        "people": people,
        "choose_query": choose.urlencode(),
        "people_shown": selectors.PEOPLE_SHOWN,
    }
    return render(request, "audit/search.html", context)


def _criteria(
    form: EventSearchForm,
) -> tuple[selectors.EventFilter | None, User | None, list[User]]:
    """The search to run (None: nothing to show, the form has errors or a person was typed
    but not yet chosen), the person chosen, and the people to choose from."""
    criteria = form.criteria()
    chosen, people = _person(criteria)
    if chosen is not None:
        criteria = replace(criteria, actor=chosen.pk)
    elif criteria.person.strip():
        return None, None, people  # typed but not (or no longer) chosen
    if form.errors:
        return None, chosen, people
    return criteria, chosen, people


def _person(criteria: selectors.EventFilter) -> tuple[User | None, list[User]]:
    """The person chosen (by id, or the only one matching what was typed) and, while none
    is, the people matching what was typed to choose from."""
    if criteria.actor:
        chosen = User.objects.select_related("agency").filter(pk=criteria.actor).first()
        # The chosen person stays (a hidden field) while the name typed still fits them;
        # a different name typed is a new choice.
        if chosen is None or selectors.person_fits(chosen, criteria.person):
            return chosen, []
    if not criteria.person.strip():
        return None, []
    people = selectors.people_matching(criteria.person)
    if len(people) == 1:
        return people[0], []
    return None, people


def _chunks(items: Iterable[AuditEvent], size: int) -> Iterator[list[AuditEvent]]:
    chunk: list[AuditEvent] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    """The search as CSV. The export is itself an audit event, with the filters used."""
    _auditor(request)
    form = EventSearchForm(request.GET or None)
    if form.errors:
        return render(request, "audit/search.html", {"form": form, "page": None}, status=400)
    chosen_criteria, _chosen, _people = _criteria(form)
    # A person typed but not chosen exports nothing (the page shows whom to choose).
    criteria = chosen_criteria or form.criteria()
    with transaction.atomic():
        record(
            actor=request.user,
            verb=AuditEvent.Verb.EXPORTED,
            object_type="audit.auditevent",
            case_reference=criteria.case_reference.strip().upper()[:20],
            changes={"filters": criteria.as_dict()},
        )
    events = selectors.search(criteria) if chosen_criteria else AuditEvent.objects.none()
    events = events[:EXPORT_LIMIT]
    # Cells that would open as a formula (a search term, a proxy's request id) are text.
    writer = safe_csv_writer(_Echo())

    def rows():
        yield writer.writerow([*COLUMNS, *READABLE_COLUMNS])
        # Labels are looked up a chunk at a time: a few queries per 2,000 rows.
        for chunk in _chunks(events.iterator(chunk_size=CHUNK), CHUNK):
            for row in readable(chunk):
                event = row.event
                values = [getattr(event, name) for name in COLUMNS]
                values[COLUMNS.index("changes")] = json.dumps(event.changes, sort_keys=True)
                yield writer.writerow([*values, row.record, row.changes_text()])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-events.csv"'
    return response


@login_required
def case_history(request: HttpRequest, pk: int) -> HttpResponse:
    _auditor(request)
    case = get_for_user(Case, request.user, pk, queryset=Case.objects.select_related("child"))
    # One page at a time (keyset, off the ``audit_reference`` index), never the whole
    # trail of a long case: the most recent events first, "earlier" and "later" links
    # move along it, and each page reads oldest first as the page always has.
    page = keyset_page(
        selectors.case_history(case),
        before=request.GET.get("before"),
        after=request.GET.get("after"),
        size=CASE_HISTORY_PAGE,
    )
    events = page.rows[::-1]
    context = {"case": case, "page": page, "events": events, "rows": readable(events)}
    return render(request, "audit/case_history.html", context)


@login_required
def child_viewers(request: HttpRequest, pk: int) -> HttpResponse:
    _auditor(request)
    child = get_for_user(Child, request.user, pk)
    page = Paginator(selectors.child_record_views(child), 100).get_page(request.GET.get("page"))
    context = {"child": child, "page": page, "rows": readable(page)}
    return render(request, "audit/child_viewers.html", context)

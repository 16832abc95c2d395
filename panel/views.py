from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import permission_denied as django_permission_denied

from audit.services import record_refusal
from panel.health import (
    broker_status,
    database_status,
    may_see_health_details,
    worker_status,
)
from panel.models import Area
from reports.dashboards import build_dashboard


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in start page: a work queue for each of the user's roles (figures that
    link to the lists that make them up, reports/dashboards.py) and who to call. The
    numbers to call are the page for referrers and people with no panel role; beside a work
    queue they sit in a corner. The 999 warning is on every home page."""
    board = build_dashboard(request.user, list_name=request.resolver_match.view_name)
    return render(
        request,
        "panel/home.html",
        {"areas": Area.objects.all(), "board": board, "user_roles": request.user.roles},
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Up or not, for anyone (a load balancer); which part is down, and the worker's last
    heartbeat, only for staff or a monitor holding HEALTHZ_TOKEN: the details name the
    database and broker in use, which an anonymous caller has no need to learn."""
    database = database_status()
    broker = broker_status()
    ok = database["ok"] and broker["ok"]
    body = {"status": "ok" if ok else "unavailable"}
    if may_see_health_details(request):
        body["database"] = database
        body["broker"] = broker
        body["worker"] = worker_status() if database["ok"] else {"last_heartbeat": None}
    return JsonResponse(body, status=200 if ok else 503)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 403 page, with the refusal recorded as ``denied`` (the one place for every
    page: views raise PermissionDenied and never record it themselves)."""
    record_refusal(request)
    return django_permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 page, except under /api/: there a path no route matches (an id that is
    not a number, say) is answered like every other API 404, in JSON as the schema says,
    never with the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return django_page_not_found(request, exception)

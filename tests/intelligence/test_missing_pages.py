"""The missing episodes pages and API: what each person sees and may do, the audit trail,
and constant query counts (intelligence/views/missing.py, intelligence/api/missing.py)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from intelligence.models import MissingEpisode
from notifications.models import Notification
from tests.factories import LocationFactory, auditor, grant_intelligence
from tests.intelligence.missing_helpers import episode_on, open_case
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


def list_url(case):
    return reverse("intelligence:missing-list", args=[case.pk])


def detail_url(episode):
    return reverse("intelligence:missing-detail", args=[episode.case_id, episode.pk])


def form_data(**overrides):
    when = timezone.localtime(timezone.now() - dt.timedelta(days=2))
    back = when + 6 * H
    data = {
        "reported_on_day": when.day, "reported_on_month": when.month,
        "reported_on_year": when.year, "reported_time": when.strftime("%H:%M"),
        "returned_on_day": back.day, "returned_on_month": back.month,
        "returned_on_year": back.year, "returned_time": back.strftime("%H:%M"),
        "found_place": "Testplace 12 Takeaway", "interview": "not_yet", "notes": "",
    }  # fmt: skip
    return data | overrides


def test_the_lead_professional_records_an_episode_with_a_place_in_words(client):
    team = open_case()
    client.force_login(team.lead_prof)
    page = client.get(reverse("intelligence:missing-new", args=[team.case.pk])).content.decode()
    assert "Where found, in words" in page
    assert "a location record" not in page  # not granted intelligence: no locations offered

    response = client.post(reverse("intelligence:missing-new", args=[team.case.pk]), form_data())

    episode = MissingEpisode.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(episode)
    assert (episode.found_place, episode.recorded_by) == ("Testplace 12 Takeaway", team.lead_prof)
    detail = client.get(detail_url(episode)).content.decode()
    assert "Testplace 12 Takeaway" in detail and "Interview due" in detail
    assert Notification.objects.filter(kind="missing_episode", recipient=team.boss).exists()


def test_an_empty_form_comes_back_with_its_errors_and_nothing_is_made(client):
    team = open_case()
    client.force_login(team.boss)
    response = client.post(reverse("intelligence:missing-new", args=[team.case.pk]), {})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "Enter the date" in response.content.decode()
    assert not MissingEpisode.objects.exists()


def test_a_time_found_before_reported_is_shown_by_the_field(client):
    team = open_case()
    client.force_login(team.boss)
    data = form_data(returned_time="00:00", reported_time="23:59")
    data |= {k.replace("returned", "reported"): v for k, v in data.items() if "returned_on" in k}
    response = client.post(reverse("intelligence:missing-new", args=[team.case.pk]), data)
    assert response.status_code == 400
    assert "cannot be found before they were reported missing" in response.content.decode()


def test_a_coordinator_picks_a_location_others_see_only_its_kind(client):
    team = open_case()
    location = LocationFactory(area=team.case.area, name="Testplace 0042 Takeaway")
    client.force_login(team.boss)
    data = form_data(found_place="", found_location=location.pk)
    client.post(reverse("intelligence:missing-new", args=[team.case.pk]), data)
    episode = MissingEpisode.objects.get()
    assert episode.found_location == location
    assert "Testplace 0042 Takeaway" in client.get(detail_url(episode)).content.decode()

    client.force_login(team.lead)  # involved, not granted
    for url in (list_url(team.case), detail_url(episode)):
        page = client.get(url).content.decode()
        assert "Testplace 0042" not in page and location.address not in page
        assert "A takeaway" in page


def test_an_auditor_reads_and_may_not_record(client):
    team = open_case()
    episode = episode_on(team.case)
    client.force_login(auditor())
    assert client.get(detail_url(episode)).status_code == 200
    assert "Record a missing episode" not in client.get(list_url(team.case)).content.decode()
    assert client.get(reverse("intelligence:missing-new", args=[team.case.pk])).status_code == 403


def test_an_episode_of_another_case_is_404_under_this_one(client):
    team, other = open_case(), open_case()
    episode = episode_on(other.case)
    client.force_login(team.boss)
    url = reverse("intelligence:missing-detail", args=[team.case.pk, episode.pk])
    assert client.get(url).status_code == 404


def test_updating_records_the_interview_and_a_stale_form_is_refused(client):
    team = open_case()
    episode = episode_on(team.case, days_ago=3, returned_hours=2)
    url = reverse("intelligence:missing-edit", args=[team.case.pk, episode.pk])
    client.force_login(team.lead)
    held = timezone.localtime(episode.returned_at + 24 * H)
    form = client.get(url).context["form"]
    parts = ("day", "month", "year")
    data = {
        **{k: v for k, v in form_data().items() if not k.startswith(("reported", "returned"))},
        **{f"reported_on_{p}": getattr(form.initial["reported_on"], p) for p in parts},
        "reported_time": form.initial["reported_time"],
        **{f"returned_on_{p}": getattr(form.initial["returned_on"], p) for p in parts},
        "returned_time": form.initial["returned_time"],
        "found_place": "", "interview": "held", "interview_by": "Test Worker (fictional)",
        "held_on_day": held.day, "held_on_month": held.month, "held_on_year": held.year,
        "held_time": held.strftime("%H:%M"), "version": 1,
    }  # fmt: skip
    assert client.post(url, data).status_code == 302
    episode.refresh_from_db()
    assert (episode.interview, episode.version) == ("held", 2)
    assert episode.interview_within_72_hours
    assert "Held within 72 hours" in client.get(detail_url(episode)).content.decode()

    stale = client.post(url, data | {"notes": "Later."})
    assert stale.status_code == 409
    assert "Someone else changed this missing episode" in stale.content.decode()


def test_the_list_and_the_page_are_audited(client):
    team = open_case()
    episode = episode_on(team.case)
    client.force_login(team.lead)
    client.get(list_url(team.case))
    client.get(detail_url(episode))
    listed = AuditEvent.objects.get(verb="listed", object_type="intelligence.missingepisode")
    assert listed.changes["listed_count"] >= 1
    assert AuditEvent.objects.filter(
        verb="viewed", object_type="intelligence.missingepisode", object_id=str(episode.pk)
    ).exists()


def test_the_case_page_shows_the_summary(client):
    team = open_case()
    for days in (100, 40, 20, 5):
        episode_on(team.case, days_ago=days)
    client.force_login(team.lead)
    page = client.get(reverse("cases:case-detail", args=[team.case.pk])).content.decode()
    assert "Missing episodes" in page
    assert "Repeatedly missing" in page
    assert "Held within 72 hours of 0 of 4 returns" in page


# --- query counts -------------------------------------------------------------------------

# session, user, roles, the case, the episodes, the locations seen among them, the
# summary, who may record (the involved agency), unread notifications; the listed event
# (with the actor's agency).
LIST_QUERIES = 9 + audit_event_queries(agency=True, listed_rows=True)
# session, user, roles, the episode (case, area, location, recorder), the locations seen,
# who may record, unread notifications; the viewed event.
DETAIL_QUERIES = 7 + audit_event_queries(agency=False)


@pytest.mark.parametrize("rows", [1, 25])
def test_the_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, rows):
    team = open_case()
    location = LocationFactory(area=team.case.area)
    for n in range(rows):
        episode_on(team.case, days_ago=n + 1, found_location=None if n % 2 else location)
    client.force_login(team.lead)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(list_url(team.case)).status_code == 200


@pytest.mark.parametrize("granted", [False, True])
def test_the_episode_page_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, granted
):
    team = open_case()
    if granted:
        grant_intelligence(team.agency)
    episode = episode_on(team.case, found_location=LocationFactory(area=team.case.area))
    client.force_login(team.lead)
    with django_assert_num_queries(DETAIL_QUERIES + int(granted)):
        assert client.get(detail_url(episode)).status_code == 200


# --- the API ------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


URL = "/api/v1/intelligence/missing-episodes/"


def test_the_api_lists_with_filters_and_hides_locations_not_seen():
    team = open_case()
    location = LocationFactory(area=team.case.area, name="Testplace 0077 Takeaway")
    old = episode_on(team.case, days_ago=30, found_location=location)
    new = episode_on(team.case, days_ago=2, interview="offered")
    new.interview_offered_at = new.returned_at + H
    new.save()
    episode_on(open_case().case)  # another case: the lead does not see it

    body = api(team.lead).get(URL).json()
    assert [row["id"] for row in body["results"]] == [new.pk, old.pk]
    assert body["results"][1]["found_location"] == {"id": None, "name": None, "kind": "takeaway"}
    assert body["results"][0]["interview_state"] in ("due", "overdue")

    after = (timezone.now() - dt.timedelta(days=10)).isoformat()
    filtered = api(team.lead).get(URL, {"reported_after": after}).json()["results"]
    assert [row["id"] for row in filtered] == [new.pk]
    offered = api(team.lead).get(URL, {"interview": "offered", "case": team.case.pk}).json()
    assert [row["id"] for row in offered["results"]] == [new.pk]
    seen = api(team.boss).get(f"{URL}{old.pk}/").json()
    assert seen["found_location"]["name"] == "Testplace 0077 Takeaway"


def test_the_api_records_and_updates_with_version_checks():
    team = open_case()
    reported = timezone.now() - dt.timedelta(days=1)
    made = api(team.lead_prof).post(
        URL,
        {"case": team.case.pk, "reported_missing_at": reported.isoformat(),
         "found_place": "Testplace 12 Takeaway"},
        format="json",
    )  # fmt: skip
    assert made.status_code == 400
    assert "returned_at" in made.json()

    made = api(team.lead_prof).post(
        URL, {"case": team.case.pk, "reported_missing_at": reported.isoformat()}, format="json"
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    update = f"{URL}{pk}/update/"
    returned = (reported + 5 * H).isoformat()
    changed = api(team.boss).post(update, {"version": 1, "returned_at": returned}, format="json")
    assert changed.status_code == 200
    assert changed.json()["version"] == 2 and changed.json()["interview_state"] == "due"
    stale = api(team.lead).post(update, {"version": 1, "notes": "Late."}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert api(auditor()).post(update, {"version": 2}, format="json").status_code == 403

"""The meeting pack shows each agenda case's missing episodes, and how many in the last 90
days (issue 13), read in one query for every case in the pack."""

from __future__ import annotations

import pytest

from meetings import documents
from meetings.documents import content
from tests.intelligence.missing_helpers import episode_on
from tests.meetings.docs_helpers import (
    eager_fixture,  # noqa: F401 (the "eager" fixture)
    pack_world,
    pdf_text,
    squash,
    storage_fixture,  # noqa: F401 (the "storage" fixture)
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]


def test_each_case_in_the_pack_shows_its_missing_episodes(
    eager, django_capture_on_commit_callbacks
):
    world = pack_world()
    for days in (200, 60, 10):
        episode_on(world.theirs.case, days_ago=days)

    with django_capture_on_commit_callbacks(execute=True):
        document = documents.document_for(world.coordinator, world.meeting, "pack")
    document.refresh_from_db()
    context = content.pack(document, lambda percent: None)
    shown = {s.case.pk: s.extra["missing"] for s in context["summaries"]}
    assert shown == {world.theirs.case.pk: (3, 2), world.other.case.pk: (0, 0)}

    text = pdf_text(documents.stamped_pdf(document, world.coordinator))
    assert squash("3 (2 in the last 90 days)") in text
    assert squash("0 (0 in the last 90 days)") in text


def test_the_counts_are_one_query_whatever_the_number_of_cases(django_assert_num_queries):
    from intelligence.episodes import counts_by_case
    from intelligence.models import MissingEpisode

    world = pack_world(cases_of_theirs=4)
    episode_on(world.theirs.case)
    with django_assert_num_queries(1):
        counts_by_case(MissingEpisode.objects.all())

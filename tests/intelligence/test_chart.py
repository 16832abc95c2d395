"""The link chart (intelligence/chart.py, intelligence/views/chart.py): two steps out,
capped, scoped to the viewer, drawn with graphviz's dot, with the links as a table."""

import re
import shutil

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from intelligence import chart as charts
from tests.factories import (
    AgencyFactory,
    LinkFactory,
    LocationFactory,
    PersonOfConcernFactory,
    VehicleFactory,
    agency_lead,
    auditor,
    coordinator,
    grant_intelligence,
    make_case,
    staffordshire,
    stoke,
)
from tests.queries import audit_event_queries

pytestmark = pytest.mark.django_db

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="graphviz's dot is not installed (CI installs it)"
)


def labels(chart):
    return {node.label for node in chart.nodes}


@pytest.fixture
def network():
    """case_a's child -- person -- case_b's child; person -- vehicle -- location (three
    steps from case_a's child); case_c in Stoke linked to person too."""
    case_a = make_case()
    case_b = make_case()
    case_c = make_case(area=stoke())
    person = PersonOfConcernFactory(name="Testperson-Chart One")
    vehicle = VehicleFactory(registration="TE51 ABC")
    location = LocationFactory(name="Testplace Chart Far Takeaway")
    LinkFactory(case=case_a, person=person)
    LinkFactory(case=case_b, person=person, relationship="gave_gifts")
    LinkFactory(case=case_c, person=person)
    LinkFactory(case=None, person=person, vehicle=vehicle, relationship="drives")
    LinkFactory(case=None, person=None, vehicle=vehicle, location=location)
    return case_a, case_b, case_c, person, vehicle, location


def test_two_steps_out_and_no_further(network):
    case_a, case_b, _, person, _, _ = network
    chart = charts.chart_for_case(coordinator(), case_a)
    found = labels(chart)
    assert person.name in found  # one step
    assert f"{case_b.reference} {case_b.child.full_name}" in found  # two steps
    assert any(label.startswith("TE51ABC") for label in found)  # two steps
    assert not any("Far Takeaway" in label for label in found)  # three steps
    assert chart.start.label.startswith(case_a.reference)


def test_a_child_whose_case_the_viewer_may_not_open_is_another_child_of_an_area(network):
    case_a, _, case_c, *_ = network
    chart = charts.chart_for_case(coordinator(), case_a)
    assert "Another child (Stoke-on-Trent)" in labels(chart) or any(
        label.startswith("Another child (") for label in labels(chart)
    )
    assert not any(case_c.reference in label for label in labels(chart))
    anonymous = [node for node in chart.nodes if node.label.startswith("Another child")]
    assert len(anonymous) == 1 and anonymous[0].url is None
    assert str(case_c.area) in anonymous[0].label
    dot = charts.to_dot(chart)
    assert case_c.reference not in dot and case_c.child.first_name not in dot, dot


def test_ended_links_are_not_drawn(network):
    case_a, case_b, *_ = network
    from django.utils import timezone

    case_b.intelligence_links.update(ended_at=timezone.now())
    assert not any(case_b.reference in label for label in labels(
        charts.chart_for_case(coordinator(), case_a)
    ))  # fmt: skip


def test_a_lead_not_granted_sees_no_node_and_a_c_item_is_hidden_from_a_granted_lead():
    police, health = AgencyFactory(name="Test Police (fictional)"), AgencyFactory()
    grant_intelligence(police, staffordshire())
    case = make_case(agencies=[health])
    seen = PersonOfConcernFactory(name="Testperson-Chart Seen")
    hidden = PersonOfConcernFactory(
        name="Testperson-Chart Hidden", handling_code="C", handling_conditions="Not shared.",
        source_agency=health,
    )  # fmt: skip
    LinkFactory(case=case, person=seen)
    LinkFactory(case=case, person=hidden, source_agency=health)
    lead = agency_lead(police)
    found = labels(charts.chart_for_record(lead, seen))
    assert found == {seen.name, "Another child (Staffordshire)"} or (
        seen.name in found and "Testperson-Chart Hidden" not in found
    )
    assert "Testperson-Chart Hidden" not in labels(charts.chart_for_record(lead, seen))
    not_granted = agency_lead(health)
    chart = charts.chart_for_case(not_granted, case)
    assert chart.nodes == [chart.start] and chart.edges == []
    assert {seen.name, hidden.name} <= labels(charts.chart_for_case(coordinator(), case))
    assert {seen.name, hidden.name} <= labels(charts.chart_for_case(auditor(), case))


def test_the_chart_is_capped_and_says_how_many_more(network):
    _, _, _, person, _, _ = network
    for _ in range(5):
        LinkFactory(case=make_case(), person=person)
    chart = charts.build_chart(coordinator(), charts.chart_for_record(coordinator(), person).start,
                               max_nodes=4)  # fmt: skip
    assert len(chart.nodes) == 4
    # within reach besides the start: 3 + 5 children, the vehicle and (two steps) the
    # location; 3 drawn
    assert chart.hidden == 3 + 5 + 1 + 1 - 3
    assert all(edge.source in chart.nodes and edge.target in chart.nodes for edge in chart.edges)


def test_labels_are_escaped_for_dot():
    assert charts.dot_quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


@needs_dot
def test_the_svg_is_inline_named_and_has_no_prologue_script_or_style(network):
    case_a, *_ = network
    person = network[3]
    person.name = 'Testperson "quoted" <b>Bold</b>'
    person.save()
    chart = charts.chart_for_case(coordinator(), case_a)
    svg = charts.render_svg(chart, "Link chart: test")
    assert svg.startswith("<svg")
    assert 'role="img"' in svg and 'aria-label="Link chart: test"' in svg
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<!--" not in svg
    assert "<script" not in svg and " style=" not in svg
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert svg.count('class="node"') == len(chart.nodes)
    # Its own size, graphviz's points read as pixels (the CSS scales it down to fit).
    assert re.search(r'<svg[^>]* width="[0-9.]+" height="[0-9.]+"', svg)


def test_without_dot_the_page_says_the_chart_could_not_be_drawn(client, network, monkeypatch):
    monkeypatch.setattr(charts.shutil, "which", lambda name: None)
    case_a = network[0]
    client.force_login(coordinator())
    page = client.get(reverse("intelligence:case-chart", args=[case_a.pk])).content.decode()
    assert "The chart could not be drawn" in page
    assert 'role="img"' not in page
    assert "Testperson-Chart One" in page  # the table


@needs_dot
def test_the_case_page_draws_the_chart_and_the_table(client, network):
    case_a, case_b, case_c, *_ = network
    client.force_login(coordinator())
    response = client.get(reverse("intelligence:case-chart", args=[case_a.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<svg[^>]*role="img"', page)
    assert '<th scope="col" class="govuk-table__header">Relationship</th>' in page
    assert "Gave gifts" in page and case_b.reference in page and case_c.reference not in page
    event = AuditEvent.objects.filter(verb="viewed", object_type="cases.case").latest("id")
    assert event.object_id == str(case_a.pk)


def test_a_lead_on_the_case_not_granted_gets_403_and_others_404(client, network):
    case_a = network[0]
    url = reverse("intelligence:case-chart", args=[case_a.pk])
    involved = agency_lead(case_a.lead_agency)
    client.force_login(involved)
    assert client.get(url).status_code == 403
    client.force_login(coordinator(stoke()))
    assert client.get(url).status_code == 404
    client.force_login(auditor())
    assert client.get(url).status_code == 200


def test_a_record_out_of_scope_is_404(client, network):
    person = network[3]
    client.force_login(coordinator(stoke()))
    assert client.get(reverse("intelligence:person-chart", args=[person.pk])).status_code == 404
    client.force_login(coordinator())
    assert client.get(reverse("intelligence:person-chart", args=[person.pk])).status_code == 200
    event = AuditEvent.objects.filter(verb="viewed").latest("id")
    assert event.object_type == "intelligence.personofconcern"


@pytest.mark.parametrize("extra", [0, 6])
def test_the_chart_pages_take_a_fixed_number_of_queries(
    client, django_assert_num_queries, network, extra, monkeypatch
):
    monkeypatch.setattr(charts.shutil, "which", lambda name: None)  # no subprocess here
    case_a, _, _, person, vehicle, _ = network
    for _ in range(extra):
        LinkFactory(case=make_case(), person=person)
        LinkFactory(case=None, person=PersonOfConcernFactory(), vehicle=vehicle)
    client.force_login(coordinator())
    # session, user, roles; the case with its child and area; the two steps' links (each
    # with the case-visibility flag worked out in the query); unread notifications
    with django_assert_num_queries(7 + 2 * audit_event_queries(agency=False) + 3):
        assert client.get(reverse("intelligence:case-chart", args=[case_a.pk])).status_code == 200
    # session, user, roles; the person; the two steps' links; unread notifications; the
    # audit: a viewed event, a listed event naming the chart's records
    with django_assert_num_queries(7 + 2 * audit_event_queries(agency=False) + 3):
        assert client.get(reverse("intelligence:person-chart", args=[person.pk])).status_code == 200

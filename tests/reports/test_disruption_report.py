"""The partnership report's "Disruption activity": disruption counted by kind in the
period and the one before, over the report's areas only, numbers only; small numbers
suppressed in the exports like every other count."""

import datetime as dt

import pytest

from intelligence.models import Disruption
from reports.exports import export_report, report_html, report_xlsx, table_csv
from reports.partnership import build_report
from reports.periods import financial_quarter, previous_period
from tests.factories import AgencyFactory, PersonOfConcernFactory, coordinator, staffordshire, stoke

pytestmark = pytest.mark.django_db

Q2 = financial_quarter(dt.date(2026, 8, 1))  # 1 July to 30 September 2026
Q1 = previous_period(Q2)


def disruption(area, kind, day, count=1):
    agency = AgencyFactory()
    person = PersonOfConcernFactory(area=area, source_agency=agency)
    for _ in range(count):
        Disruption.objects.create(
            area=area, person=person, kind=kind, date=day, agency=agency,
            recorded_by=coordinator(area),
        )  # fmt: skip


def cells(report):
    return {row.label: row.cells for row in report.table("disruption-by-kind").rows}


def test_disruption_is_counted_by_kind_in_each_period_over_the_reports_areas_only():
    home = staffordshire()
    disruption(home, "cawn", dt.date(2026, 7, 1), count=6)
    disruption(home, "cawn", dt.date(2026, 9, 30))
    disruption(home, "patrol", dt.date(2026, 6, 30), count=2)
    disruption(home, "licensing", dt.date(2026, 10, 1))  # after the period: not counted
    disruption(stoke(), "cawn", dt.date(2026, 8, 1), count=3)  # another area

    counted = cells(build_report([home], Q2, Q1))
    assert counted["Child Abduction Warning Notice"] == (7, 0)
    assert counted["Covert or overt patrol"] == (0, 2)
    assert counted["Licensing action (hotel, taxi, takeaway)"] == (0, 0)
    both = cells(build_report([home, stoke()], Q2, Q1))
    assert both["Child Abduction Warning Notice"] == (10, 0)


def test_the_exports_carry_it_with_small_numbers_suppressed():
    home = staffordshire()
    disruption(home, "cawn", dt.date(2026, 7, 2), count=6)
    disruption(home, "patrol", dt.date(2026, 8, 2), count=2)
    disruption(home, "arrest", dt.date(2026, 8, 3), count=3)
    report = export_report([home], Q2, Q1, below=5)
    rows = {row.label: row.cells for row in report.table("disruption-by-kind").rows}
    assert rows["Child Abduction Warning Notice"][0] == 6
    assert rows["Covert or overt patrol"][0] != 2  # hidden
    assert rows["Arrest"][0] != 3
    csv = table_csv(report, "disruption-by-kind")
    assert "Disruption activity" in csv or "Child Abduction Warning Notice" in csv
    assert "[c]" in csv
    assert "Disruption activity" in report_html(report)
    assert report_xlsx(report)[:2] == b"PK"


def test_no_name_reaches_the_report():
    home = staffordshire()
    disruption(home, "cawn", dt.date(2026, 7, 2))
    person = Disruption.objects.get().person
    assert person.name not in report_html(build_report([home], Q2, Q1))

"""The Risk Factor Matrix rules, table-driven (DOMAIN.md: 1-4 low -> low; any medium ->
medium; any high or a disclosure -> high; under 13 or learning disability -> never low)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.scoring import score

pytestmark = pytest.mark.django_db

LOW = ["missing-late", "sexting", "unknown-adults", "drugs-alcohol", "sti", "self-image"]
P = "present"


# One risk indicator answered "not present": the matrix is assessed, nothing is present.
ASSESSED = {"hotspots": "not_present"}


def present(*codes: str) -> dict[str, str]:
    return {code: P for code in codes}


@pytest.mark.parametrize(
    ("answers", "age", "expected"),
    [
        (ASSESSED, 14, "low"),
        (ASSESSED | present("domestic-abuse", "looked-after", "homeless"), 14, "low"),
        (present(LOW[0]), 14, "low"),
        (present(*LOW[:4]), 14, "low"),
        (present(*LOW[:5]), 14, "medium"),
        (present("online-grooming"), 14, "medium"),
        (present(LOW[0], "older-partner"), 14, "medium"),
        (present("controlled-by-adult"), 14, "high"),
        (present("disclosure"), 14, "high"),
        (present(*LOW, "hotspots", "trafficked"), 14, "high"),
        ({"controlled-by-adult": "unknown", "hotspots": "not_present"}, 14, "low"),
        # Under 13: never low, once assessed.
        (ASSESSED, 12, "medium"),
        (present(LOW[0]), 12, "medium"),
        (present(LOW[0]), 13, "low"),
        (present("persons-of-concern"), 9, "high"),
        # Learning disability: never low, on its own or with low indicators.
        (ASSESSED | present("learning-disability"), 15, "medium"),
        (present("learning-disability", LOW[0]), 15, "medium"),
        (present("learning-disability", "disclosure"), 15, "high"),
        (present("sen-mental-health", LOW[0]), 15, "low"),
        # 16 and 17 year olds are scored exactly like any other child.
        (present("controlled-by-adult"), 16, "high"),
        (present("controlled-by-adult"), 17, "high"),
        (present("online-grooming"), 17, "medium"),
        (present(LOW[0]), 16, "low"),
        # A young adult (with a recorded reason) is scored by the same rules.
        (ASSESSED | present("learning-disability"), 19, "medium"),
    ],
)
def test_matrix_rules(matrix, answers, age, expected):
    assert score(matrix, answers, age).level == expected


def test_the_result_says_why(matrix):
    result = score(matrix, present("learning-disability", LOW[0]), 15)

    assert result.reasons == [
        "1 low indicator(s) present",
        "Learning disability: never below medium",
    ]


def test_under_13_reason_is_given(matrix):
    assert "Under 13: never rated low" in score(matrix, ASSESSED, 11).reasons


# An unanswered matrix is "not assessed", never "low" (issue 8, point 2).
@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"hotspots": "unknown", "disclosure": "unknown"},
        present("domestic-abuse", "looked-after"),  # vulnerabilities are context only
        present("learning-disability"),
        {"missing-late": ""},
    ],
    ids=["blank", "all-unknown", "vulnerabilities-only", "learning-disability-only", "empty"],
)
@pytest.mark.parametrize("age", [11, 14, 17, None])
def test_an_unanswered_matrix_is_not_assessed(matrix, answers, age):
    result = score(matrix, answers, age)

    assert result.level is None
    assert not result.assessed
    assert result.label == "Not assessed"
    assert result.reasons == ["No risk indicator answered present or not present: not assessed"]


def test_a_matrix_answered_all_not_present_is_low(matrix):
    answers = {i.code: "not_present" for i in matrix.indicators.all() if i.band != "vulnerability"}

    result = score(matrix, answers, 14)

    assert result.assessed
    assert result.level == "low"
    assert result.answered == len(answers)


def test_one_answered_indicator_among_unknowns_is_assessed(matrix):
    answers = {i.code: "unknown" for i in matrix.indicators.all()} | {"sti": "not_present"}

    assert score(matrix, answers, 12).level == "medium"  # under 13 keeps its floor


def test_an_answer_to_another_tools_indicator_is_refused(matrix):
    with pytest.raises(ValueError, match="not-an-indicator"):
        score(matrix, {"not-an-indicator": P}, 14)


@pytest.mark.parametrize("age", [13, 15, 16, 17])
def test_age_13_to_17_never_changes_the_score(matrix, age):
    for answers in [
        {},
        ASSESSED,
        present(LOW[0]),
        present(*LOW[:5]),
        present("hotspots"),
        present("disclosure"),
    ]:
        assert score(matrix, answers, age).level == score(matrix, answers, 14).level


# Not assessed sits below low: marking an indicator present can only assess the matrix.
ORDER = {None: -1, "low": 0, "medium": 1, "high": 2}


# The tool is read-only here, so sharing one across examples is safe.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_marking_one_more_indicator_present_never_lowers_the_level(matrix, data):
    indicators = list(matrix.indicators.all())
    codes = [i.code for i in indicators]
    answers = data.draw(
        st.dictionaries(
            st.sampled_from(codes), st.sampled_from(["present", "not_present", "unknown"])
        )
    )
    age = data.draw(st.integers(min_value=0, max_value=25))
    extra = data.draw(st.sampled_from(codes))

    before = score(matrix, answers, age, indicators).level
    after = score(matrix, {**answers, extra: P}, age, indicators).level

    assert ORDER[after] >= ORDER[before]

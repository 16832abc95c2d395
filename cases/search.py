"""Finding a child: one search box (the case list's ``?q=``, the API's ``?q=`` on cases and
children) that understands a case reference, a date of birth and any part of a name.

A query is read into its parts (``parse``):

- a **case reference**, ``CSE-2026-0042`` in any case, with spaces for hyphens, or
  ``2026-0042``; or the number alone (``42``, ``0042``), which is that number in any year;
- a **date of birth**, UK day first: ``2012-03-04``, ``4/3/2012``, ``04/03/2012``,
  ``04.03.2012``, ``4 March 2012``, ``4th Mar 2012``;
- **name words**: everything else, each folded by the one name normaliser
  (``cases.matching.fold``: case, accents, hyphens, apostrophes and spaces dropped) and
  compared with the keys stored on the child (``Child.name_key``, ``known_as_key``, and
  for the ranking ``first_name_key`` and ``last_name_key``).

Every part narrows: the reference is the case's, the date the child's, and every word is
in the child's whole-name key or known-as key. Results are ranked: an exact reference; an
exact name (the words are the whole name, either way round, or the known-as, or each is a
whole first, last or known-as name); every word starting a name; the rest (a word inside a
name). Ties go to the most recent case (children: in name order). At most ``RESULTS_LIMIT`` results.

Callers pass a queryset already scoped to the viewer (``visible_to(user)``), so a search
can only find what the viewer may see, and record the page shown with
``cases.access.record_list``: one ``listed`` event naming the records, never the query.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Concat
from django.db.models.lookups import Exact

from cases.matching import fold
from cases.models import Case, Child
from panel.dates import london_today

# One page of the case list and of the API.
RESULTS_LIMIT = 50
# The number part of a reference alone is looked up in each year from this one to next
# year (``reference IN (...)``, on the references' unique index).
FIRST_REFERENCE_YEAR = 2000

# Ranks, best first.
EXACT_REFERENCE = 0
EXACT_NAME = 1
NAME_PREFIX = 2
NAME_CONTAINS = 3

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month_name>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
    r"aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# Each form of a date, with named groups year, month (or month_name) and day.
_DATES = [
    re.compile(r"(?<![\w/.-])(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?![\w/.-])"),
    re.compile(
        r"(?<![\w/.-])(?P<day>\d{1,2})([/.-])(?P<month>\d{1,2})\2(?P<year>\d{4})(?![\w/.-])"
    ),
    re.compile(
        rf"(?<![\w/.-])(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+(?P<year>\d{{4}})"
        r"(?![\w/.-])",
        re.IGNORECASE,
    ),
]
# CSE-2026-0042 (any case, spaces or nothing for the hyphens, the number's zeros optional),
# or 2026-0042.
_REFERENCE = re.compile(
    r"(?<![\w-])cse[\s-]*(?P<year>\d{4})[\s-]*(?P<number>\d+)(?![\w-])|"
    r"(?<![\w-])(?P<year2>\d{4})[\s-]+(?P<number2>\d{4,})(?![\w-])",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^\d{1,9}$")


class QueryError(ValueError):
    """A query that cannot be searched for as typed (an impossible date, two references):
    the message says what to change."""


@dataclass(frozen=True)
class Query:
    """What a search asks for: the references a case may have (one, or one per year for
    a number alone), the date of birth, and the folded name words."""

    references: tuple[str, ...] = ()
    born: dt.date | None = None
    words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.references or self.born or self.words)


def parse(text: str) -> Query:
    """Read a search box's text into its parts (see the module's docstring). Raises
    QueryError for a date that does not exist, or more than one date or reference."""
    text = " ".join((text or "").split())
    born, text = _take_date(text)
    references, text = _take_reference(text)
    words = []
    for token in text.split():
        if _NUMBER.match(token):
            if references:
                raise QueryError("Search for one case reference at a time.")
            references = _references_numbered(int(token))
            continue
        word = fold(token)
        if word:
            words.append(word)
    return Query(references=references, born=born, words=tuple(words))


def _take_date(text: str) -> tuple[dt.date | None, str]:
    found: list[dt.date] = []
    for pattern in _DATES:
        while match := pattern.search(text):
            found.append(_date_of(match))
            text = f"{text[: match.start()]} {text[match.end() :]}"
    if len(set(found)) > 1:
        raise QueryError("Search for one date of birth at a time.")
    return (found[0] if found else None), text


def _date_of(match: re.Match) -> dt.date:
    parts = match.groupdict()
    month_name = parts.get("month_name")
    month = _MONTHS[month_name[:3].lower()] if month_name else int(parts["month"])
    try:
        return dt.date(int(parts["year"]), month, int(parts["day"]))
    except ValueError:
        raise QueryError(
            f"{match.group(0)} is not a real date. Enter a date of birth day first, for "
            "example 4/3/2012 or 4 March 2012."
        ) from None


def _take_reference(text: str) -> tuple[tuple[str, ...], str]:
    matches = list(_REFERENCE.finditer(text))
    if not matches:
        return (), text
    if len(matches) > 1:
        raise QueryError("Search for one case reference at a time.")
    match = matches[0]
    year = match.group("year") or match.group("year2")
    number = match.group("number") or match.group("number2")
    rest = f"{text[: match.start()]} {text[match.end() :]}"
    return (f"CSE-{year}-{int(number):04d}",), rest


def _references_numbered(number: int) -> tuple[str, ...]:
    """The references a case numbered ``number`` may have: one per year (references are
    ``CSE-<year>-<number, at least 4 digits>``, cases.services.next_case_reference)."""
    years = range(FIRST_REFERENCE_YEAR, london_today().year + 2)
    return tuple(f"CSE-{year}-{number:04d}" for year in years)


# --- the conditions, on the child's keys -------------------------------------------------


def _names_match(query: Query, child: str) -> Q:
    """Every word in the whole-name key or the known-as key (the whole-name key is the
    first and last keys joined, so a word in either, or across both, is in it)."""
    condition = Q()
    for word in query.words:
        condition &= Q(**{f"{child}name_key__contains": word}) | Q(
            **{f"{child}known_as_key__contains": word}
        )
    return condition


def _any_key(child: str, lookup: str, word: str) -> Q:
    keys = ("first_name_key", "last_name_key", "known_as_key", "name_key")
    condition = Q()
    for key in keys:
        if lookup == "exact" and key == "name_key":
            continue
        condition |= Q(**{f"{child}{key}__{lookup}": word})
    return condition


def _rank(query: Query, child: str) -> SqlCase | Value:
    """The rank of a row that matches (see the module's docstring), as a SQL expression."""
    if query.references:
        return Value(EXACT_REFERENCE)
    if not query.words:
        return Value(EXACT_NAME)
    joined = "".join(query.words)
    exact = (
        Q(**{f"{child}name_key": joined})
        | Q(**{f"{child}known_as_key": joined})
        # The whole name surname first ("Test-Name Alpha").
        | Q(Exact(Concat(f"{child}last_name_key", f"{child}first_name_key"), joined))
    )
    each_exact = Q()
    prefix = Q()
    for word in query.words:
        each_exact &= _any_key(child, "exact", word)
        prefix &= _any_key(child, "startswith", word)
    return SqlCase(
        When(exact | each_exact, then=Value(EXACT_NAME)),
        When(prefix, then=Value(NAME_PREFIX)),
        default=Value(NAME_CONTAINS),
        output_field=IntegerField(),
    )


def _as_query(q: str | Query) -> Query:
    return q if isinstance(q, Query) else parse(q)


def _top(
    rows: QuerySet, condition: Q, rank, order: tuple[str, ...], read_from: QuerySet | None
) -> QuerySet:
    """``rows`` narrowed to the best ``RESULTS_LIMIT`` matches, ranked. The limit is a
    subquery (``pk IN (... LIMIT 50)``), not a slice: the answer can still be counted,
    paginated, filtered or sorted by a column the user chose. The matches are chosen among
    ``rows`` (scoped); the answer reads them from ``read_from`` when given, a queryset of
    the same model with what the caller shows (it may be unscoped: it reads only the rows
    chosen), so a scope made of costly subqueries is not worked out a second time."""
    matches = rows.filter(condition).alias(search_rank=rank)
    best = matches.order_by("search_rank", *order).values("pk")[:RESULTS_LIMIT]
    answer = rows if read_from is None else read_from
    return answer.filter(pk__in=best).annotate(search_rank=rank).order_by("search_rank", *order)


def is_search(rows: object) -> bool:
    """Whether ``rows`` is a search's answer (at most ``RESULTS_LIMIT`` rows, ranked),
    whatever was chained on it since (a sort, a filter)."""
    return isinstance(rows, QuerySet) and "search_rank" in rows.query.annotations


def search_cases(cases: QuerySet[Case], q: str | Query) -> QuerySet[Case]:
    """The cases of ``cases`` (already scoped to the viewer: ``visible_to(user)``) that
    match the search ``q``, best first then most recent, at most ``RESULTS_LIMIT``; each
    row has ``search_rank``. An empty query returns ``cases`` unchanged. Raises QueryError
    for a query that cannot be searched (``SearchField`` refuses those first). Records
    nothing: the caller records the page it shows (``record_list``)."""
    query = _as_query(q)
    if query.empty:
        return cases
    condition = _names_match(query, "child__")
    if query.references:
        condition &= Q(reference__in=query.references)
    if query.born:
        condition &= Q(child__date_of_birth=query.born)
    return _top(cases, condition, _rank(query, "child__"), ("-opened_at", "-pk"), None)


def search_children(
    children: QuerySet[Child],
    q: str | Query,
    *,
    cases: QuerySet[Case],
    read_from: QuerySet[Child] | None = None,
) -> QuerySet[Child]:
    """The children of ``children`` (already scoped to the viewer) that match ``q``, best
    first then in name order, at most ``RESULTS_LIMIT``; each row has ``search_rank``. A
    reference finds the child of that case only among ``cases``, the cases the viewer may
    see (``Case.objects.visible_to(user)``): a child seen through a referral alone is never
    found by the reference of a case the viewer may not open. ``read_from``: the queryset
    the chosen children are read from (see ``_top``). Records nothing."""
    query = _as_query(q)
    if query.empty:
        return children
    condition = _names_match(query, "")
    if query.references:
        condition &= Q(pk__in=cases.filter(reference__in=query.references).values("child_id"))
    if query.born:
        condition &= Q(date_of_birth=query.born)
    order = ("last_name", "first_name", "pk")
    return _top(children, condition, _rank(query, ""), order, read_from)


# --- the search box -----------------------------------------------------------------------


class SearchField(forms.CharField):
    """The search box's field (the case list's ``q``, and the API's ``q`` filters): a query
    ``parse`` can read, else the message saying what to change."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def validate(self, value: str) -> None:
        super().validate(value)
        try:
            parse(value)
        except QueryError as error:
            raise ValidationError(str(error), code="query") from None


class SearchFilter(django_filters.CharFilter):
    """The API's ``q``: a SearchField, so a query that cannot be searched is a 400 naming
    ``q``."""

    field_class = SearchField


API_HELP = (
    "Find a child: any part of a name (accents, hyphens, apostrophes and spaces ignored; "
    "known-as included), a date of birth (2012-03-04, 4/3/2012, 4 March 2012: day first) "
    "or a case reference (CSE-2026-0042, or its number). Every word must match. Ranked "
    "(exact reference, exact name, name starting with, name containing; then the most "
    "recent case) and at most 50 results; `ordering` replaces the rank. Recorded in the "
    "audit trail as the records returned, never the search term."
)

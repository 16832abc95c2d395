"""Name matching: the one normaliser for children's names, and the rules that say two
records may be the same child.

The same folding makes the keys stored on a child (``Child.save``), the duplicate check at
triage, the repeat-referral check and (later) search, so a name typed with or without an
accent, a hyphen, an apostrophe or a space is the same name everywhere. Keys are for
matching only and never shown.

Matching is in two steps so it stays fast with many children: the database narrows the
candidates to the exact date of birth and the one with day and month swapped (on the
``(date_of_birth, name_key)`` index), and ``match_reason`` below compares the few
candidates' stored keys in Python.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

# A one-letter difference is only a likely typo in a name long enough for one letter not to
# be most of it: "Ann" and "Ian" are different names.
TYPO_MIN_LENGTH = 4


def fold(text: str) -> str:
    """Fold case and accents (Unicode NFKD, combining marks dropped) and drop everything
    that is not a letter or digit (hyphens, apostrophes, spaces): 'ÚXA Probe-teen' and
    'uxa probeteen' fold to 'uxaprobeteen'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text.casefold() if c.isalnum())


def name_key(first_name: str, last_name: str) -> str:
    """The whole-name key: first and last folded and joined, so a space moved between the
    two fields ('Mary Ann Smith' / 'Maryann Smith') still matches."""
    return fold(first_name) + fold(last_name)


def swapped_date(born: dt.date) -> dt.date | None:
    """The date with day and month swapped, when that is a different, real date."""
    if born.day == born.month or born.day > 12:
        return None
    try:
        return born.replace(month=born.day, day=born.month)
    except ValueError:
        return None


def birth_dates(born: dt.date) -> list[dt.date]:
    """The dates of birth a candidate may have: the same one, and day and month swapped."""
    swapped = swapped_date(born)
    return [born] if swapped is None else [born, swapped]


def one_edit_apart(a: str, b: str) -> bool:
    """Levenshtein distance exactly 1 (one letter changed, added or removed), only for
    names of at least TYPO_MIN_LENGTH letters."""
    if a == b or min(len(a), len(b)) < TYPO_MIN_LENGTH or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@dataclass(frozen=True)
class Keys:
    """The stored keys of one child (or of a child about to be recorded)."""

    first: str
    last: str
    known_as: str
    born: dt.date

    @classmethod
    def of(cls, child) -> Keys:
        return cls(
            child.first_name_key, child.last_name_key, child.known_as_key, child.date_of_birth
        )

    @classmethod
    def from_names(cls, first_name: str, last_name: str, known_as: str, born: dt.date) -> Keys:
        return cls(fold(first_name), fold(last_name), fold(known_as), born)

    @property
    def whole(self) -> str:
        return self.first + self.last


def _names_reason(a: Keys, b: Keys) -> str:
    if a.whole == b.whole:
        return "Same name"
    if a.first == b.last and a.last == b.first:
        return "First and last names swapped"
    # A known-as is a first name someone uses: compare it with the other's first name and
    # known-as.
    if a.known_as and a.known_as in (b.first, b.known_as):
        return "Known-as matches"
    if b.known_as and b.known_as == a.first:
        return "Known-as matches"
    if (a.first == b.first and one_edit_apart(a.last, b.last)) or (
        a.last == b.last and one_edit_apart(a.first, b.first)
    ):
        return "One letter different"
    return ""


def match_reason(a: Keys, b: Keys) -> str:
    """Why ``b`` may be the same child as ``a``, in words for the coordinator, or "" when it
    is not a possible match."""
    if b.born == a.born:
        return _names_reason(a, b)
    if b.born == swapped_date(a.born):
        reason = _names_reason(a, b)
        return f"{reason}; day and month of birth swapped" if reason else ""
    return ""


def is_strong(a: Keys, b: Keys) -> bool:
    """Exactly the same folded name and date of birth: the only match signalled across
    areas (DESIGN rule 8's exception)."""
    return a.born == b.born and a.whole == b.whole

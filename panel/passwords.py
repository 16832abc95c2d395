"""Password rules beyond Django's own (ASVS V2.1), listed in AUTH_PASSWORD_VALIDATORS.

Django's validators keep the length (12 or more), the likeness to the user's own name and
the all-digits rule. These two add:

- **Common and breached passwords**, from lists shipped in the repo (never fetched):
  ``panel/data/common-passwords.txt.gz`` (Django's list of 19,640 passwords common in
  breaches, copied as it ships in Django 5.2) and ``panel/data/service-passwords.txt``
  (words particular to this service: "safeguarding", "staffordshire", the demo password's
  stem...). A password is refused if it is on a list, or is a listed word with only digits,
  symbols or spaces added at either end ("Password123!", "Safeguarding2026!"), compared
  without case.
- **Repeated characters**: refused when one character comes 4 or more times in a row
  ("aaaa", "1111"), or when fewer than 5 different characters make up the whole password
  ("abababababab"), compared without case.
"""

from __future__ import annotations

import gzip
import re
import string
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError

DATA = Path(__file__).resolve().parent / "data"
COMMON_PASSWORD_FILES = (DATA / "common-passwords.txt.gz", DATA / "service-passwords.txt")
# What people add to a word to pass a rule: stripped from both ends before looking it up.
PADDING = string.digits + string.punctuation + string.whitespace


@lru_cache(maxsize=4)
def load_password_list(paths: tuple[Path, ...]) -> frozenset[str]:
    """Every entry of the lists, lower case; ``#`` lines in a plain text list are comments."""
    words: set[str] = set()
    for path in paths:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                word = line.strip().casefold()
                if word and not (path.suffix != ".gz" and word.startswith("#")):
                    words.add(word)
    return frozenset(words)


class CommonPasswordValidator:
    """Refuse a password on the shipped lists, or a listed word padded with digits and
    symbols at either end."""

    message = (
        "Your password is too easy to guess: it is a common password, or a common word "
        "with numbers or symbols added. Choose a different password."
    )

    def __init__(self, password_list_paths: list[str] | None = None) -> None:
        paths = password_list_paths or COMMON_PASSWORD_FILES
        self.paths = tuple(Path(path) for path in paths)

    @property
    def passwords(self) -> frozenset[str]:
        return load_password_list(self.paths)

    def validate(self, password: str, user=None) -> None:
        candidate = password.strip().casefold()
        stem = candidate.strip(PADDING)
        if candidate in self.passwords or (stem and stem in self.passwords):
            raise ValidationError(self.message, code="password_too_common")

    def get_help_text(self) -> str:
        return (
            "Your password cannot be a common password, or a common word (such as the "
            "name of this service or your area) with numbers or symbols added."
        )


class RepeatedCharacterValidator:
    """Refuse a run of ``max_run + 1`` identical characters, or a password made of fewer
    than ``min_distinct`` different characters (case ignored)."""

    def __init__(self, max_run: int = 3, min_distinct: int = 5) -> None:
        self.max_run = max_run
        self.min_distinct = min_distinct
        self._run = re.compile(rf"(.)\1{{{max_run}}}", re.DOTALL)

    def validate(self, password: str, user=None) -> None:
        folded = password.casefold()
        if self._run.search(folded):
            raise ValidationError(
                "Your password repeats the same character %(limit)d or more times in a row. "
                "Do not repeat a character more than %(max_run)d times in a row.",
                code="password_repeated_characters",
                params={"limit": self.max_run + 1, "max_run": self.max_run},
            )
        if len(set(folded)) < self.min_distinct:
            raise ValidationError(
                "Your password uses fewer than %(min_distinct)d different characters. "
                "Use more different letters, numbers or symbols.",
                code="password_too_few_characters",
                params={"min_distinct": self.min_distinct},
            )

    def get_help_text(self) -> str:
        return (
            f"Your password cannot repeat a character more than {self.max_run} times in a "
            f"row, and must use at least {self.min_distinct} different characters."
        )

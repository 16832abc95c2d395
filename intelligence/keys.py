"""The keys intelligence records are matched on, for de-duplication and for finding.

Names fold as children's names do (``cases.matching.fold``). Phone numbers keep their
digits, with the UK country code read as the trunk 0. Online handles fold case and drop a
leading '@'. Vehicle registrations fold case and spaces; an unknown character is written
'?' (one character) or '*' (any run of characters), since a partial registration is often
all a witness saw."""

from __future__ import annotations

import re

from cases.matching import fold

WILDCARDS = "?*"


def person_name_key(name: str) -> str:
    return fold(name)


def phone_key(number: str) -> str:
    digits = "".join(c for c in number or "" if c.isdigit())
    if (number or "").strip().startswith("+44") or digits.startswith("0044"):
        digits = "0" + digits.removeprefix("00").removeprefix("44")
    return digits


def handle_key(handle: str) -> str:
    return (handle or "").strip().lstrip("@").casefold()


def registration_key(registration: str) -> str:
    """'ab12 cde' and 'AB12CDE' are one registration; wildcards are kept."""
    return "".join(c for c in (registration or "").upper() if c.isalnum() or c in WILDCARDS)


def is_partial(registration: str) -> bool:
    return any(c in WILDCARDS for c in registration_key(registration))


def registration_pattern(registration: str) -> re.Pattern[str]:
    """A regular expression for a registration key with wildcards, matching whole keys."""
    parts = []
    for c in registration_key(registration):
        parts.append("." if c == "?" else ".*" if c == "*" else re.escape(c))
    return re.compile("^" + "".join(parts) + "$")


def registrations_match(a: str, b: str) -> bool:
    """Whether two registrations, either of which may be partial, could be one vehicle.
    A full one is matched against the other's pattern; two partials without '*' match
    where every position agrees or either is '?'; two with '*' where their known start
    and end agree."""
    ka, kb = registration_key(a), registration_key(b)
    if not ka or not kb:
        return False
    if not is_partial(ka) or not is_partial(kb):
        full, other = (ka, kb) if not is_partial(ka) else (kb, ka)
        return bool(registration_pattern(other).match(full))
    if "*" not in ka and "*" not in kb:
        if len(ka) != len(kb):
            return False
        return all(x == y or "?" in (x, y) for x, y in zip(ka, kb, strict=True))
    head_a, head_b = _known_start(ka), _known_start(kb)
    tail_a, tail_b = _known_start(ka[::-1]), _known_start(kb[::-1])
    n, m = min(len(head_a), len(head_b)), min(len(tail_a), len(tail_b))
    return head_a[:n] == head_b[:n] and tail_a[:m] == tail_b[:m]


def _known_start(key: str) -> str:
    """The characters before the first wildcard."""
    return re.split(r"[?*]", key, maxsplit=1)[0]


def location_key(name: str, postcode: str) -> str:
    return fold(name) + ":" + fold(postcode)


def postcode_key(postcode: str) -> str:
    return fold(postcode)

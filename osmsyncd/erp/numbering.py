"""OSM's numbering masks: ``#`` runs are a zero-padded counter.

OSM has no sequence table: the next code or number is the largest one
that fits the mask, plus one. ``YYYY`` and ``yy`` in a mask stand for the
document's year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def _parts(mask: str, year: int) -> list[str]:
    text = mask.replace("YYYY", f"{year:04d}").replace("yy", f"{year % 100:02d}")
    return re.split(r"(#+)", text)


def _pattern(mask: str, year: int) -> re.Pattern[str]:
    return re.compile(
        "".join(
            r"(\d+)" if part.startswith("#") else re.escape(part)
            for part in _parts(mask, year)
            if part
        )
    )


def _counter(value: str, pattern: re.Pattern[str]) -> int | None:
    found = pattern.fullmatch(value.strip())
    if found is None or not found.groups():
        return None
    return int(found.group(1))


def counter_of(value: str, mask: str, year: int = 0) -> int | None:
    """The counter inside ``value`` when it fits ``mask``, else None."""
    return _counter(value, _pattern(mask, year))


def render(mask: str, counter: int, year: int = 0) -> str:
    """The mask with its first ``#`` run replaced by the padded counter."""
    parts = _parts(mask, year)
    for index, part in enumerate(parts):
        if part.startswith("#"):
            parts[index] = str(counter).zfill(len(part))
            break
    return "".join(parts)


def next_number(values: Iterable[str], mask: str, year: int = 0) -> str:
    """The value after the largest one of ``values`` that fits ``mask``."""
    # The mask is made into a pattern once: a year's orders are thousands.
    pattern = _pattern(mask, year)
    counters = (_counter(value, pattern) for value in values if value)
    highest = max((c for c in counters if c is not None), default=0)
    return render(mask, highest + 1, year)

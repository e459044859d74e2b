"""Lookups that keep the sandbox's cost per record flat as the shop grows.

A real shop asks MySQL, whose indexes answer "who holds this SKU" without
reading every row; without these the sandbox read every product for each
SKU, GTIN and slug check, and a 50,000-article export spent minutes of CPU
in the shop alone. The holders of a value are ids, never records, so a
record's other fields (its status above all) are always read fresh.
"""

from __future__ import annotations

from collections.abc import Set

_NOBODY: frozenset[int] = frozenset()


class Holders:
    """Which records hold each value of one field (``""`` included)."""

    def __init__(self) -> None:
        self._ids: dict[str, set[int]] = {}
        self._values: dict[int, str] = {}

    def put(self, record_id: int, value: str) -> None:
        """Record that ``record_id`` now holds ``value`` (and no other)."""
        if self._values.get(record_id) == value:
            return

        self.drop(record_id)
        self._values[record_id] = value
        self._ids.setdefault(value, set()).add(record_id)

    def drop(self, record_id: int) -> None:
        """Forget ``record_id``, freeing its value if nobody else holds it."""
        value = self._values.pop(record_id, None)
        if value is None:
            return

        ids = self._ids[value]
        ids.discard(record_id)
        if not ids:
            del self._ids[value]
            self._freed(value)

    def holders(self, value: str) -> Set[int]:
        return self._ids.get(value, _NOBODY)

    def value_of(self, record_id: int) -> str | None:
        return self._values.get(record_id)

    def __contains__(self, value: object) -> bool:
        return value in self._ids

    def _freed(self, value: str) -> None:
        """Called when the last holder of ``value`` lets it go."""


class Slugs(Holders):
    """Slugs and WordPress's numbering of a taken one: ``x``, ``x-2``, ``x-3``…

    ``_next[base]`` is a counter below which every ``base-N`` (N >= 2) is
    held, so that the thousandth product called "Vaso" does not try the
    999 numbers before it. Freeing a ``base-N`` lowers it back to N.
    """

    def __init__(self) -> None:
        super().__init__()
        self._next: dict[str, int] = {}

    def unique(self, slug: str, own_id: int | None = None) -> str:
        """``slug``, or its first free numbered form; ``own_id``'s slug counts
        as free, since a record may keep the slug it has."""
        if not self.holders(slug) - {own_id}:
            return slug

        counter = self._next.get(slug, 2)
        while f"{slug}-{counter}" in self:
            counter += 1
        self._next[slug] = counter

        # Every number below ``counter`` is held; only one held by the record
        # itself alone (it holds one slug) is free to it.
        own = self.value_of(own_id) if own_id is not None else None
        if own is not None and self.holders(own) == {own_id}:
            number = _number_of(own, slug)
            if number is not None and number < counter:
                return own
        return f"{slug}-{counter}"

    def _freed(self, value: str) -> None:
        base, _, digits = value.rpartition("-")
        number = _counter(digits)
        if number is not None and base in self._next:
            self._next[base] = min(self._next[base], number)


def _number_of(value: str, base: str) -> int | None:
    """N when ``value`` is exactly ``base-N`` with N >= 2, else None."""
    prefix = f"{base}-"
    if not value.startswith(prefix):
        return None

    number = _counter(value[len(prefix) :])
    return number if number is not None and value == f"{prefix}{number}" else None


def _counter(digits: str) -> int | None:
    """The number WordPress could have appended, 2 and up, else None.

    Longer runs of digits than any counter reaches are left alone, and so is
    a value whose number no loop ever produces (0, 1).
    """
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        return None
    number = int(digits)
    return number if number >= 2 else None

"""The hosting failures a sandbox can play: ``--fault NAME[:RATE]``.

Each fault fires with its probability, drawn from one seeded generator so
that a run can be repeated; tests can also force the next N occurrences of
a fault with :meth:`FaultPlan.force`.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from dataclasses import field

FAULTS = (
    "429",
    "500-after-write",
    "timeout",
    "reset",
    "truncated",
    "html-200",
    "redirect-write",
    "strip-auth",
)
WRITE_ONLY = frozenset({"500-after-write", "redirect-write"})


def parse_fault(text: str) -> tuple[str, float]:
    """``NAME`` or ``NAME:RATE`` → (name, probability)."""
    name, _, rate = text.partition(":")
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
    probability = float(rate) if rate else 1.0
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"fault rate {probability} is not between 0 and 1")
    return name, probability


@dataclass
class FaultPlan:
    rates: dict[str, float] = field(default_factory=dict)
    seed: int | None = None
    forced: dict[str, int] = field(default_factory=dict)
    fired: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def force(self, name: str, times: int = 1) -> None:
        """Make the next ``times`` eligible requests suffer ``name``."""
        parse_fault(name)
        with self._lock:
            self.forced[name] = self.forced.get(name, 0) + times

    def clear(self) -> None:
        with self._lock:
            self.rates.clear()
            self.forced.clear()

    def draw(self, name: str, write: bool) -> bool:
        """Whether this request suffers the fault."""
        if name in WRITE_ONLY and not write:
            return False
        with self._lock:
            if self.forced.get(name, 0) > 0:
                self.forced[name] -= 1
                hit = True
            else:
                rate = self.rates.get(name, 0.0)
                hit = rate > 0 and self._random.random() < rate
            if hit:
                self.fired[name] = self.fired.get(name, 0) + 1
            return hit

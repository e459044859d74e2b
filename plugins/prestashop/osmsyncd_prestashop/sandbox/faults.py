"""Faults a sandbox injects to rehearse a sync against a misbehaving host.

Each fault has a rate, the probability (0 to 1) that it hits a request,
drawn from one random generator seeded by ``--seed`` so that a run can be
repeated. ``500-after-write`` and ``redirect-write`` only hit writes.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass

NAMES = (
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
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Fault:
    name: str
    rate: float = 1.0


def parse_fault(text: str) -> Fault:
    """``NAME`` or ``NAME:RATE``; a bad value names what is accepted."""
    name, _, rate_text = text.partition(":")
    if name not in NAMES:
        raise ValueError(f"unknown fault {name!r}; choose from {', '.join(NAMES)}")
    if not rate_text:
        return Fault(name)
    try:
        rate = float(rate_text)
    except ValueError:
        raise ValueError(f"fault rate {rate_text!r} is not a number") from None
    if not 0 <= rate <= 1:
        raise ValueError(f"fault rate {rate} is not between 0 and 1")
    return Fault(name, rate)


class FaultPlan:
    """Decides, request by request, which faults fire."""

    def __init__(self, faults: Iterable[Fault] = (), seed: int | None = None) -> None:
        self.faults = list(faults)
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self, method: str) -> frozenset[str]:
        fired = set()
        with self._lock:
            for fault in self.faults:
                if fault.name in WRITE_ONLY and method not in WRITES:
                    continue
                if self._random.random() < fault.rate:
                    fired.add(fault.name)
        return frozenset(fired)

    def replace(self, faults: Iterable[Fault]) -> None:
        with self._lock:
            self.faults = list(faults)

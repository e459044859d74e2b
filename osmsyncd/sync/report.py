"""What one run did, counted the way ``sync --json`` and ``status`` show it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from osmsyncd.records import Direction
from osmsyncd.records import Resource

COUNTS = ("created", "updated", "hidden", "shown", "unchanged", "failed", "conflicts")


@dataclass(frozen=True)
class RunOptions:
    """How a run was asked for: by the scheduler, or by ``osmsyncd sync``."""

    dry_run: bool = False
    full: bool = False
    record: str | None = None
    progress: bool = False
    run_id: str = ""
    # The daemon runs a connection's order import right before its article
    # export itself; a manual export does it here.
    orders_first: bool = True


@dataclass
class RunSummary:
    """The counts of one run. Records of the run's resource only."""

    connection: str
    resource: Resource
    direction: Direction
    run_id: str = ""
    created: int = 0
    updated: int = 0
    hidden: int = 0
    shown: int = 0
    unchanged: int = 0
    failed: int = 0
    conflicts: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    dry_run: bool = False
    error: str | None = None
    started_at: str = ""
    failures: dict[str, str] = field(default_factory=dict)
    succeeded: list[str] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list)
    # The order import an article export runs first, when it ran one.
    orders_first: dict[str, Any] | None = None

    @property
    def job(self) -> str:
        return job_id(self.connection, self.resource, self.direction)

    @property
    def writes(self) -> int:
        return self.created + self.updated + self.hidden + self.shown

    def as_dict(self) -> dict[str, Any]:
        """The JSON object ``sync --json`` prints for this run."""
        data: dict[str, Any] = {
            "connection": self.connection,
            "resource": str(self.resource),
            "direction": str(self.direction),
        }
        for name in COUNTS:
            data[name] = getattr(self, name)
        data["requests"] = dict(sorted(self.requests.items()))
        data["seconds"] = round(self.seconds, 3)
        data["run_id"] = self.run_id
        data["dry_run"] = self.dry_run
        data["error"] = self.error
        data["started_at"] = self.started_at
        if self.failures:
            data["failures"] = dict(self.failures)
        if self.dry_run:
            data["plan"] = list(self.plan)
        if self.orders_first is not None:
            data["orders_first"] = self.orders_first
        return data


def job_id(
    connection: str, resource: Resource | str, direction: Direction | str
) -> str:
    """The stable id of a job, used by the scheduler, locks and cursors."""
    return f"{connection}:{resource}:{direction}"

"""What the fault tests tried and what they found, for the session's table.

Each test records the faults it injected, the osmsyncd runs it made and the
audit of the end state (duplicates, stock mismatches, records lost). The
conftest prints the totals after the session and fails it when any audit
found something, so a regression shows as a number, not only as a trace.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field

COLUMNS = ("tried", "runs", "duplicates", "stock mismatches", "records lost")


@dataclass
class Findings:
    """What an audit of one end state found; empty lists mean all is well."""

    duplicates: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.duplicates or self.mismatches or self.lost)

    def extend(self, other: Findings) -> None:
        self.duplicates += other.duplicates
        self.mismatches += other.mismatches
        self.lost += other.lost

    def describe(self) -> str:
        parts = []
        for name, items in (
            ("duplicates", self.duplicates),
            ("stock mismatches", self.mismatches),
            ("records lost", self.lost),
        ):
            if items:
                parts.append(f"{name}: {'; '.join(items)}")
        return " | ".join(parts) or "nothing wrong"


@dataclass
class Row:
    tried: int = 0
    runs: int = 0
    duplicates: int = 0
    mismatches: int = 0
    lost: int = 0
    examples: list[str] = field(default_factory=list)


class Ledger:
    """Totals by fault name, shared by every test of the session."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = defaultdict(Row)

    def tried(self, fault: str, times: int = 1) -> None:
        self.rows[fault].tried += times

    def ran(self, fault: str, runs: int = 1) -> None:
        self.rows[fault].runs += runs

    def audited(self, fault: str, findings: Findings) -> None:
        row = self.rows[fault]
        row.duplicates += len(findings.duplicates)
        row.mismatches += len(findings.mismatches)
        row.lost += len(findings.lost)
        if findings:
            row.examples.append(findings.describe())

    @property
    def bad(self) -> bool:
        return any(r.duplicates or r.mismatches or r.lost for r in self.rows.values())

    def table(self) -> list[str]:
        """The table as text lines: one row per fault, then the totals."""
        names = sorted(self.rows)
        width = max([len("fault"), len("total"), *map(len, names)])
        head = f"{'fault':<{width}}  " + "  ".join(f"{c:>8}" for c in COLUMNS)
        lines = [head, "-" * len(head)]
        total = Row()
        for name in names:
            row = self.rows[name]
            lines.append(_line(name, row, width))
            total.tried += row.tried
            total.runs += row.runs
            total.duplicates += row.duplicates
            total.mismatches += row.mismatches
            total.lost += row.lost
        lines.append("-" * len(head))
        lines.append(_line("total", total, width))
        for name in names:
            for example in self.rows[name].examples[:3]:
                lines.append(f"{name}: {example}")
        return lines


def _line(name: str, row: Row, width: int) -> str:
    values = (row.tried, row.runs, row.duplicates, row.mismatches, row.lost)
    cells = "  ".join(
        f"{v:>{max(8, len(c))}}" for v, c in zip(values, COLUMNS, strict=True)
    )
    return f"{name:<{width}}  {cells}"


LEDGER = Ledger()

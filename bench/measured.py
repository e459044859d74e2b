"""One measured osmsyncd command: the real CLI with counters around it.

``python -m bench.measured STATS_FILE ARGS...`` runs ``osmsyncd ARGS...`` in
this process. A SQLAlchemy ``before_cursor_execute`` listener on every
engine counts the statements sent to OSM, a wrapper around the shared HTTP
client counts shop requests by method and resource, and when the command
ends their totals, the process's CPU time and peak RSS go to STATS_FILE as JSON. The
package itself carries no benchmark code. With ``BENCH_SQL_TRACE=FILE`` each
statement is also appended to FILE, to see where the queries go.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import event

from osmsyncd import cli
from osmsyncd.httpclient import HttpClient

queries: Counter[str] = Counter()
requests: Counter[str] = Counter()


def kind(method: str, path: str) -> str:
    """``POST images/products`` for ``images/products/12``: ids left out."""
    if path.startswith(("http://", "https://")):
        return f"{method} (download)"
    parts = [p for p in path.split("?")[0].strip("/").split("/") if p]
    named = [p for p in parts if not p.isdigit()]
    for prefix in (["wp-json", "wc", "v3"], ["wp-json", "wp", "v2"]):
        if named[: len(prefix)] == prefix:
            named = named[len(prefix) :]
    return f"{method} {'/'.join(named) or '/'}"


TRACE = os.environ.get("BENCH_SQL_TRACE")


def count_statement(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    queries[statement.split(None, 1)[0].upper() if statement.strip() else "?"] += 1
    if TRACE:
        with open(TRACE, "a") as trace:
            trace.write(" ".join(statement.split())[:300] + "\n")


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MiB.

    From VmHWM, which starts again at exec: ``ru_maxrss`` keeps the parent's
    size at fork, here the size of the bench that seeded the catalogue.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def count_requests(counter: Counter[str]) -> None:
    """Count every shop request of this process by kind into ``counter``."""
    original = HttpClient.request

    def counted(self: HttpClient, method: str, path: str, **kw: Any) -> Any:
        counter[kind(method.upper(), path)] += 1
        return original(self, method, path, **kw)

    HttpClient.request = counted  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    stats = Path(argv[0])
    if TRACE:
        with open(TRACE, "a") as trace:
            trace.write(f"-- osmsyncd {' '.join(argv[1:])}\n")
    event.listen(Engine, "before_cursor_execute", count_statement)
    count_requests(requests)
    status = 1
    try:
        status = cli.main(argv[1:])
    finally:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        stats.write_text(
            json.dumps(
                {
                    "status": status,
                    "queries": dict(queries),
                    "requests": dict(requests),
                    "peak_rss_mb": peak_rss_mb(),
                    "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
                }
            )
        )
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

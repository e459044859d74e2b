"""Changes feeds: orders, products and customers changed since a cursor.

A scan asks for ``modified_after = cursor − overlap`` with
``dates_are_gmt=true`` and a naive UTC string (a trailing ``Z`` would move
the cursor by the shop's offset), pages by id ascending, and lets each page
overlap the previous one by a few rows, so that a row leaving the set
during the scan cannot make another one slip past; repeats are dropped by
id. The rows are then handed out oldest change first, each page carrying
the newest ``date_modified_gmt`` it holds as its cursor: a page the engine
could not apply keeps the cursor before it, so its rows come back.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import TypeVar

import structlog

from osmsyncd.records import Page
from osmsyncd_woocommerce.client import PAGE
from osmsyncd_woocommerce.client import WooClient

log = structlog.get_logger(__name__)

T = TypeVar("T")
OVERLAP = timedelta(minutes=5)
PAGE_OVERLAP = 5
HANDED_OUT = 100
MAX_STEP_BACKS = 10


def parse_cursor(cursor: str | None) -> datetime | None:
    if not cursor:
        return None
    try:
        moment = datetime.fromisoformat(cursor)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def naive_utc(moment: datetime) -> str:
    """The filter value WooCommerce reads right with ``dates_are_gmt``."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def scan(client: WooClient, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of a filtered collection, by id, none skipped or repeated."""
    rows: dict[int, dict[str, Any]] = {}
    offset = 0
    last_id: int | None = None
    step_backs = 0
    base = {**params, "orderby": "id", "order": "asc", "per_page": PAGE}
    while True:
        items = client.call("GET", path, {**base, "offset": offset}).json()
        if not isinstance(items, list):
            raise ValueError(f"GET {path} did not answer a list")
        shifted = last_id is not None and items and int(items[0]["id"]) > last_id
        if shifted and step_backs < MAX_STEP_BACKS:
            # More rows left the set than the overlap covers: read again
            # from a full page earlier (rows already seen are dropped).
            log.info("feed_page_shifted", path=path, offset=offset)
            offset = max(0, offset - PAGE)
            last_id = None
            step_backs += 1
            continue
        for item in items:
            rows.setdefault(int(item["id"]), item)
        if len(items) < PAGE:
            break
        last_id = int(items[-1]["id"])
        offset += PAGE - PAGE_OVERLAP
    return sorted(rows.values(), key=lambda r: int(r["id"]))


def hand_out(
    rows: list[dict[str, Any]],
    convert: Callable[[dict[str, Any]], T],
    cursor: str | None,
) -> Iterator[Page[T]]:
    """Pages of records, oldest change first, each with its own cursor."""
    rows = sorted(rows, key=lambda r: (str(r.get("date_modified_gmt") or ""), r["id"]))
    if not rows:
        yield Page(records=[], cursor=cursor, more=False)
        return
    for start in range(0, len(rows), HANDED_OUT):
        chunk = rows[start : start + HANDED_OUT]
        newest = max(str(r.get("date_modified_gmt") or "") for r in chunk)
        mark = f"{newest}+00:00" if newest else cursor
        yield Page(
            records=[convert(row) for row in chunk],
            cursor=mark,
            more=start + HANDED_OUT < len(rows),
        )


def since_params(
    cursor: str | None, placed_since: datetime | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {"dates_are_gmt": "true"}
    since = parse_cursor(cursor)
    if since is not None:
        params["modified_after"] = naive_utc(since - OVERLAP)
    if placed_since is not None:
        # ``after`` is strict and filters on the creation date.
        params["after"] = naive_utc(placed_since - timedelta(seconds=1))
    return params

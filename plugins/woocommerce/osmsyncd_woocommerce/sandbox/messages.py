"""Requests and replies of the sandbox, and what every collection shares.

Collections page as WordPress pages them (``X-WP-Total``, ``X-WP-TotalPages``,
``Link`` with prev/next that repeat every query parameter), trim items with
``_fields``, and read date filters the way the real shop reads them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus
from urllib.parse import unquote_plus

from osmsyncd_woocommerce.sandbox.errors import RestError
from osmsyncd_woocommerce.sandbox.errors import invalid_date
from osmsyncd_woocommerce.sandbox.errors import not_of_type
from osmsyncd_woocommerce.sandbox.errors import out_of_bounds
from osmsyncd_woocommerce.sandbox.state import SHOP_ZONE

_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


@dataclass
class Principal:
    """Who a request runs as, and what its key may do."""

    user_id: int
    can_read: bool = True
    can_write: bool = True
    via: str = "key"


@dataclass
class Request:
    method: str
    route: str
    pairs: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    home: str
    principal: Principal | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params = parse_query(self.pairs)

    def json(self) -> Any:
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise RestError(
                400, "rest_invalid_json", "Invalid JSON body passed."
            ) from exc

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def flag(self, name: str) -> bool:
        value = self.params.get(name)
        return str(value).lower() in ("1", "true", "yes")

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=UTF-8"

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        text = json.dumps(self.body, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8")


def parse_query(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Query parameters as PHP reads them: the last one wins, ``a[]`` is a list."""
    params: dict[str, Any] = {}
    for key, value in pairs:
        match = re.fullmatch(r"([^\[]+)\[([^\]]*)\]", key)
        if match:
            params.setdefault(match.group(1), [])
            if isinstance(params[match.group(1)], list):
                params[match.group(1)].append(value)
            continue
        params[key] = value
    return params


def split_query(raw: str) -> list[tuple[str, str]]:
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


def api_root_link(home: str) -> str:
    return f'<{home}/wp-json/>; rel="https://api.w.org/"'


def self_links(home: str, route: str, collection: str) -> dict[str, Any]:
    return {
        "self": [
            {
                "href": f"{home}/wp-json{route}",
                "targetHints": {"allow": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
            }
        ],
        "collection": [{"href": f"{home}/wp-json{collection}"}],
    }


def trim_fields(item: dict[str, Any], fields: str | None, keep_links: bool) -> Any:
    """Keep only ``_fields`` (and ``_links`` on single objects)."""
    if not fields:
        return item
    wanted = {name.strip().split(".")[0] for name in fields.split(",")}
    if keep_links:
        wanted.add("_links")
    return {key: value for key, value in item.items() if key in wanted}


def page_bounds(request: Request, default_per_page: int = 10) -> tuple[int, int]:
    """``page`` and ``per_page``, refused as the real shop refuses them."""
    per_page = _integer(request, "per_page", default_per_page)
    page = _integer(request, "page", 1)
    if not 1 <= per_page <= 100:
        raise out_of_bounds(
            "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"
        )
    if page < 1:
        raise out_of_bounds("page", "page must be greater than or equal to 1")
    return page, per_page


def _integer(request: Request, name: str, default: int) -> int:
    value = request.get(name)
    if value is None or value == "":
        return default
    try:
        return int(str(value))
    except ValueError as exc:
        raise not_of_type(name, "integer") from exc


def collection(
    request: Request,
    items: Sequence[dict[str, Any]],
    render: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    default_per_page: int = 10,
    link_defaults: Sequence[tuple[str, str]] = (),
) -> Reply:
    """One page of a collection with WordPress's headers."""
    page, per_page = page_bounds(request, default_per_page)
    offset = request.get("offset")
    start = int(offset) if offset not in (None, "") else (page - 1) * per_page
    total = len(items)
    pages = (total + per_page - 1) // per_page
    chosen = items[start : start + per_page]
    fields = request.get("_fields")
    body = [trim_fields(render(item), fields, keep_links=False) for item in chosen]
    headers = {
        "X-WP-Total": str(total),
        "X-WP-TotalPages": str(pages),
        "Link": _page_links(request, page, pages, link_defaults),
    }
    return Reply(200, body, headers)


def _page_links(
    request: Request, page: int, pages: int, defaults: Sequence[tuple[str, str]]
) -> str:
    pairs = [(key, value) for key, value in request.pairs if not _secret(key)]
    present = {key for key, _ in pairs}
    pairs += [(key, value) for key, value in defaults if key not in present]
    base = f"{request.home}/wp-json{request.route}"

    def link(number: int) -> str:
        query = []
        placed = False
        for key, value in pairs:
            if key == "page":
                value, placed = str(number), True
            query.append(f"{quote_plus(key)}={quote_plus(value)}")
        if not placed:
            query.append(f"page={number}")
        return f"{base}?{'&'.join(query)}"

    links = []
    if page > 1 and page - 1 <= max(pages, 1):
        links.append(f'<{link(page - 1)}>; rel="prev"')
    elif page > 1:
        links.append(f'<{link(pages)}>; rel="prev"')
    if page < pages:
        links.append(f'<{link(page + 1)}>; rel="next"')
    return ", ".join(links) if links else api_root_link(request.home)


def _secret(key: str) -> bool:
    # The recordings had these removed; a sandbox never echoes credentials.
    return key.startswith(("oauth_", "consumer_"))


def parse_filter_date(request: Request, name: str) -> datetime | None:
    """A date filter as WooCommerce applies it, returned as a naive time.

    A naive string is compared with the GMT column when ``dates_are_gmt`` is
    set and with the local column otherwise. A string with ``Z`` or an offset
    is first turned into shop-local time: with ``dates_are_gmt`` that moves
    the cursor by the shop's offset, as the real shop does.
    """
    value = request.get(name)
    if value in (None, ""):
        return None
    match = _DATE.match(str(value))
    if not match:
        raise invalid_date(name)
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise invalid_date(name) from exc
    zone = match.group(8)
    if zone:
        text = "+00:00" if zone == "Z" else zone
        if ":" not in text:
            text = text[:3] + ":" + text[3:]
        aware = datetime.fromisoformat(moment.isoformat() + text)
        moment = aware.astimezone(SHOP_ZONE).replace(tzinfo=None)
    return moment


def column_time(request: Request, moment: datetime) -> datetime:
    """A stored UTC moment as the naive column a date filter compares with."""
    if request.flag("dates_are_gmt"):
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment.astimezone(SHOP_ZONE).replace(tzinfo=None)


def date_window(request: Request, created: datetime, modified: datetime) -> bool:
    """Whether a record passes after/before/modified_after/modified_before."""
    checks = (
        ("after", created, 1),
        ("before", created, -1),
        ("modified_after", modified, 1),
        ("modified_before", modified, -1),
    )
    for name, moment, direction in checks:
        bound = parse_filter_date(request, name)
        if bound is None:
            continue
        value = column_time(request, moment)
        if direction > 0 and not value > bound:
            return False
        if direction < 0 and not value < bound:
            return False
    return True


def comma_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if str(v) != ""]
    return [part for part in str(value).split(",") if part != ""]


def sort_records(
    request: Request,
    records: list[dict[str, Any]],
    keys: dict[str, Callable[[dict[str, Any]], Any]],
    default: str,
    default_order: str = "desc",
) -> list[dict[str, Any]]:
    orderby = str(request.get("orderby") or default)
    order = str(request.get("order") or default_order).lower()
    if orderby == "include" and request.get("include"):
        wanted = [int(i) for i in comma_list(request.get("include"))]
        return sorted(records, key=lambda r: wanted.index(r["id"]))
    key = keys.get(orderby, keys[default])
    return sorted(records, key=lambda r: (key(r), r["id"]), reverse=order == "desc")


def batch_reply(
    payload: Any,
    create: Callable[[dict[str, Any]], dict[str, Any]],
    update: Callable[[int, dict[str, Any]], dict[str, Any]],
) -> Reply:
    """A ``/batch`` answer: always 200, each item's error in its own place.

    A failed create answers ``{"id": 0, "error": …}``, a failed update the id
    it was sent with, as WooCommerce does.
    """
    answer: dict[str, list[Any]] = {}
    if "create" in payload:
        answer["create"] = []
        for item in payload["create"]:
            try:
                answer["create"].append(create(item))
            except RestError as exc:
                answer["create"].append({"id": 0, "error": exc.body()})
    if "update" in payload:
        answer["update"] = []
        for item in payload["update"]:
            item_id = int(item.get("id", 0) or 0)
            try:
                answer["update"].append(update(item_id, item))
            except RestError as exc:
                answer["update"].append({"id": item_id, "error": exc.body()})
    return Reply(200, answer)

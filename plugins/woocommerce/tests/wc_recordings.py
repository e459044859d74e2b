"""Replays the exchanges recorded against a real WooCommerce on a sandbox.

The recordings are one continuous run on a fresh shop, so they are replayed
in order against one fresh sandbox. Ids differ between the two shops: every
id the real shop handed out is mapped to the id the sandbox handed out for
the same record, and requests are rewritten with the sandbox's ids. The
sandbox's clock is pinned to the recording's clock (the latest ``*_gmt``
moment of each recorded answer), so date filters select the same records.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import struct
import time
import zlib
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED_IMAGES = "http://127.0.0.1:8090"

# Keys whose values depend on ids, times or the host: only their JSON types
# are compared.
VOLATILE = {
    "id",
    "product_id",
    "customer_id",
    "parent_id",
    "resource_id",
    "rate_id",
    "order_key",
    "payment_url",
    "permalink",
    "permalink_template",
    "number",
    "related_ids",
    "avatar_url",
    "store_id",
    "_links",
    "post",
    "link",
    "guid",
    "source_url",
    "class_list",
}
# Meta rows whose value is an id or a time.
ID_META = {"_refunded_item_id", "_wp_trash_meta_time"}
DATE_KEY = re.compile(r"^(date|modified)")


def sign_oauth(method: str, url: str, params: dict[str, str], secret: str) -> str:
    """An OAuth 1.0a HMAC-SHA256 signature, written independently of the sandbox."""

    def enc(text: str) -> str:
        return quote(text, safe="-._~")

    normal = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    text = f"{method}&{enc(url)}&{enc(normal)}"
    digest = hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Shop:
    """How to talk to one sandbox: its URL and its key."""

    url: str
    token: str
    verify: str | bool = True
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def key(self) -> str:
        return self.token.split(":")[0]

    @property
    def secret(self) -> str:
        return self.token.split(":")[1]

    def oauth_params(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        *,
        key: str | None = None,
        secret: str | None = None,
        stamp: int | None = None,
        nonce: str | None = None,
        signed_url: str | None = None,
    ) -> dict[str, str]:
        oauth = {
            "oauth_consumer_key": key or self.key,
            "oauth_timestamp": str(stamp or int(time.time())),
            "oauth_nonce": nonce or secrets.token_hex(12),
            "oauth_signature_method": "HMAC-SHA256",
        }
        url = signed_url or f"{self.url}{path}"
        signature = sign_oauth(method, url, {**query, **oauth}, secret or self.secret)
        return {**oauth, "oauth_signature": signature}

    def call(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        body: Any = None,
        *,
        auth: str = "oauth1-query",
        **oauth: Any,
    ) -> requests.Response:
        query = dict(query or {})
        headers: dict[str, str] = {}
        http_auth = None
        if auth == "oauth1-query":
            query.update(self.oauth_params(method, path, query, **oauth))
        elif auth == "oauth1-header":
            params = self.oauth_params(method, path, query, **oauth)
            headers["Authorization"] = "OAuth " + ", ".join(
                f'{k}="{quote(v, safe="")}"' for k, v in params.items()
            )
        elif auth == "basic":
            http_auth = (
                oauth.get("key") or self.key,
                oauth.get("secret") or self.secret,
            )
        return self.session.request(
            method,
            f"{self.url}{path}",
            params=query,
            json=body,
            headers=headers,
            auth=http_auth,
            verify=self.verify,
            timeout=30,
        )


def load(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text("utf-8"))
    return data


def fixture_names() -> list[str]:
    return sorted(
        p.name for p in FIXTURES.glob("*.json") if not p.name.startswith("21")
    )


@dataclass
class IdMap:
    """Recorded id → sandbox id, per id space."""

    spaces: dict[str, dict[int, int]] = field(default_factory=dict)

    def learn(self, space: str, recorded: Any, actual: Any) -> None:
        if isinstance(recorded, int) and isinstance(actual, int) and recorded:
            self.spaces.setdefault(space, {})[recorded] = actual

    def get(self, space: str, recorded: int) -> int:
        return self.spaces.get(space, {}).get(recorded, recorded)


def space_of(path: str) -> str:
    if "/customers" in path:
        return "user"
    if "/categories" in path:
        return "term"
    if "/taxes" in path:
        return "rate"
    return "post"


def rewrite_path(path: str, ids: IdMap) -> str:
    def swap(match: re.Match[str]) -> str:
        return (
            f"{match.group(1)}/{ids.get(space_of(match.group(1)), int(match.group(2)))}"
        )

    return re.sub(
        r"(/(?:products/categories|products|orders|customers|media|taxes))/(\d+)",
        swap,
        path,
    )


def rewrite_body(body: Any, ids: IdMap, images: str) -> Any:
    """The recorded request body with the sandbox's ids and image host."""
    if body is None:
        return None
    body = json.loads(json.dumps(body).replace(RECORDED_IMAGES, images))
    if not isinstance(body, dict):
        return body
    if "categories" in body:
        for item in body["categories"]:
            item["id"] = ids.get("term", item["id"])
    if "parent" in body and isinstance(body["parent"], int):
        body["parent"] = ids.get("term", body["parent"])
    for image in body.get("images") or []:
        if "id" in image:
            image["id"] = ids.get("post", image["id"])
    if "customer_id" in body:
        body["customer_id"] = ids.get("user", body["customer_id"])
    for line in body.get("line_items") or []:
        if "product_id" in line:
            line["product_id"] = ids.get("post", line["product_id"])
        if "id" in line:
            line["id"] = ids.get("item", line["id"])
        for tax in line.get("refund_tax") or []:
            tax["id"] = ids.get("rate", tax["id"])
    for item in body.get("create") or []:
        rewrite_body(item, ids, images)
    for item in body.get("update") or []:
        item["id"] = ids.get("post", item["id"])
        rewrite_body(item, ids, images)
    if "delete" in body:
        body["delete"] = [ids.get("post", i) for i in body["delete"]]
    return body


def rewrite_query(query: dict[str, str], ids: IdMap) -> dict[str, str]:
    query = dict(query)
    if "include" in query:
        query["include"] = ",".join(
            str(ids.get("post", int(i))) for i in query["include"].split(",")
        )
    if "customer" in query:
        query["customer"] = str(ids.get("user", int(query["customer"])))
    return query


def learn_ids(path: str, recorded: Any, actual: Any, ids: IdMap) -> None:
    """Pair the ids the two shops gave the same records."""
    space = space_of(path)
    if isinstance(recorded, dict) and isinstance(actual, dict):
        if "/refunds" in path and "id" in recorded:
            space = "post"
        ids.learn(space, recorded.get("id"), actual.get("id"))
        if "product_id" in recorded or "line_items" in recorded:
            for rec, act in zip(
                recorded.get("line_items") or [],
                actual.get("line_items") or [],
                strict=False,
            ):
                ids.learn("item", rec.get("id"), act.get("id"))
        for group in ("create", "update", "delete"):
            for rec, act in zip(
                recorded.get(group) or [], actual.get(group) or [], strict=False
            ):
                if isinstance(rec, dict) and isinstance(act, dict):
                    ids.learn("post", rec.get("id"), act.get("id"))
        for rec, act in zip(
            recorded.get("images") or [], actual.get("images") or [], strict=False
        ):
            ids.learn("post", rec.get("id"), act.get("id"))
    if (
        isinstance(recorded, list)
        and isinstance(actual, list)
        and "/categories" in path
    ):
        for rec in recorded:
            for act in actual:
                if rec.get("slug") == act.get("slug"):
                    ids.learn("term", rec.get("id"), act.get("id"))


def recorded_clock(response: Any) -> datetime | None:
    """The latest ``*_gmt`` moment in a recorded answer."""
    found = re.findall(
        r'"(?:date|modified)[a-z_]*_gmt": "([0-9T:-]{19})"', json.dumps(response)
    )
    if not found:
        return None
    return datetime.fromisoformat(max(found)).replace(tzinfo=UTC)


def natural_key(item: Any) -> str:
    if not isinstance(item, dict):
        return json.dumps(item, sort_keys=True)
    names = ("sku", "email", "slug", "key", "note", "reason", "status", "total", "name")
    return json.dumps([item.get(name) for name in names], default=str)


def differences(
    recorded: Any,
    actual: Any,
    *,
    where: str = "",
    values: bool = True,
    subset: bool = False,
    ignore: frozenset[str] = frozenset(),
) -> list[str]:
    """Where the sandbox's answer departs from the recorded one.

    Keys and JSON types always count; values count when ``values`` is set
    and the key is not id-, time- or host-dependent. With ``subset`` the
    sandbox may leave out keys the real shop sends.
    """
    problems: list[str] = []
    if type(recorded) is not type(actual) and not (
        isinstance(recorded, int | float)
        and isinstance(actual, int | float)
        and not isinstance(recorded, bool)
        and not isinstance(actual, bool)
        and where.endswith(("price", "rate_percent"))
    ):
        if recorded is None or actual is None:
            if values:
                problems.append(f"{where}: {recorded!r} != {actual!r}")
            return problems
        return [f"{where}: type {type(recorded).__name__} != {type(actual).__name__}"]

    if isinstance(recorded, dict):
        missing = set(recorded) - set(actual) - ignore
        extra = set(actual) - set(recorded) - ignore
        if missing and not subset:
            problems.append(f"{where}: missing keys {sorted(missing)}")
        if extra:
            problems.append(f"{where}: extra keys {sorted(extra)}")
        id_meta = recorded.get("key") in ID_META
        for key in recorded:
            if key in ignore or key not in actual:
                continue
            volatile = key in VOLATILE or DATE_KEY.match(key) is not None
            volatile = volatile or (id_meta and key in ("value", "display_value"))
            problems += differences(
                recorded[key],
                actual[key],
                where=f"{where}.{key}",
                values=values and not volatile,
                subset=subset,
                ignore=ignore,
            )
        return problems

    if isinstance(recorded, list):
        if len(recorded) != len(actual):
            if values:
                problems.append(f"{where}: {len(recorded)} items != {len(actual)}")
            return problems
        pairs = zip(
            sorted(recorded, key=natural_key),
            sorted(actual, key=natural_key),
            strict=True,
        )
        for index, (rec, act) in enumerate(pairs):
            problems += differences(
                rec,
                act,
                where=f"{where}[{index}]",
                values=values,
                subset=subset,
                ignore=ignore,
            )
        return problems

    if values and recorded != actual:
        if isinstance(recorded, str) and re.search(
            r"https?://|#\d+|\d{4}-\d\d-\d\d", recorded
        ):
            return problems
        problems.append(f"{where}: {recorded!r} != {actual!r}")
    return problems


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )

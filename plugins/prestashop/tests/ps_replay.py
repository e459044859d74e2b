"""Replaying the recorded PrestaShop exchanges against a sandbox.

The recordings were made on a real PrestaShop 8.2.1 in a known order; the
replay sends the same requests, in that order, to one fresh sandbox, steers
its clock and its next ids from the recorded answers (a few objects were
made outside the recordings), and compares each answer with the recorded
one: status, content type, error codes, the element or key structure and
every value that does not depend on the moment (dates, secrets, random
references are masked).
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from osmsyncd_prestashop.sandbox import Sandbox

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED_BASE = "http://127.0.0.1:8082"
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
MASKED_KEYS = {
    "secure_key",
    "passwd",
    "invoice_number",
    "delivery_number",
    "id_order_invoice",
    "order_reference",
    "content",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
XLINK = "{http://www.w3.org/1999/xlink}href"


@dataclass
class Exchange:
    file: str
    index: int
    data: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.file[:2]}#{self.index}"


def exchanges() -> list[Exchange]:
    found = []
    for path in sorted(FIXTURES.glob("[0-9][0-9]_*.json")):
        for index, data in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            found.append(Exchange(path.name, index, data))
    return found


def recorded_image() -> bytes:
    """The JPEG the recording downloaded, used for the uploads it made."""
    for exchange in exchanges():
        if exchange.data.get("response_body_base64"):
            return base64.b64decode(exchange.data["response_body_base64"])
    raise AssertionError("no recorded image")


def _times(body: str | None) -> list[str]:
    return [t for t in DATETIME.findall(body or "") if not t.startswith("0000")]


def clock_plan(items: list[Exchange]) -> list[datetime]:
    """The shop time at each exchange, taken from the recorded answers."""
    plan: list[datetime] = []
    current = datetime(2026, 12, 4, 16, 41, 31)
    for position, exchange in enumerate(items):
        seen = _times(exchange.data.get("response_body"))
        if not seen and exchange.data["method"] in WRITES:
            for later in items[position + 1 :]:
                seen = _times(later.data.get("response_body"))
                if seen:
                    seen = [min(seen)]
                    break
        if seen:
            current = max(current, datetime.fromisoformat(max(seen)))
        plan.append(current)
    return plan


def _next_ids(
    exchange: Exchange, items: list[Exchange], position: int
) -> dict[str, int]:
    """Ids the sandbox must hand out next so that they match the recording."""
    data = exchange.data
    body = data.get("response_body") or ""
    wanted: dict[str, int] = {}
    if (
        data["method"] != "POST"
        or data["status"] not in (200, 201)
        or "ps_method" in (data.get("query") or {})
    ):
        return wanted
    parts = data["path"].split("/")
    resource = "images" if parts[2] == "images" else parts[2]
    found = re.search(r"<id><!\[CDATA\[(\d+)\]\]></id>", body)
    if found:
        wanted[resource] = int(found[1])
    if resource == "orders":
        rows = re.findall(r"<order_row>\s*<id><!\[CDATA\[(\d+)\]\]>", body)
        if rows:
            wanted["order_details"] = int(rows[0])
        order_id = wanted.get("orders")
        for later in items[position + 1 :]:
            text = later.data.get("response_body") or ""
            if "order_histories" not in text:
                continue
            ids = [
                int(row["id"])
                for row in _json_rows(text, "order_histories")
                if str(row.get("id_order")) == str(order_id)
            ]
            if ids:
                wanted["order_histories"] = min(ids)
                break
    return wanted


def _json_rows(text: str, name: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    rows = data.get(name, []) if isinstance(data, dict) else []
    return [row for row in rows if isinstance(row, dict)]


def _multipart(parts: list[dict[str, Any]], image: bytes) -> tuple[bytes, str]:
    boundary = "osmsyncd-replay-boundary"
    body = b""
    for part in parts:
        if part["content_type"].startswith("image/"):
            data = image
        else:
            data = b"x" * part["bytes"]
        disposition = (
            f'form-data; name="{part["field"]}"; filename="{part["filename"]}"'
        )
        body += (
            (
                f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                f"Content-Type: {part['content_type']}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def send(sandbox: Sandbox, exchange: Exchange, image: bytes) -> requests.Response:
    data = exchange.data
    url = sandbox.url + data["path"]
    query = data.get("raw_query") or ""
    auth_mode = data.get("auth") or ""
    headers = {
        k: v
        for k, v in (data.get("request_headers") or {}).items()
        if k.lower() != "content-type" or not v.startswith("multipart/")
    }
    wrong_key = "W" * 32
    auth: tuple[str, str] | None = None
    if auth_mode.startswith("basic (key"):
        auth = (sandbox.token, "")
    elif auth_mode.startswith("basic with a wrong 32"):
        auth = (wrong_key, "")
    elif auth_mode.startswith("basic with a 6"):
        auth = ("ABCDEF", "")
    elif auth_mode.startswith("ws_key query parameter with a wrong"):
        query = f"{query}&ws_key={wrong_key}" if query else f"ws_key={wrong_key}"
    elif auth_mode.startswith("ws_key"):
        query = (
            f"{query}&ws_key={sandbox.token}" if query else f"ws_key={sandbox.token}"
        )
    if query:
        url += "?" + query
    body: bytes | None = None
    if data.get("request_multipart"):
        body, headers["Content-Type"] = _multipart(data["request_multipart"], image)
    elif data.get("request_body") is not None:
        body = data["request_body"].encode("utf-8")
    return requests.request(
        data["method"], url, data=body, headers=headers, auth=auth, timeout=10
    )


def run(sandbox: Sandbox) -> dict[str, list[str]]:
    """Replay every exchange; return the differences found for each."""
    items = exchanges()
    plan = clock_plan(items)
    image = recorded_image()
    now = [plan[0]]
    sandbox.set_clock(lambda: now[0])
    sandbox.start()
    results: dict[str, list[str]] = {}
    for position, exchange in enumerate(items):
        now[0] = plan[position]
        for resource, next_id in _next_ids(exchange, items, position).items():
            sandbox.set_next_id(resource, next_id)
        note = exchange.data.get("note") or ""
        if "PS_WEBSERVICE=0" in note:
            sandbox.set_webservice(False)
        response = send(sandbox, exchange, image)
        sandbox.set_webservice(True)
        results[exchange.key] = compare(exchange, response, sandbox.url)
    return results


# -- comparison ---------------------------------------------------------------


def _family(content_type: str | None) -> str:
    if not content_type:
        return "none"
    for family in ("json", "xml", "html", "image"):
        if family in content_type:
            return family
    return content_type


def _mask(key: str, value: Any, in_order: bool) -> Any:
    if (
        isinstance(value, str)
        and DATETIME.fullmatch(value)
        and not value.startswith("0")
    ):
        return "<datetime>"
    if key in MASKED_KEYS or (key == "reference" and in_order):
        return "<masked>"
    return value


def compare(exchange: Exchange, response: requests.Response, base: str) -> list[str]:
    data = exchange.data
    problems = []
    if response.status_code != data["status"]:
        problems.append(f"status {response.status_code} != {data['status']}")
    recorded_headers = data["response_headers"]
    family = _family(response.headers.get("Content-Type"))
    if family != _family(recorded_headers.get("Content-Type")):
        problems.append(f"content type {response.headers.get('Content-Type')!r}")
    if response.headers.get("PSWS-Version") != recorded_headers.get("PSWS-Version"):
        problems.append(f"PSWS-Version {response.headers.get('PSWS-Version')!r}")
    if ("WWW-Authenticate" in response.headers) != (
        "WWW-Authenticate" in recorded_headers
    ):
        problems.append("WWW-Authenticate presence differs")
    if problems:
        return problems

    recorded = data.get("response_body")
    text = response.content.decode("utf-8", "replace").replace(base, RECORDED_BASE)
    if family == "image":
        return []
    if not recorded:
        return [] if not response.content else [f"unexpected body {text[:80]!r}"]
    if family == "json":
        sorted_lists = "sort" not in (data.get("query") or {})
        found: list[str] = []
        _compare_json(
            json.loads(recorded), json.loads(text), "$", found, sorted_lists, False
        )
        return found[:12]
    if family == "xml":
        sorted_lists = "sort" not in (data.get("query") or {})
        found = []
        _compare_xml(_xml(recorded), _xml(text), "", found, sorted_lists, False)
        return found[:12]
    return [] if recorded.strip() == text.strip() else [f"body {text[:120]!r}"]


def _xml(text: str) -> ET.Element:
    clean = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", text)
    return ET.fromstring(clean)


def _errors_equal(recorded: list[Any], found: list[Any], problems: list[str]) -> None:
    codes_r = [str(e[0]) for e in recorded]
    codes_f = [str(e[0]) for e in found]
    if codes_r != codes_f:
        problems.append(f"error codes {codes_f} != {codes_r}")
        return
    for (code, message_r), (_, message_f) in zip(recorded, found, strict=True):
        if str(code) != "3" and message_r != message_f:
            problems.append(f"error {code} message {message_f!r} != {message_r!r}")


def _compare_xml(
    recorded: ET.Element,
    found: ET.Element,
    path: str,
    problems: list[str],
    loose_order: bool,
    in_order: bool,
) -> None:
    here = f"{path}/{found.tag}"
    if recorded.tag != found.tag:
        problems.append(f"{here}: tag != {recorded.tag}")
        return
    if recorded.tag == "errors":
        _errors_equal(
            [(e.findtext("code"), e.findtext("message")) for e in recorded],
            [(e.findtext("code"), e.findtext("message")) for e in found],
            problems,
        )
        return
    in_order = in_order or recorded.tag in ("order", "order_payment")
    attrs_r = {k: v for k, v in recorded.attrib.items()}
    attrs_f = {k: v for k, v in found.attrib.items()}
    if attrs_r != attrs_f:
        problems.append(f"{here}: attributes {attrs_f} != {attrs_r}")
    text_r = _mask(recorded.tag, (recorded.text or "").strip(), in_order)
    text_f = _mask(found.tag, (found.text or "").strip(), in_order)
    if text_r != text_f and recorded.tag != "content":
        problems.append(f"{here}: {text_f!r} != {text_r!r}")
    children_r, children_f = list(recorded), list(found)
    if [c.tag for c in children_r] != [c.tag for c in children_f]:
        problems.append(
            f"{here}: children {[c.tag for c in children_f]} != "
            f"{[c.tag for c in children_r]}"
        )
        return
    if loose_order and len({c.tag for c in children_r}) == 1 and len(children_r) > 1:
        children_r = sorted(children_r, key=_xml_key)
        children_f = sorted(children_f, key=_xml_key)
    for child_r, child_f in zip(children_r, children_f, strict=True):
        _compare_xml(child_r, child_f, here, problems, loose_order, in_order)


def _compare_json(
    recorded: Any,
    found: Any,
    path: str,
    problems: list[str],
    loose_order: bool,
    in_order: bool,
    key: str = "",
) -> None:
    if isinstance(recorded, dict) and "errors" in recorded and isinstance(found, dict):
        _errors_equal(
            [(e["code"], e["message"]) for e in recorded["errors"]],
            [(e.get("code"), e.get("message")) for e in found.get("errors", [])],
            problems,
        )
        rest_r = {k: v for k, v in recorded.items() if k != "errors"}
        rest_f = {k: v for k, v in found.items() if k != "errors"}
        _compare_json(rest_r, rest_f, path, problems, loose_order, in_order)
        return
    if type(recorded) is not type(found):
        problems.append(
            f"{path}: type {type(found).__name__} != {type(recorded).__name__}"
        )
        return
    if isinstance(recorded, dict):
        if set(recorded) != set(found):
            missing = sorted(set(recorded) - set(found))
            extra = sorted(set(found) - set(recorded))
            problems.append(f"{path}: missing keys {missing}, extra keys {extra}")
        inner = in_order or key in ("order", "orders", "order_payments")
        for name in recorded:
            if name in found:
                _compare_json(
                    recorded[name], found[name], f"{path}.{name}", problems,
                    loose_order, inner, name,
                )  # fmt: skip
        return
    if isinstance(recorded, list):
        if len(recorded) != len(found):
            problems.append(f"{path}: {len(found)} items != {len(recorded)}")
            return
        if loose_order and path.count(".") <= 1:
            recorded = sorted(recorded, key=_json_key)
            found = sorted(found, key=_json_key)
        for position, (item_r, item_f) in enumerate(zip(recorded, found, strict=True)):
            _compare_json(
                item_r,
                item_f,
                f"{path}[{position}]",
                problems,
                loose_order,
                in_order,
                key,
            )
        return
    if _mask(key, recorded, in_order) != _mask(key, found, in_order):
        problems.append(f"{path}: {found!r} != {recorded!r}")


def _xml_key(element: ET.Element) -> str:
    return element.get("id") or element.findtext("id") or ET.tostring(element).decode()


def _json_key(item: Any) -> str:
    if isinstance(item, dict) and "id" in item:
        return str(item["id"]).zfill(12)
    return json.dumps(item, sort_keys=True)

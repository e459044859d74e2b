"""The sandbox answers the recorded WooCommerce exchanges as the real shop did.

Every exchange of fixtures 01–25 is replayed in order on one fresh HTTPS
sandbox (plain-HTTP-only exchanges on a second, plain one). Status codes,
error codes and messages, key sets, JSON types, pagination headers and the
values that depend on neither ids nor times must match.

Exchanges deliberately not replayed, and why:

- 20_webhooks #0 #1 #2 #5 #6: webhooks are not served; the provider polls
  (the product and order changes of #3 and #4 are replayed).
- 21_webhook_deliveries: not a request/response exchange.
- 22_media #0: ``wp/v2/users/me/application-passwords`` is a WordPress
  admin route the provider never calls.

Exchanges compared on keys and types only (values left out), and why:

- 01 #0 #1 #2: the index, ``system_status`` and the products schema name the
  recording's site, server and plugins; the sandbox sends the subset a
  client reads (a separate test checks the schema facts).
- 08 #4: the default order (date, descending) of products created in the
  same second is arbitrary in WooCommerce 10.0.2.
- 22 media items: WordPress's generated thumbnail sizes and rendered
  description are not reproduced (``media_details``, ``description``).
- settings (19, 25): labels, help texts and option lists of the admin
  screens are not reproduced; ids, types, defaults and values are.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
import requests
from osmsyncd_woocommerce.sandbox import Sandbox
from wc_recordings import RECORDED_IMAGES
from wc_recordings import IdMap
from wc_recordings import Shop
from wc_recordings import differences
from wc_recordings import fixture_names
from wc_recordings import learn_ids
from wc_recordings import load
from wc_recordings import png
from wc_recordings import recorded_clock
from wc_recordings import rewrite_body
from wc_recordings import rewrite_path
from wc_recordings import rewrite_query

SKIPPED = {
    ("20_webhooks.json", 0): "webhooks are not served",
    ("20_webhooks.json", 1): "webhooks are not served",
    ("20_webhooks.json", 2): "webhooks are not served",
    ("20_webhooks.json", 5): "webhooks are not served",
    ("20_webhooks.json", 6): "webhooks are not served",
    ("22_media_upload_app_password.json", 0): "WordPress users route not served",
}
SETTINGS_TEXTS = frozenset({"label", "description", "tip", "options"})
MEDIA_EXTRAS = frozenset({"media_details", "description"})
SHAPE_ONLY = {
    ("01_system_status.json", 0),
    ("01_system_status.json", 1),
    ("01_system_status.json", 2),
    ("08_products_list_pagination.json", 4),
}
SUBSET = {("01_system_status.json", 1), ("01_system_status.json", 2)}
PLAIN_HTTP = {
    ("16_auth_errors.json", 11),
    ("22_media_upload_app_password.json", 11),
}


JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xc0\x00\x0b\x08\x00\x20\x00\x30\x01\x01\x11\x00\xff\xd9"
)
FILES = {
    "/caffe-tazza.jpg": (JPEG, "image/jpeg"),
    "/ceramica-blu.png": (png(40, 30), "image/png"),
    "/non-immagine.jpg": (b"questo non e' un'immagine\n", "image/jpeg"),
}


class _Images(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        found = FILES.get(self.path)
        if found is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", found[1])
        self.send_header("Content-Length", str(len(found[0])))
        self.end_headers()
        self.wfile.write(found[0])


@pytest.fixture(scope="module")
def image_host() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _send(
    shop: Shop,
    sandbox: Sandbox,
    name: str,
    index: int,
    exchange: dict[str, Any],
    ids: IdMap,
    images: str,
    read_only: str,
) -> requests.Response:
    path = rewrite_path(exchange["path"], ids)
    query = rewrite_query(exchange["query"], ids)
    method = exchange["method"]
    auth = exchange["auth"]

    if auth == "basic-app-password":
        password = sandbox.media_password
        if (name, index) == ("22_media_upload_app_password.json", 6):
            password = "wrong pass word"
        headers = dict(exchange.get("request_headers") or {})
        body: Any = base64.b64decode(exchange.get("request_body_base64") or "")
        kwargs: dict[str, Any] = {"data": body} if body else {}
        if exchange["request_json"] is not None:
            kwargs = {"json": rewrite_body(exchange["request_json"], ids, images)}
        return shop.session.request(
            method,
            f"{shop.url}{path}",
            params=query,
            headers=headers,
            auth=(sandbox.media_user, password),
            verify=shop.verify,
            timeout=30,
            **kwargs,
        )

    body = rewrite_body(exchange["request_json"], ids, images)
    oauth: dict[str, Any] = {}
    if name == "16_auth_errors.json":
        now = int(time.time())
        variants: dict[int, dict[str, Any]] = {
            1: {"key": "ck_" + "0" * 40},
            2: {"secret": "cs_" + "0" * 40},
            3: {"stamp": now - 3600},
            4: {"nonce": "replayed-nonce-16"},
            5: {"nonce": "replayed-nonce-16"},
            9: {"key": "ck_" + "1" * 40},
            10: {"secret": "cs_" + "1" * 40},
            12: {"signed_url": f"https://127.0.0.1:1{path}"},
        }
        oauth = variants.get(index, {})
        if index in (13, 14):
            oauth = {"key": read_only.split(":")[0], "secret": read_only.split(":")[1]}
    return shop.call(method, path, query, body, auth=auth, **oauth)


def _compare(
    name: str, index: int, exchange: dict[str, Any], answer: requests.Response
) -> list[str]:
    where = f"{name}#{index}"
    problems = []
    if answer.status_code != exchange["status"]:
        problems.append(f"{where}: status {exchange['status']} != {answer.status_code}")
    try:
        actual = answer.json()
    except ValueError:
        return [*problems, f"{where}: body is not JSON: {answer.text[:200]!r}"]

    recorded = exchange["response_json"]
    ignore: frozenset[str] = frozenset()
    if "/settings/" in exchange["path"]:
        ignore = SETTINGS_TEXTS
    if "/wp/v2/media" in exchange["path"]:
        ignore = MEDIA_EXTRAS
    problems += differences(
        recorded,
        actual,
        where=where,
        values=(name, index) not in SHAPE_ONLY,
        subset=(name, index) in SUBSET,
        ignore=ignore,
    )

    headers = exchange["response_headers"]
    for header in ("X-WP-Total", "X-WP-TotalPages"):
        if header in headers and answer.headers.get(header) != headers[header]:
            if (name, index) not in SHAPE_ONLY:
                problems.append(
                    f"{where}: {header} {headers[header]} != "
                    f"{answer.headers.get(header)}"
                )
    if "Link" in headers:
        wanted = sorted(part.split("rel=")[1] for part in headers["Link"].split(", <"))
        got = sorted(
            part.split("rel=")[1]
            for part in answer.headers.get("Link", "").split(", <")
        )
        if wanted != got:
            problems.append(f"{where}: Link rels {wanted} != {got}")
    return problems


@pytest.fixture(scope="module")
def replay(image_host: str) -> Iterator[dict[str, list[str]]]:
    """Replay every supported exchange; map file → list of problems."""
    secure = Sandbox(https=True).start()
    plain = Sandbox().start()
    shop = Shop(secure.url, secure.token, verify=secure.cafile or True)
    plain_shop = Shop(plain.url, plain.token)
    read_only = secure.admin_add_key("read")
    plain.auth.app_password = secure.media_password
    ids = IdMap()
    results: dict[str, list[str]] = {}
    try:
        for name in fixture_names():
            problems: list[str] = []
            for index, exchange in enumerate(load(name)):
                if (name, index) in SKIPPED:
                    continue
                moment = recorded_clock(exchange["response_json"])
                if moment is not None:
                    secure.admin_set_clock(moment)
                target = plain_shop if (name, index) in PLAIN_HTTP else shop
                sandbox = plain if (name, index) in PLAIN_HTTP else secure
                answer = _send(
                    target, sandbox, name, index, exchange, ids, image_host, read_only
                )
                problems += _compare(name, index, exchange, answer)
                try:
                    learn_ids(
                        exchange["path"], exchange["response_json"], answer.json(), ids
                    )
                except ValueError:
                    pass
            results[name] = problems
        yield results
    finally:
        secure.stop()
        plain.stop()


@pytest.mark.parametrize("name", fixture_names())
def test_recorded_exchange_is_answered_alike(name: str, replay: dict[str, list[str]]):
    """Each recorded exchange gets the real shop's codes, keys, types and values."""
    assert replay[name] == []


def test_products_schema_names_the_features_a_client_detects():
    """OPTIONS /products: string prices, integer stock, a GTIN field, no COGS."""
    with Sandbox() as sandbox:
        shop = Shop(sandbox.url, sandbox.token)
        schema = shop.call("OPTIONS", "/wp-json/wc/v3/products").json()["schema"]
    properties = schema["properties"]
    assert properties["regular_price"]["type"] == "string"
    assert properties["stock_quantity"]["type"] == "integer"
    assert "global_unique_id" in properties
    assert "cost_of_goods_sold" not in properties


def test_clock_pinning_uses_the_latest_recorded_moment():
    """The replay clock follows the newest *_gmt moment of a recorded answer."""
    answer = {
        "date_created_gmt": "2026-12-04T15:55:49",
        "x": {"date_modified_gmt": "2026-12-04T15:56:02"},
    }
    assert recorded_clock(answer) == datetime(2026, 12, 4, 15, 56, 2, tzinfo=UTC)
    assert RECORDED_IMAGES.endswith(":8090")

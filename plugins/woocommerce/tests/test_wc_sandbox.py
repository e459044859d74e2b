"""The sandbox's command line, its HTTPS, its faults and its shop rules."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest
import requests
from osmsyncd_woocommerce.sandbox import Sandbox
from wc_recordings import Shop
from wc_recordings import png


def test_command_line_announces_url_and_token_then_stops_on_sigterm():
    """The first stdout line is JSON with url and a ck_/cs_ token; SIGTERM ends it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "osmsyncd_woocommerce.sandbox", "--seed", "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = json.loads(process.stdout.readline())
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", line["url"])
        assert re.fullmatch(r"ck_[0-9a-f]{40}:cs_[0-9a-f]{40}", line["token"])
        answer = Shop(line["url"], line["token"]).call("GET", "/wp-json/wc/v3/products")
        assert answer.status_code == 200
        assert answer.json() == []
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_https_sandbox_serves_basic_auth_with_its_own_certificate():
    """With --https the cafile verifies the shop and Basic ck:cs works."""
    with Sandbox(https=True) as sandbox:
        assert sandbox.url.startswith("https://127.0.0.1:")
        assert sandbox.cafile is not None
        shop = Shop(sandbox.url, sandbox.token, verify=sandbox.cafile)
        answer = shop.call("GET", "/wp-json/wc/v3/system_status", auth="basic")
        assert answer.status_code == 200
        assert answer.json()["environment"]["version"] == "10.0.2"
        keys = {"consumer_key": shop.key, "consumer_secret": shop.secret}
        answer = requests.get(
            f"{sandbox.url}/wp-json/wc/v3/products",
            params=keys,
            verify=sandbox.cafile,
            timeout=10,
        )
        assert answer.status_code == 200


def test_plain_http_refuses_basic_auth_like_the_real_shop():
    """Over plain HTTP correct Basic credentials are ignored: 401 cannot_view."""
    with Sandbox() as sandbox:
        answer = Shop(sandbox.url, sandbox.token).call(
            "GET", "/wp-json/wc/v3/products", auth="basic"
        )
    assert answer.status_code == 401
    assert answer.json()["code"] == "woocommerce_rest_cannot_view"


@pytest.fixture
def shop_and_sandbox():
    sandbox = Sandbox(https=True).start()
    yield Shop(sandbox.url, sandbox.token, verify=sandbox.cafile or True), sandbox
    sandbox.stop()


def test_fault_429_answers_with_retry_after(shop_and_sandbox):
    """The 429 fault refuses the request with a Retry-After header."""
    shop, sandbox = shop_and_sandbox
    sandbox.faults.force("429")
    answer = shop.call("GET", "/wp-json/wc/v3/products", auth="basic")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "1"
    assert shop.call("GET", "/wp-json/wc/v3/products", auth="basic").status_code == 200


def test_fault_500_after_write_applies_the_write(shop_and_sandbox):
    """500-after-write answers 500 although the product was created."""
    shop, sandbox = shop_and_sandbox
    sandbox.faults.force("500-after-write")
    answer = shop.call(
        "POST",
        "/wp-json/wc/v3/products",
        body={"name": "Lost", "sku": "LOST-1", "regular_price": "1.00"},
        auth="basic",
    )
    assert answer.status_code == 500
    product = sandbox.admin_product("LOST-1")
    assert product is not None
    assert product["name"] == "Lost"


def test_write_only_faults_spare_reads(shop_and_sandbox):
    """redirect-write touches writes only: a GET passes, the next POST is redirected."""
    shop, sandbox = shop_and_sandbox
    sandbox.faults.rates["redirect-write"] = 1.0
    assert shop.call("GET", "/wp-json/wc/v3/products", auth="basic").status_code == 200
    answer = shop.session.post(
        f"{sandbox.url}/wp-json/wc/v3/products",
        json={"name": "x"},
        auth=(shop.key, shop.secret),
        verify=shop.verify,
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 301
    assert sandbox.admin_products() == []


def test_fault_html_200_and_truncated_bodies(shop_and_sandbox):
    """html-200 sends an HTML page with 200; truncated cuts the JSON short."""
    shop, sandbox = shop_and_sandbox
    sandbox.faults.force("html-200")
    answer = shop.call("GET", "/wp-json/wc/v3/products", auth="basic")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    sandbox.faults.force("truncated")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        shop.call("GET", "/wp-json/wc/v3/system_status", auth="basic")


def test_fault_reset_and_timeout(shop_and_sandbox):
    """reset drops the connection; timeout leaves the client waiting."""
    shop, sandbox = shop_and_sandbox
    sandbox.faults.force("reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        shop.call("GET", "/wp-json/wc/v3/products", auth="basic")
    sandbox.faults.force("timeout")
    with pytest.raises(requests.exceptions.ReadTimeout):
        shop.session.get(
            f"{sandbox.url}/wp-json/wc/v3/products",
            auth=(shop.key, shop.secret),
            verify=shop.verify,
            timeout=0.3,
        )


def test_fault_strip_auth_drops_the_authorization_header(shop_and_sandbox):
    """strip-auth: Basic becomes anonymous, query keys still work."""
    shop, sandbox = shop_and_sandbox
    sandbox.faults.rates["strip-auth"] = 1.0
    answer = shop.call("GET", "/wp-json/wc/v3/products", auth="basic")
    assert answer.status_code == 401
    assert answer.json()["code"] == "woocommerce_rest_cannot_view"
    keys = {"consumer_key": shop.key, "consumer_secret": shop.secret}
    answer = shop.call("GET", "/wp-json/wc/v3/products", keys, auth="none")
    assert answer.status_code == 200


def test_fault_rates_follow_the_seed():
    """The same seed and rate give the same sequence of faults."""

    def sequence(seed: int) -> list[int]:
        with Sandbox(seed=seed, faults=["429:0.5"]) as sandbox:
            shop = Shop(sandbox.url, sandbox.token)
            return [shop.call("GET", "/wp-json/").status_code for _ in range(12)]

    first = sequence(7)
    assert first == sequence(7)
    assert 429 in first
    assert 200 in first


def test_order_stock_walk_and_refund_restock():
    """Processing lowers stock, cancel gives it back, a restocking refund adds one."""
    with Sandbox() as sandbox:
        shop = Shop(sandbox.url, sandbox.token)
        created = shop.call(
            "POST",
            "/wp-json/wc/v3/products",
            body={
                "name": "Vaso",
                "sku": "V-1",
                "regular_price": "25.00",
                "manage_stock": True,
                "stock_quantity": 2,
            },
        ).json()
        order = sandbox.admin_create_order(
            {
                "status": "processing",
                "billing": {"country": "IT", "email": "a@example.com"},
                "line_items": [{"product_id": created["id"], "quantity": 2}],
            }
        )
        product = sandbox.admin_product("V-1")
        assert product is not None
        assert (product["stock_quantity"], product["stock_status"]) == (0, "outofstock")
        assert order["total"] == "61.00"

        sandbox.admin_update_order(order["id"], {"status": "cancelled"})
        assert sandbox.admin_product("V-1")["stock_quantity"] == 2  # type: ignore[index]

        sandbox.admin_update_order(order["id"], {"status": "processing"})
        refund = sandbox.admin_refund(
            order["id"],
            {
                "api_refund": False,
                "line_items": [
                    {
                        "id": order["line_items"][0]["id"],
                        "quantity": 1,
                        "refund_total": "25.00",
                        "refund_tax": [{"id": 1, "refund_total": "5.50"}],
                    }
                ],
            },
        )
        assert refund["amount"] == "30.50"
        assert sandbox.admin_product("V-1")["stock_quantity"] == 1  # type: ignore[index]


def test_a_batch_waiting_on_an_image_does_not_hold_other_requests_back():
    """Images by src are fetched before the shop's lock, as a real shop's
    workers serve other requests while one of them downloads."""
    asked = threading.Event()
    release = threading.Event()

    class SlowImage(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def do_GET(self) -> None:  # noqa: N802
            asked.set()
            release.wait(30)
            data = png(4, 4)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    images = ThreadingHTTPServer(("127.0.0.1", 0), SlowImage)
    threading.Thread(target=images.serve_forever, daemon=True).start()
    try:
        with Sandbox() as sandbox:
            shop = Shop(sandbox.url, sandbox.token)
            src = f"http://127.0.0.1:{images.server_address[1]}/a.png"
            body = {"create": [{"name": "Vaso", "sku": "V1", "images": [{"src": src}]}]}
            answers: list[requests.Response] = []
            batch = threading.Thread(
                target=lambda: answers.append(
                    shop.call("POST", "/wp-json/wc/v3/products/batch", body=body)
                )
            )
            batch.start()
            assert asked.wait(10)

            listing = shop.call("GET", "/wp-json/wc/v3/products")
            release.set()
            batch.join(30)

            assert listing.status_code == 200 and listing.json() == []
            created = answers[0].json()["create"][0]
            assert created["sku"] == "V1"
            assert created["images"][0]["src"].endswith("/a.png")
    finally:
        release.set()
        images.shutdown()
        images.server_close()


def test_an_image_src_with_a_raw_space_is_refused_as_an_image_error():
    """A src no HTTP client can send is the image error, not a crash."""
    with Sandbox() as sandbox:
        shop = Shop(sandbox.url, sandbox.token)
        src = "http://127.0.0.1:9/a b.png"
        answer = shop.call(
            "POST",
            "/wp-json/wc/v3/products",
            body={"name": "Vaso", "sku": "V2", "images": [{"src": src}]},
        )

        assert answer.status_code == 400
        assert answer.json()["code"] == "woocommerce_product_image_upload_error"
        assert answer.json()["message"] == (
            f"Error getting remote image {src}. Error: A valid URL was not provided."
        )

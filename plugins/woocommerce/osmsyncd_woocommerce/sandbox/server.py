"""The sandbox shop as an HTTP(S) server on 127.0.0.1, and its admin API.

:class:`Sandbox` runs in-process for tests and the demo::

    shop = Sandbox().start()
    ... shop.url, shop.token ...
    shop.stop()

Its ``admin_*`` methods and attributes are not part of the WooCommerce API:
they let tests look at and set the shop's state directly.
"""

from __future__ import annotations

import json
import secrets
import socket
import ssl
import struct
import tempfile
import threading
import time
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from osmsyncd_woocommerce.sandbox import catalog
from osmsyncd_woocommerce.sandbox import sales
from osmsyncd_woocommerce.sandbox.auth import ADMIN_LOGIN
from osmsyncd_woocommerce.sandbox.auth import Authenticator
from osmsyncd_woocommerce.sandbox.auth import new_key
from osmsyncd_woocommerce.sandbox.certificate import make_certificate
from osmsyncd_woocommerce.sandbox.errors import RestError
from osmsyncd_woocommerce.sandbox.faults import FaultPlan
from osmsyncd_woocommerce.sandbox.faults import parse_fault
from osmsyncd_woocommerce.sandbox.messages import Reply
from osmsyncd_woocommerce.sandbox.messages import Request
from osmsyncd_woocommerce.sandbox.messages import api_root_link
from osmsyncd_woocommerce.sandbox.messages import split_query
from osmsyncd_woocommerce.sandbox.routes import dispatch
from osmsyncd_woocommerce.sandbox.state import ShopState

STALL_SECONDS = 60.0
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    b"<body><p>Checking your browser before accessing the shop.</p></body></html>"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: Sandbox


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this each answer
        # would wait for the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        method = self.command.upper()
        write = method in ("POST", "PUT", "PATCH", "DELETE")
        faults = sandbox.faults

        if faults.draw("reset", write):
            self._reset()
            return
        if faults.draw("timeout", write):
            sandbox.stopping.wait(STALL_SECONDS)
            self.close_connection = True
            return
        if faults.draw("strip-auth", write):
            headers.pop("authorization", None)
        if faults.draw("429", write):
            self._send(
                Reply(
                    429,
                    {"code": "too_many_requests", "message": "Too Many Requests"},
                    {"Retry-After": "1"},
                )
            )
            return
        if faults.draw("html-200", write):
            self._send(Reply(200, HTML_PAGE, {}, "text/html; charset=UTF-8"))
            return
        if faults.draw("redirect-write", write):
            self._send(
                Reply(301, b"", {"Location": sandbox.url + self.path}, "text/html")
            )
            return
        if sandbox.latency:
            time.sleep(sandbox.latency)

        reply = sandbox.answer(method, self.path, headers, body)
        if write and reply.status < 400 and faults.draw("500-after-write", write):
            reply = Reply(
                500,
                {
                    "code": "internal_server_error",
                    "message": "<p>There has been a critical error on this website."
                    "</p>",
                    "data": {"status": 500},
                    "additional_errors": [],
                },
            )
        truncated = faults.draw("truncated", write)
        self._send(reply, truncated=truncated)

    def _send(self, reply: Reply, truncated: bool = False) -> None:
        payload = reply.payload()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        if truncated:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload[: len(payload) // 2] if truncated else payload)
        if truncated:
            self.wfile.flush()
            self.close_connection = True

    def _reset(self) -> None:
        # SO_LINGER 0 makes close() send a TCP reset instead of a FIN.
        self.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        self.close_connection = True


class Sandbox:
    """A stateful fake WooCommerce 10 shop on 127.0.0.1."""

    def __init__(
        self,
        *,
        latency_ms: int = 0,
        https: bool = False,
        seed: int | None = None,
        faults: Iterable[str] = (),
    ) -> None:
        self.latency = latency_ms / 1000.0
        self.https = https
        self.state = ShopState()
        self.auth = Authenticator()
        self.faults = FaultPlan(seed=seed)
        for text in faults:
            name, rate = parse_fault(text)
            self.faults.rates[name] = rate
        self.key = new_key()
        self.auth.keys.append(self.key)
        self.media_user = ADMIN_LOGIN
        self.media_password = " ".join(secrets.token_hex(2) for _ in range(6))
        self.auth.app_password = self.media_password
        self.stopping = threading.Event()
        self.requests: list[tuple[str, str, int]] = []
        self.queries: list[dict[str, str]] = []
        self.url = ""
        self.cafile: str | None = None
        # Plays a shop behind a TLS proxy that does not tell WordPress: the
        # shop then believes every request is plain HTTP.
        self.admin_proxied = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def token(self) -> str:
        return f"{self.key.consumer_key}:{self.key.consumer_secret}"

    # -- lifecycle -------------------------------------------------------

    def start(self, port: int = 0) -> Sandbox:
        """Listen on 127.0.0.1:``port`` (0 = a free one) in a thread."""
        server = _Server(("127.0.0.1", port), _Handler)
        server.sandbox = self
        scheme = "http"
        if self.https:
            self._tmp = tempfile.TemporaryDirectory(prefix="osmsyncd-wc-sandbox-")
            cert, key = make_certificate(Path(self._tmp.name))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            self.cafile = str(cert)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="wc-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Sandbox:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def announcement(self) -> dict[str, Any]:
        """The first stdout line of ``python -m osmsyncd_woocommerce.sandbox``."""
        line: dict[str, Any] = {"url": self.url, "token": self.token}
        if self.https:
            line["cafile"] = self.cafile
            line["media_user"] = self.media_user
            line["media_password"] = self.media_password
        return line

    # -- one request -----------------------------------------------------

    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> Reply:
        """The reply to one HTTP request, errors included."""
        parts = urlsplit(target)
        path = parts.path
        pairs = split_query(parts.query)
        try:
            reply = self._route(method, path, pairs, headers, body)
        except RestError as exc:
            reply = Reply(exc.status, exc.body())
        reply.headers.setdefault("Link", api_root_link(self.url))
        self.requests.append((method, path, reply.status))
        self.queries.append(
            {k: v for k, v in pairs if not k.startswith(("oauth_", "consumer_"))}
        )
        return reply

    def _route(
        self,
        method: str,
        path: str,
        pairs: list[tuple[str, str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Reply:
        if path.startswith("/wp-content/uploads/"):
            stored = self.state.uploads.get(path[len("/wp-content/uploads/") :])
            if stored is None or method not in ("GET", "HEAD"):
                return Reply(404, b"Not Found", {}, "text/html; charset=UTF-8")
            return Reply(200, stored[0], {}, stored[1])
        if not path.startswith("/wp-json"):
            return Reply(404, b"Not Found", {}, "text/html; charset=UTF-8")

        route = path[len("/wp-json") :] or "/"
        if route != "/":
            route = route.rstrip("/")
        secure = self.https and not self.admin_proxied
        home = self.url if secure or not self.https else "http" + self.url[5:]
        principal = self.auth.authenticate(
            method, home, path, pairs, headers, secure=secure
        )
        request = Request(method, route, pairs, headers, body, self.url, principal)
        return dispatch(self.state, request)

    # -- admin API (not part of the WooCommerce API) ---------------------

    def admin_add_key(self, permissions: str = "read_write") -> str:
        """Another API key (``read``, ``write`` or ``read_write``) as ck:cs."""
        key = new_key(permissions)
        self.auth.keys.append(key)
        return f"{key.consumer_key}:{key.consumer_secret}"

    def admin_products(self) -> list[dict[str, Any]]:
        """Every product (trash included) as the API renders it."""
        with self.state.lock:
            return [
                catalog.render_product(self.state, p, self.url)
                for p in sorted(self.state.products.values(), key=lambda p: p["id"])
            ]

    def admin_product(self, sku: str) -> dict[str, Any] | None:
        """The product holding ``sku`` (any status), or None."""
        with self.state.lock:
            holders = self.state.products_holding(self.state.product_skus, sku.lower())
            if not holders:
                return None
            return catalog.render_product(self.state, holders[0], self.url)

    def admin_set_prices_include_tax(self, include: bool) -> None:
        with self.state.lock:
            self.state.set_setting(
                "woocommerce_prices_include_tax", "yes" if include else "no"
            )

    def admin_create_order(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Place an order as the shop's checkout would (no authentication)."""
        with self.state.lock:
            return sales.create_order(self.state, payload, self.url)

    def admin_update_order(
        self, order_id: int, payload: dict[str, Any]
    ) -> dict[str, Any]:
        with self.state.lock:
            return sales.update_order(self.state, order_id, payload, self.url)

    def admin_refund(self, order_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        request = Request(
            "POST",
            f"/wc/v3/orders/{order_id}/refunds",
            [],
            {},
            json.dumps(payload).encode(),
            self.url,
        )
        with self.state.lock:
            return dict(sales.post_refund(self.state, request, order_id).body)

    def admin_trash_product(self, product_id: int) -> None:
        with self.state.lock:
            catalog.delete_product(self.state, product_id, False, self.url)

    def admin_delete_product(self, product_id: int) -> None:
        with self.state.lock:
            catalog.delete_product(self.state, product_id, True, self.url)

    def admin_media_count(self) -> int:
        return len(self.state.media)

    def admin_travel(self, seconds: float) -> None:
        """Move the shop's clock (not the OAuth clock) forward."""
        with self.state.lock:
            self.state.clock_offset += timedelta(seconds=seconds)

    def admin_set_clock(self, moment: datetime) -> None:
        """Make the shop's clock read ``moment`` (aware) from now on."""
        with self.state.lock:
            self.state.clock_offset = moment - datetime.now(UTC)

    def admin_requests(self, prefix: str = "/wp-json/wc/v3/") -> list[tuple[str, str]]:
        """(method, path) of the requests served so far under ``prefix``."""
        return [(m, p) for m, p, _ in self.requests if p.startswith(prefix)]

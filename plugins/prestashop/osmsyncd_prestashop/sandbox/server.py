"""The HTTP side of the sandbox: authentication, faults, TLS, the server.

It answers on 127.0.0.1 only. The key travels as the Basic user name (empty
password) or as the ``ws_key`` query parameter; no credentials at all give
the plain-text 401 a web server sends when it strips the Authorization
header, a wrong key the webservice's own 401 documents.
"""

from __future__ import annotations

import base64
import binascii
import random
import secrets
import shutil
import socket
import ssl
import string
import struct
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

from osmsyncd_prestashop.sandbox.base import VERSION
from osmsyncd_prestashop.sandbox.base import Request
from osmsyncd_prestashop.sandbox.base import Response
from osmsyncd_prestashop.sandbox.faults import WRITES
from osmsyncd_prestashop.sandbox.faults import Fault
from osmsyncd_prestashop.sandbox.faults import FaultPlan
from osmsyncd_prestashop.sandbox.query import WsError
from osmsyncd_prestashop.sandbox.shop import Shop
from osmsyncd_prestashop.sandbox.store import Row

HOST = "127.0.0.1"
REALM = (
    'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication '
    'key as the login. No password required."'
)
STALL_SECONDS = 60.0
LATE_WARNING = (
    "[PHP Warning #2] Undefined variable $result "
    "(/var/www/shop/classes/ObjectModel.php, line 612)"
)


def new_key() -> str:
    """A fresh 32-character webservice key, in PrestaShop's alphabet."""
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made with the ``openssl`` binary."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError(
            "--https needs the openssl binary to make a certificate; install openssl"
        )
    cert, key = folder / "sandbox-cert.pem", folder / "sandbox-key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "2",
            "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class WafRule:
    """A firewall rule: a write whose body holds ``needle`` gets an HTML 404."""

    method: str
    needle: bytes


class Sandbox:
    """A PrestaShop 8.2.1 webservice on a loopback port, for tests and demos.

    ``start()`` binds the port and fills ``url``, ``token`` and ``cafile``;
    ``stop()`` closes it. The methods after ``stop`` are for tests: they look
    into and steer the fake shop and are not part of the webservice.
    """

    def __init__(
        self,
        *,
        latency_ms: int = 0,
        https: bool = False,
        seed: int | None = None,
        faults: Iterable[Fault] = (),
        token: str | None = None,
        version: str = VERSION,
    ) -> None:
        self.version = version
        self.latency = latency_ms / 1000
        self.https = https
        self.seed = seed
        self.faults = FaultPlan(faults, seed)
        self.token = token or new_key()
        self.url = ""
        self.cafile: str | None = None
        self.enabled = True
        self.waf_rules: list[WafRule] = []
        self.log: deque[tuple[str, str]] = deque(maxlen=10_000)
        self._shop: Shop | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._clock: Callable[[], datetime] | None = None

    # -- life cycle ----------------------------------------------------------------

    def start(self, port: int = 0) -> Sandbox:
        server = ThreadingHTTPServer((HOST, port), _handler_for(self))
        server.daemon_threads = True
        scheme = "http"
        if self.https:
            self._tmp = tempfile.TemporaryDirectory(prefix="osmsyncd-ps-sandbox-")
            cert, key = self_signed_certificate(Path(self._tmp.name))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
            self.cafile = str(cert)
            scheme = "https"
        self.url = f"{scheme}://{HOST}:{server.server_address[1]}"
        self._shop = Shop(
            self.url,
            clock=self._now if self._clock else None,
            rng=None if self.seed is None else random.Random(self.seed),
            version=self.version,
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Sandbox:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def shop(self) -> Shop:
        if self._shop is None:
            raise RuntimeError("the sandbox is not started; call start() first")
        return self._shop

    def _now(self) -> datetime:
        assert self._clock is not None
        return self._clock()

    # -- inspection and steering, for tests ----------------------------------------

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        """Make the shop's clock (shop-local, naive) follow ``clock``."""
        self._clock = clock
        if self._shop is not None:
            self._shop.clock = clock

    def set_faults(self, faults: Iterable[Fault]) -> None:
        self.faults.replace(faults)

    def set_webservice(self, enabled: bool) -> None:
        self.enabled = enabled

    def set_next_id(self, resource: str, next_id: int) -> None:
        with self.shop.store.lock:
            if resource == "images":
                self.shop.store.next_image_id = next_id
            else:
                self.shop.store.set_next_id(resource, next_id)

    def renumber_languages(self, ids: dict[int, int], default: int) -> None:
        """Move the languages to other ids, with ``default`` as the default one."""
        self.shop.renumber_languages(ids, default)

    def add_waf_rule(self, method: str, needle: str) -> None:
        """Answer writes of ``method`` whose body holds ``needle`` with an HTML 404."""
        self.waf_rules.append(WafRule(method.upper(), needle.encode()))

    def row(self, resource: str, row_id: int) -> Row | None:
        return self.shop.row(resource, row_id)

    def rows(self, resource: str) -> list[Row]:
        with self.shop.store.lock:
            return [dict(row) for row in self.shop.store.rows(resource)]

    def stock(self, product_id: int) -> int:
        """The quantity of a product's stock row."""
        with self.shop.store.lock:
            rows = self.shop.store.find("stock_availables", id_product=str(product_id))
            return int(rows[0]["quantity"]) if rows else 0

    def images(self, product_id: int) -> list[tuple[int, bool, bytes]]:
        """(image id, is cover, bytes) of a product's images, in position order."""
        with self.shop.store.lock:
            return [
                (i.id, i.cover, i.data)
                for i in self.shop.store.product_images(product_id)
            ]

    def update_row(self, resource: str, row_id: int, **values: Any) -> None:
        """Change stored values directly, as an edit in the back office would."""
        with self.shop.store.lock:
            row = self.shop.store.get(resource, row_id)
            if row is None:
                raise KeyError(f"{resource} {row_id} does not exist")
            row.update(values)
            # Stored again so that the table's indexes follow the new values.
            self.shop.store.tables[resource][row_id] = row

    def requests_made(self) -> list[tuple[str, str]]:
        return list(self.log)

    # -- one request ---------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(handler.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        self.log.append((method, split.path))

        if self.latency and self._stopping.wait(self.latency):
            return
        fired = self.faults.draw(method)
        if "timeout" in fired:
            self._stopping.wait(STALL_SECONDS)
            handler.close_connection = True
            return
        if "reset" in fired:
            _reset(handler)
            return
        if "429" in fired:
            _send(
                handler,
                Response(
                    429,
                    b"Too Many Requests",
                    "text/html",
                    {"Retry-After": "1"},
                    versioned=False,
                ),
                method,
            )
            return
        if "html-200" in fired:
            page = b"<html><body><h1>Maintenance</h1><p>Back soon.</p></body></html>"
            _send(
                handler,
                Response(200, page, "text/html; charset=utf-8", versioned=False),
                method,
            )
            return
        if "redirect-write" in fired:
            target = "https://" + handler.headers.get("Host", HOST) + handler.path
            _send(
                handler,
                Response(301, b"", "text/html", {"Location": target}, versioned=False),
                method,
            )
            return

        response = self._answer(handler, method, split.path, params, body, fired)
        if "500-after-write" in fired:
            # PHP warnings raised after the database write still turn the
            # answer into an error: the object exists, the client hears 500.
            request = Request(method, [], params, headers=dict(handler.headers.items()))
            response = self.shop.error_response(
                request, WsError(500, [(3, LATE_WARNING)])
            )
        _send(handler, response, method, "truncated" in fired, self.version)

    def _answer(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        path: str,
        params: dict[str, str],
        body: bytes,
        fired: frozenset[str],
    ) -> Response:
        if not (path == "/api" or path.startswith("/api/")):
            return Response(
                404,
                b"<html><body>Not Found</body></html>",
                "text/html",
                versioned=False,
            )
        # Header names are case-blind; keep one spelling for lookups.
        headers = {key.title(): value for key, value in handler.headers.items()}
        if method == "POST" and params.get("ps_method", "").upper() in (
            "PUT",
            "PATCH",
            "DELETE",
        ):
            method = params["ps_method"].upper()
        request = Request(
            method,
            [part for part in path[len("/api") :].split("/") if part],
            params,
            body,
            headers,
            handler.headers.get("Content-Type", ""),
        )
        for rule in self.waf_rules:
            if rule.method == method and rule.needle in body:
                page = b"<html><head><title>404 Not Found</title></head></html>"
                return Response(
                    404, page, "text/html; charset=iso-8859-1", versioned=False
                )

        authorization = (
            "" if "strip-auth" in fired else headers.get("Authorization", "")
        )
        problem = self._authenticate(request, authorization)
        if problem is not None:
            return problem
        return self.shop.handle(request)

    def _authenticate(self, request: Request, authorization: str) -> Response | None:
        if not self.enabled:
            error = WsError(
                503,
                [(22, "The PrestaShop webservice is disabled. Please activate it in "
                      "the PrestaShop Back Office")],
                headers={"PSWS-Version": "0"},
            )  # fmt: skip
            return self.shop.error_response(request, error)
        key = None
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                decoded = ""
            key = decoded.split(":", 1)[0]
        elif "ws_key" in request.params:
            key = request.params["ws_key"]
        if not key:
            return Response(
                401, b"401 Unauthorized", "text/html; charset=utf-8",
                {"WWW-Authenticate": REALM}, versioned=False,
            )  # fmt: skip
        headers = {"PSWS-Version": "0", "WWW-Authenticate": REALM}
        if len(key) != 32:
            error = WsError(
                401, [(18, "Invalid authentication key format")], headers=headers
            )
            return self.shop.error_response(request, error)
        if not secrets.compare_digest(key, self.token):
            error = WsError(
                401,
                [(20, "Authentification key is not active"),
                 (21, "No permission for this authentication key")],
                headers=headers,
            )  # fmt: skip
            return self.shop.error_response(request, error)
        return None


def _send(
    handler: BaseHTTPRequestHandler,
    response: Response,
    method: str,
    truncated: bool = False,
    version: str = VERSION,
) -> None:
    handler.send_response(response.status)
    if response.content_type:
        handler.send_header("Content-Type", response.content_type)
    headers = dict(response.headers)
    if response.versioned:
        headers.setdefault("PSWS-Version", version)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(response.body)))
    if truncated:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    handler.end_headers()
    if method == "HEAD":
        return
    body = response.body[: len(response.body) // 2] if truncated else response.body
    handler.wfile.write(body)


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP reset, as a crashing proxy does."""
    handler.close_connection = True
    try:
        handler.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
    except OSError:
        return


def _handler_for(sandbox: Sandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: without this, Nagle's
        # algorithm and delayed ACKs add 40 ms to every answer.
        disable_nagle_algorithm = True
        server_version = "Apache"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

        def _any(self) -> None:
            try:
                sandbox.serve(self, self.command)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.close_connection = True
            except Exception as exc:  # noqa: BLE001 - a PHP fatal error, faithfully
                text = f"PHP Fatal error: {type(exc).__name__}: {exc}".encode()
                fatal = Response(500, text, "text/html; charset=utf-8", versioned=False)
                _send(self, fatal, self.command)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _any
        do_OPTIONS = _any

    return Handler


__all__ = ["Sandbox", "new_key", "WRITES"]

"""Shared fixtures: sandbox shops on loopback and providers bound to them."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from osmsyncd_woocommerce.provider import WooCommerceProvider  # noqa: E402
from osmsyncd_woocommerce.sandbox import Sandbox  # noqa: E402

from osmsyncd.config import ConnectionSettings  # noqa: E402


def settings_for(sandbox: Sandbox, **changes: Any) -> ConnectionSettings:
    base = ConnectionSettings(
        name="shop",
        provider="woocommerce",
        url=sandbox.url,
        token=sandbox.token,
        timeout=5.0,
        extra={"ca_file": sandbox.cafile} if sandbox.cafile else {},
    )
    return replace(base, **changes)


@pytest.fixture
def https_shop() -> Iterator[Sandbox]:
    sandbox = Sandbox(https=True).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def http_shop() -> Iterator[Sandbox]:
    sandbox = Sandbox().start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def make_provider() -> Iterator[Callable[..., WooCommerceProvider]]:
    made: list[WooCommerceProvider] = []

    def make(sandbox: Sandbox, **changes: Any) -> WooCommerceProvider:
        provider = WooCommerceProvider(
            settings_for(sandbox, **changes), threading.Event()
        )
        provider.client.http.backoff = 0.01
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


class FileServer:
    """OSM's files folder published over HTTP on loopback (for images_url)."""

    def __init__(self, root: Path) -> None:
        folder = root

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_GET(self) -> None:  # noqa: N802
                from urllib.parse import unquote

                path = folder / unquote(self.path.lstrip("/"))
                if not path.is_file():
                    self.send_error(404, "Not Found")
                    return
                data = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def files(tmp_path: Path) -> Iterator[FileServer]:
    (tmp_path / "articoli").mkdir()
    server = FileServer(tmp_path)
    yield server
    server.stop()

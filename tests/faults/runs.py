"""Running the real ``osmsyncd`` command, to the end or until a cut point.

A cut point is "after the N-th log event of these kinds on stderr": the run
is killed with SIGKILL the moment that line is read, so the process dies
wherever it happens to be a few instructions later, between a shop write
and the binding it owes, or inside an OSM transaction.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Collection
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import tomli_w

from osmsyncd.erp.repository import OsmRepository
from tests.faults.catalogue import CATEGORY

CONNECTION = "negozio"


def write_config(
    folder: Path,
    erp_url: str,
    files_dir: Path,
    provider: str,
    url: str,
    token: str,
    **extra: Any,
) -> Path:
    """A config as an integrator writes it, the token in a file of its own."""
    token_file = folder / "shop.token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    connection: dict[str, Any] = {
        "provider": provider,
        "url": url,
        "token_file": str(token_file),
        "export": ["articles"],
        "import": ["orders"],
        "categories": [CATEGORY],
        "timeout": 10,
    }
    connection.update(extra)
    config = {
        "erp": {"url": erp_url, "files_dir": str(files_dir)},
        "connections": {CONNECTION: connection},
    }
    path = folder / "osmsyncd.toml"
    path.write_bytes(tomli_w.dumps(config).encode())
    return path


def config_for(folder: Path, osm: OsmRepository, shop: Any, **extra: Any) -> Path:
    """The config of a connection from ``osm`` to ``shop``, of its kind."""
    provider = getattr(shop, "provider", None)
    if provider is None:
        provider = "woocommerce" if ":" in shop.token else "prestashop"
    return write_config(
        folder,
        osm.engine.url.render_as_string(hide_password=False),
        osm.files_dir or folder / "files",
        provider,
        shop.url,
        shop.token,
        **extra,
    )


def environment(config: Path) -> dict[str, str]:
    environ = {**os.environ, "OSMSYNCD_CONFIG": str(config)}
    # JSON lines on stderr, whatever starts the tests.
    environ.pop("JOURNAL_STREAM", None)
    return environ


@dataclass
class Done:
    """One finished (or killed) osmsyncd process."""

    returncode: int
    stdout: str
    stderr: str
    killed: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)

    def named(self, *names: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event.get("event") in names]

    def summaries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line]


def parse_events(stderr: str) -> list[dict[str, Any]]:
    """The JSON log lines of a run; anything else on stderr is left out."""
    events = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


def osmsyncd(
    config: Path,
    *args: str,
    cut_after: int | None = None,
    cut_on: Collection[str] = ("http_request",),
    at_cut: Callable[[], None] | None = None,
    timeout: float = 90,
) -> Done:
    """Run ``osmsyncd ARGS``; with ``cut_after``, SIGKILL it at that event.

    ``at_cut`` replaces the kill: something else breaks at that moment (the
    OSM server dies) and the run goes on to meet it.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "osmsyncd", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(config),
    )
    assert process.stderr is not None and process.stdout is not None
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    seen = 0
    killed = False
    for line in process.stderr:
        lines.append(line)
        if cut_after is None or killed or not line.startswith("{"):
            continue
        try:
            name = json.loads(line).get("event")
        except ValueError:
            continue
        if name in cut_on:
            seen += 1
        if seen >= cut_after:
            if at_cut is None:
                process.send_signal(signal.SIGKILL)
            else:
                at_cut()
            killed = True
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError(f"osmsyncd {' '.join(args)} ran over {timeout} s")
    stdout = process.stdout.read()
    process.wait(timeout=timeout)
    stderr = "".join(lines)
    return Done(process.returncode, stdout, stderr, killed, parse_events(stderr))


def sync(config: Path, *args: str, expect: int = 0) -> dict[str, Any]:
    """``osmsyncd sync ARGS --json`` to the end; its one summary."""
    done = osmsyncd(config, "sync", *args, "--json")
    assert done.returncode == expect, done.stderr[-3000:]
    [summary] = done.summaries()
    return summary

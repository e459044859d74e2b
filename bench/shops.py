"""Sandbox shops in processes of their own, so that their CPU is not ours."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LATENCY_MS = 30
MODULES = {
    "prestashop": "osmsyncd_prestashop.sandbox",
    "woocommerce": "osmsyncd_woocommerce.sandbox",
}


@dataclass(frozen=True)
class Shop:
    provider: str
    url: str
    token: str
    pid: int


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far, from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def sandbox(provider: str, latency_ms: int = LATENCY_MS) -> Iterator[Shop]:
    """A sandbox shop on a free loopback port, stopped by its pid at the end."""
    with _process(
        [
            sys.executable, "-m", MODULES[provider],
            "--port", "0", "--latency-ms", str(latency_ms), "--seed", "8",
        ]
    ) as (process, first):  # fmt: skip
        data = json.loads(first)
        yield Shop(provider, data["url"], data["token"], process.pid)


@contextmanager
def file_server(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on loopback: OSM's files for WooCommerce's
    ``images_url``, which the shop downloads each image from."""
    with _process(
        [
            sys.executable, "-u", "-m", "http.server", "0",
            "--bind", "127.0.0.1", "--directory", str(folder),
        ]
    ) as (_, first):  # fmt: skip
        found = re.search(r"port (\d+)", first)
        if found is None:
            raise RuntimeError(f"the file server said {first!r}")
        yield f"http://127.0.0.1:{found[1]}"


@contextmanager
def _process(command: list[str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A server process and its first line on stdout; ended by its pid."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if not first:
            raise RuntimeError(f"{' '.join(command[1:4])} did not start")
        yield process, first
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()

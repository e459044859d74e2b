"""Sandbox shops in processes of their own, so that their CPU is not ours."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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
    process = subprocess.Popen(
        [
            sys.executable, "-m", MODULES[provider],
            "--port", "0", "--latency-ms", str(latency_ms), "--seed", "8",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if not first:
            raise RuntimeError(f"the {provider} sandbox did not start")
        data = json.loads(first)
        yield Shop(provider, data["url"], data["token"], process.pid)
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()

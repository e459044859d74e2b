from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import structlog

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SOURCE = REPO / "tests" / "plugin_example"
TOKEN = "Zq8-osmsyncd-secret-token"


@pytest.fixture(scope="session")
def example_plugin(tmp_path_factory) -> Path:
    """The example plugin, installed by pip into a folder of its own."""
    work = tmp_path_factory.mktemp("plugin")
    source = work / "source"
    target = work / "site"
    shutil.copytree(EXAMPLE_SOURCE, source, ignore=shutil.ignore_patterns("build"))

    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    install += ["--target", str(target), str(source)]
    # Without network, the venv's own setuptools must do; with it, pip may
    # fetch a newer one that can build wheels.
    result = subprocess.run(
        [*install, "--no-build-isolation"], capture_output=True, text=True
    )
    if result.returncode != 0:
        result = subprocess.run(install, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (target / "osmsyncd_example-1.2.3.dist-info" / "entry_points.txt").exists()
    return target


@pytest.fixture
def with_example(example_plugin, monkeypatch) -> Path:
    """The example plugin importable in this process."""
    monkeypatch.syspath_prepend(str(example_plugin))
    return example_plugin


@pytest.fixture(autouse=True)
def _restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def daemon_env(example_plugin, tmp_path) -> dict[str, str]:
    """Environment for an osmsyncd subprocess that finds the example plugin."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NOTIFY_SOCKET", "JOURNAL_STREAM", "WATCHDOG_USEC")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(example_plugin), str(REPO)])
    env["RUNTIME_DIRECTORY"] = str(tmp_path)
    env["OSMSYNCD_DISABLE_PLUGINS"] = "woocommerce,prestashop"
    env.pop("OSMSYNCD_CONFIG", None)
    return env


def write_config(path: Path, *, interval: str = "1s", extra: str = "") -> Path:
    """A config whose one connection uses the example plugin's shop."""
    path.parent.mkdir(parents=True, exist_ok=True)
    database = path.parent / "osm.sqlite"
    database.touch()
    path.write_text(
        f"""
[erp]
url = "sqlite:///{database}"

[connections.shop1]
provider = "example"
url = "https://shop.invalid"
token = "{TOKEN}"
shop_code = "s1"
import = ["orders"]
export = ["articles"]
interval = "{interval}"
{extra}
"""
    )
    return path


class Datagrams:
    """A datagram socket bound in tmp_path, like systemd's notify socket."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(str(path))
        self.received: list[bytes] = []

    def next(self, timeout: float = 20.0) -> bytes:
        self.socket.settimeout(timeout)
        data = self.socket.recv(1 << 20)
        self.received.append(data)
        return data

    def until(self, wanted: bytes, timeout: float = 20.0) -> bytes:
        """The first datagram, from now on, that holds ``wanted``."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.next(max(0.1, deadline - time.monotonic()))
            if wanted in data.split(b"\n") or wanted in data:
                return data

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def notify_socket(tmp_path):
    sock = Datagrams(tmp_path / "notify.sock")
    yield sock
    sock.close()


class LogFile:
    """JSON log lines a subprocess writes to a file, read as they come."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen = 0

    def events(self) -> list[dict]:
        lines = self.path.read_text().splitlines() if self.path.exists() else []
        return [json.loads(line) for line in lines if line.startswith("{")]

    def wait_for(self, event: str, timeout: float = 20.0, **fields) -> dict:
        """The first matching event after the last one waited for."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = self.events()
            for index in range(self.seen, len(events)):
                found = events[index]
                if found["event"] == event and all(
                    found.get(k) == v for k, v in fields.items()
                ):
                    self.seen = index + 1
                    return found
            time.sleep(0.05)
        raise AssertionError(f"no {event} {fields} in {self.path.read_text()}")


def parse_journal(data: bytes) -> dict[str, str]:
    """The fields of one native-protocol journal datagram."""
    fields = {}
    rest = data
    while rest:
        line, _, rest = rest.partition(b"\n")
        if b"=" in line:
            name, _, value = line.partition(b"=")
            fields[name.decode()] = value.decode()
            continue
        size = int.from_bytes(rest[:8], "little")
        fields[line.decode()] = rest[8 : 8 + size].decode()
        rest = rest[8 + size + 1 :]
    return fields

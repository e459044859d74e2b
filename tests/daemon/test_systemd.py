from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from osmsyncd.daemon import STOP_DEADLINE

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "systemd" / "osmsyncd.service"
SYSUSERS = REPO / "systemd" / "osmsyncd-sysusers.conf"


def tool(name: str) -> str:
    """The path of a systemd tool; skipped without it, except under CI."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing, and CI must check the unit")
        pytest.skip(f"{name} is not installed (systemd package)")
    return path


def service() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read_string(UNIT.read_text())
    return parser["Service"]


@pytest.fixture
def installed_unit(tmp_path) -> Path:
    """The unit with ExecStart= pointing at this installation's osmsyncd."""
    command = Path(sys.executable).with_name("osmsyncd")
    assert command.exists(), "osmsyncd is not installed in this environment"
    text = UNIT.read_text().replace(
        "ExecStart=/opt/osmsyncd/bin/osmsyncd", f"ExecStart={command}"
    )
    assert text != UNIT.read_text()
    path = tmp_path / "osmsyncd.service"
    path.write_text(text)
    return path


def test_the_unit_passes_systemd_analyze_verify(installed_unit):
    """systemd-analyze verify finds nothing to say about the unit."""
    result = subprocess.run(
        [tool("systemd-analyze"), "verify", "--man=no", str(installed_unit)],
        capture_output=True,
        text=True,
    )

    assert (result.returncode, result.stderr) == (0, "")


def test_the_unit_is_hardened(installed_unit):
    """The offline security score stays in systemd's OK band (at most 2.0)."""
    result = subprocess.run(
        [
            tool("systemd-analyze"),
            "security",
            "--offline=yes",
            "--threshold=20",
            str(installed_unit),
        ],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout[-2000:]


def test_the_unit_follows_the_design():
    """Notify type, reload by SIGHUP, watchdog, own user in the web group."""
    unit = service()

    assert unit["Type"] == "notify"
    assert unit["NotifyAccess"] == "main"
    assert unit["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert unit["WatchdogSec"] == "60s"
    assert (unit["User"], unit["SupplementaryGroups"]) == ("osmsyncd", "www-data")
    assert unit["ReadWritePaths"] == "-/var/www/openstamanager/files"
    assert unit["RuntimeDirectory"] == "osmsyncd"
    assert unit["ExecStart"].endswith("osmsyncd run")


def test_systemd_waits_longer_than_the_daemon_takes_to_stop():
    """TimeoutStopSec leaves the daemon's own stop deadline room to finish."""
    timeout = float(service()["TimeoutStopSec"].removesuffix("s"))

    assert STOP_DEADLINE + 5 <= timeout


def test_sysusers_creates_the_user_the_unit_runs_as(tmp_path):
    """The sysusers.d file creates osmsyncd, in a scratch root."""
    (tmp_path / "etc").mkdir()

    result = subprocess.run(
        [tool("systemd-sysusers"), f"--root={tmp_path}", str(SYSUSERS)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    [user] = (tmp_path / "etc" / "passwd").read_text().splitlines()
    name, _, _uid, _gid, _gecos, home, shell = user.split(":")
    assert (name, home) == ("osmsyncd", "/var/lib/osmsyncd")
    assert shell.endswith("nologin")

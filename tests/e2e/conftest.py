"""End-to-end fixtures: OSM on MariaDB, a sandbox shop, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from osmsyncd.config import ErpSettings
from osmsyncd.erp.repository import OsmRepository
from osmsyncd.erp.seed import seed_articles
from osmsyncd.erp.session import open_erp
from tests.e2e.catalogue import ARTICLES
from tests.e2e.catalogue import SYNCED_CATEGORIES

Sync = Callable[..., dict[str, Any]]


@pytest.fixture
def osm(osm_mysql: str, tmp_path: Path) -> Iterator[OsmRepository]:
    """OSM on MariaDB after ``erp setup``, holding the 25-article catalogue."""
    files = tmp_path / "files"
    repository = open_erp(ErpSettings(url=osm_mysql, files_dir=files))
    repository.setup()
    seed_articles(repository.engine, ARTICLES, files)
    yield repository
    repository.close()


def write_config(
    folder: Path, osm: OsmRepository, provider: str, url: str, token: str, **extra: Any
) -> Path:
    """A config file as an integrator writes it, the token in its own file."""
    token_file = folder / "shop.token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    connection: dict[str, Any] = {
        "provider": provider,
        "url": url,
        "token_file": str(token_file),
        "export": ["articles"],
        "import": ["orders"],
        "categories": list(SYNCED_CATEGORIES),
        "disable_zero_quantity": True,
        "only_with_photo": True,
        "timeout": 15,
    }
    connection.update(extra)
    config = {
        "erp": {
            "url": osm.engine.url.render_as_string(hide_password=False),
            "files_dir": str(osm.files_dir),
        },
        "connections": {"negozio": connection},
    }
    path = folder / "osmsyncd.toml"
    path.write_bytes(tomli_w.dumps(config).encode())
    return path


def run_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "OSMSYNCD_CONFIG": str(config)}
    return subprocess.run(
        [sys.executable, "-m", "osmsyncd", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )


def sync_json(config: Path, *args: str) -> dict[str, Any]:
    """Run ``osmsyncd sync ... --json`` and return its one summary."""
    done = run_cli(config, "sync", *args, "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = done.stdout.splitlines()
    summary: dict[str, Any] = json.loads(line)
    return summary


def writes(summary: dict[str, Any]) -> int:
    requests = summary["requests"]
    return sum(requests.get(m, 0) for m in ("POST", "PUT", "PATCH", "DELETE"))

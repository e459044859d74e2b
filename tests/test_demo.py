"""`osmsyncd demo` runs the main job for real and cleans up after itself."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path


def test_demo_exports_imports_and_leaves_nothing_behind():
    """The demo exports the catalogue to both sandboxes, imports the orders
    placed there, lowers OSM stock, ends with a run that writes nothing, and
    removes its folder."""
    before = set(Path(tempfile.gettempdir()).glob("osmsyncd-demo-*"))

    done = subprocess.run(
        [sys.executable, "-m", "osmsyncd", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "shop   woocommerce" in out and "shop   prestashop" in out
    assert re.search(r"woocommerce\s+orders import\s+2\s", out)
    assert re.search(r"prestashop\s+orders import\s+2\s", out)
    assert re.search(r"CAF-001\s+40\s+36", out)
    assert out.rstrip().endswith("0 writes on the second run.")
    assert "4 orders imported" in out
    assert set(Path(tempfile.gettempdir()).glob("osmsyncd-demo-*")) == before

"""Running one job: connection × resource × direction."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from osmsyncd.config import Config
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync.report import RunOptions
from osmsyncd.sync.report import RunSummary

if TYPE_CHECKING:
    from osmsyncd.erp.interface import Erp
    from osmsyncd.plugins import PluginHost


def run_job(
    config: Config,
    connection: str,
    resource: Resource,
    direction: Direction,
    *,
    plugins: PluginHost,
    options: RunOptions | None = None,
    stop: threading.Event | None = None,
    erp: Erp | None = None,
) -> RunSummary:
    """Run one job to the end and return its summary.

    Raises :class:`osmsyncd.errors.JobBusy` when the job runs elsewhere. A
    failure of the whole run (shop or OSM unreachable) is in
    ``summary.error``; failed records are counted in ``summary.failed``.
    """
    raise NotImplementedError("the engine lands next")

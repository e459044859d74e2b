"""The sync engine: read changes, plan, execute, bind.

``run_job`` is the only entry point, used by the scheduler and by
``osmsyncd sync``.
"""

from __future__ import annotations

from osmsyncd.sync.report import RunOptions
from osmsyncd.sync.report import RunSummary
from osmsyncd.sync.report import job_id
from osmsyncd.sync.runner import run_job

__all__ = ["RunOptions", "RunSummary", "job_id", "run_job"]

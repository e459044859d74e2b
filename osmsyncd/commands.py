"""What each ``osmsyncd`` command does; :mod:`osmsyncd.cli` parses and calls.

Results go to stdout, logs to stderr. Each command returns its exit status:
0 done, 1 failed, 2 unhealthy (``status``), 3 some records failed.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING
from typing import Any

import structlog

from osmsyncd.config import Config
from osmsyncd.configfile import load_config
from osmsyncd.configfile import read_config
from osmsyncd.configfile import secrets_of
from osmsyncd.configfile import write_starter
from osmsyncd.daemon import Daemon
from osmsyncd.daemon import RunJob
from osmsyncd.daemon import pidfile_path
from osmsyncd.errors import ConfigError
from osmsyncd.errors import ErpError
from osmsyncd.errors import JobBusy
from osmsyncd.errors import OsmsyncdError
from osmsyncd.errors import PluginError
from osmsyncd.logs import redact_text
from osmsyncd.logs import register_secrets
from osmsyncd.plugins import PluginHost
from osmsyncd.provider import Finding
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync.report import COUNTS
from osmsyncd.sync.report import RunOptions
from osmsyncd.sync.report import RunSummary
from osmsyncd.sync.report import job_id

if TYPE_CHECKING:
    from osmsyncd.erp.repository import OsmRepository

log = structlog.get_logger(__name__)

UNIT = "osmsyncd.service"
DONE, FAILED, UNHEALTHY, RECORDS_FAILED = 0, 1, 2, 3


def engine_run_job() -> RunJob:
    """The engine's entry point, imported only when a command needs it."""
    from osmsyncd.sync import run_job

    return run_job


def prepare(path: Path) -> tuple[Config, PluginHost]:
    """Plugins, then the config checked against their providers."""
    plugins = PluginHost.load()
    config = load_config(path, plugins)
    register_secrets(secrets_of(config))
    return config, plugins


# -- run, reload ---------------------------------------------------------------


def run(path: Path, run_job: RunJob | None = None) -> int:
    plugins = PluginHost.load()
    return Daemon(path, plugins, run_job or engine_run_job()).serve()


def reload(path: Path) -> int:
    """Check the config here, then ask the running daemon to re-read it."""
    prepare(path)

    if _systemd_runs(UNIT):
        subprocess.run(["systemctl", "reload", UNIT], check=True)
        print(f"asked systemd to reload {UNIT}")
        return DONE

    pid = _daemon_pid()
    os.kill(pid, signal.SIGHUP)
    print(f"asked osmsyncd (pid {pid}) to reload {path}")
    return DONE


def _systemd_runs(unit: str) -> bool:
    if not Path("/run/systemd/system").is_dir() or not shutil.which("systemctl"):
        return False
    state = subprocess.run(
        ["systemctl", "is-active", "--quiet", unit], check=False
    ).returncode
    return state == 0


def _daemon_pid() -> int:
    path = pidfile_path()
    try:
        pid = int(path.read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        raise OsmsyncdError(
            f"no running osmsyncd found (no live pid in {path}); start it with "
            "`systemctl start osmsyncd` or `osmsyncd run`"
        ) from None
    if b"osmsyncd" not in command:
        raise OsmsyncdError(
            f"{path} names pid {pid}, which is not osmsyncd; remove the stale file"
        )
    return pid


# -- sync ----------------------------------------------------------------------


def sync(
    path: Path,
    resource: Resource,
    direction: Direction,
    *,
    connection: str | None,
    options: RunOptions,
    as_json: bool,
    run_job: RunJob | None = None,
) -> int:
    """One manual run of a job for each connection that has it."""
    config, plugins = prepare(path)
    names = _connections_with(config, resource, direction, connection)
    run_job = run_job or engine_run_job()
    stop = threading.Event()

    def interrupt(_number: int, _frame: FrameType | None) -> None:
        log.info("sync_stopping")
        stop.set()

    signal.signal(signal.SIGTERM, interrupt)

    summaries = []
    for name in names:
        if sys.stderr.isatty():
            print(f"{name}: {direction} {resource}...", file=sys.stderr)
        try:
            summary = run_job(
                config,
                name,
                resource,
                direction,
                plugins=plugins,
                options=options,
                stop=stop,
            )
        except JobBusy:
            raise OsmsyncdError(
                f"job {job_id(name, resource, direction)} is running elsewhere "
                "(the daemon or another sync); try again when it has finished"
            ) from None
        summaries.append(summary)
        if as_json:
            print(json.dumps(summary.as_dict(), default=str), flush=True)

    if not as_json:
        _print_summaries(summaries)
    if any(summary.error for summary in summaries):
        return FAILED
    if any(summary.failed for summary in summaries):
        return RECORDS_FAILED
    return DONE


def _connections_with(
    config: Config, resource: Resource, direction: Direction, only: str | None
) -> list[str]:
    key = "import" if direction is Direction.IMPORT else "export"

    def has(name: str) -> bool:
        settings = config.connections[name]
        wanted = settings.import_ if direction is Direction.IMPORT else settings.export
        return resource in wanted

    if only is not None:
        if only not in config.connections:
            known = ", ".join(sorted(config.connections))
            raise OsmsyncdError(f"no connection {only!r} in the config; known: {known}")
        if not has(only):
            raise OsmsyncdError(
                f"connection {only} does not {key} {resource}; add "
                f'"{resource}" to connections.{only}.{key}'
            )
        return [only]

    names = [name for name in sorted(config.connections) if has(name)]
    if not names:
        raise OsmsyncdError(
            f'no connection {key}s {resource}; add "{resource}" to the {key} '
            "list of a connection"
        )
    return names


def _problems(problems: list[str]) -> str:
    return "1 problem" if len(problems) == 1 else f"{len(problems)} problems"


def _print_summaries(summaries: list[RunSummary]) -> None:
    head = ["connection", "resource", "direction", *COUNTS, "seconds"]
    rows = []
    for s in summaries:
        first = s.orders_first
        if first is not None:
            rows.append(
                [
                    s.connection,
                    "orders",
                    "import (first)",
                    *(str(first.get(name, 0)) for name in COUNTS),
                    f"{float(first.get('seconds') or 0):.1f}",
                ]
            )
        rows.append(
            [
                s.connection,
                str(s.resource),
                str(s.direction),
                *(str(getattr(s, name)) for name in COUNTS),
                f"{s.seconds:.1f}",
            ]
        )
    _print_table(head, rows)
    for summary in summaries:
        if summary.dry_run:
            print(f"{summary.connection}: dry run, nothing was written; the plan:")
            for step in summary.plan:
                details = " ".join(
                    f"{key}={value}" for key, value in step.items() if key != "action"
                )
                print(f"  {step['action']:<7} {details}")
        if summary.error:
            print(f"{summary.connection}: run failed: {summary.error}")
        for key, reason in sorted(summary.failures.items()):
            print(f"{summary.connection}: record {key} failed: {reason}")


def _print_table(head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        cells = zip(row, widths, strict=True)
        print("  ".join(cell.ljust(width) for cell, width in cells).rstrip())


# -- check ---------------------------------------------------------------------


def check(path: Path, connection: str | None) -> int:
    """Config, OSM database and shops, each finding with its fix."""
    plugins = PluginHost.load()
    for broken in plugins.broken.values():
        _say(
            "warn",
            f"plugin {broken.name} ({broken.distribution} {broken.version}) "
            f"failed to load: {broken.error}",
        )

    try:
        config, warnings = read_config(path, plugins=plugins)
    except ConfigError as exc:
        for problem in exc.problems:
            _say("FAIL", problem)
        _say("FAIL", f"config {path}: {_problems(exc.problems)}, fix them first")
        return FAILED
    register_secrets(secrets_of(config))
    _say("ok", f"config {path}")
    for warning in warnings:
        _say("warn", f"{warning.key}: {warning.text}")

    healthy = _check_erp(config)
    names = sorted(config.connections)
    if connection is not None:
        if connection not in config.connections:
            raise OsmsyncdError(f"no connection {connection!r} in {path}")
        names = [connection]
    for name in names:
        healthy &= _check_shop(config, plugins, name)
    return DONE if healthy else FAILED


def _check_erp(config: Config) -> bool:
    try:
        with _repository(config, migrate=False) as repository:
            findings = repository.check()
    except ErpError as exc:
        _say("FAIL", f"OSM database: {exc}")
        return False
    return _say_findings("OSM database", findings)


def _check_shop(config: Config, plugins: PluginHost, name: str) -> bool:
    settings = config.connections[name]
    try:
        provider = plugins.provider(settings.provider).factory(
            settings, threading.Event()
        )
    except PluginError as exc:
        _say("FAIL", f"{name}: {exc}")
        return False
    provider.sample_image = _sample_image(config.erp.files_dir)
    try:
        findings = provider.probe()
    except OsmsyncdError as exc:
        _say("FAIL", f"{name}: {exc}")
        return False
    finally:
        provider.close()
    return _say_findings(name, findings)


def _sample_image(files_dir: Path | None) -> str | None:
    """One article image of OSM's files folder, for a shop to try fetching."""
    if files_dir is None:
        return None
    folder = files_dir / "articoli"
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in (".jpg", ".jpeg", ".png", ".gif", ".webp"):
            return path.name
    return None


def _say_findings(subject: str, findings: list[Finding]) -> bool:
    for finding in findings:
        detail = f": {finding.detail}" if finding.detail else ""
        _say("ok" if finding.ok else "FAIL", f"{subject}: {finding.what}{detail}")
        if finding.fix:
            print(f"      fix: {finding.fix}")
    return all(finding.ok for finding in findings)


def _say(mark: str, text: str) -> None:
    print(f"{mark:<5} {redact_text(text)}", flush=True)


# -- status --------------------------------------------------------------------


def status(path: Path, as_json: bool) -> int:
    """Last run of each job and the records that keep failing."""
    config, _plugins = prepare(path)
    with _repository(config, migrate=False) as repository:
        runs = list(repository.last_runs())
        failing = list(repository.failing_records())

    unhealthy = any(run.get("error") for run in runs) or bool(failing)
    if as_json:
        report = {"healthy": not unhealthy, "runs": runs, "failing": failing}
        print(json.dumps(report, default=str))
        return UNHEALTHY if unhealthy else DONE

    rows = [
        [
            str(
                run.get("job")
                or job_id(run["connection"], run["resource"], run["direction"])
            ),
            str(run.get("started_at", "")),
            f"{float(run.get('seconds') or 0):.1f}",
            "failed: " + str(run["error"]) if run.get("error") else _counts(run),
        ]
        for run in runs
    ]
    _print_table(
        ["job", "started", "seconds", "result"],
        rows or [["-", "-", "-", "no run yet"]],
    )
    for row in failing:
        record = row.get("record") or row.get("record_key")
        print(
            f"record {record} of {row.get('job')} failed {row.get('count')} "
            f"runs in a row: {row.get('error')}"
        )
    return UNHEALTHY if unhealthy else DONE


def _counts(run: dict[str, Any]) -> str:
    return ", ".join(f"{name} {run.get(name, 0)}" for name in COUNTS)


# -- plugins, erp, config, demo ------------------------------------------------


def list_plugins(as_json: bool) -> int:
    rows = PluginHost.load().inventory()
    if as_json:
        print(json.dumps(rows))
        return DONE
    _print_table(
        ["plugin", "distribution", "version", "providers", "hooks"],
        [
            [
                row["plugin"],
                row["distribution"],
                row["version"],
                ", ".join(row["providers"]) or "-",
                ", ".join(h.removeprefix("osmsyncd_") for h in row["hooks"])
                or f"BROKEN: {row['error']}",
            ]
            for row in rows
        ]
        or [["-", "-", "-", "-", "no plugin installed"]],
    )
    return DONE


def erp_setup(path: Path) -> int:
    config, _plugins = prepare(path)
    with _repository(config, migrate=True) as repository:
        done = repository.setup()
    for line in done:
        print(f"created {line}")
    print("osmsyncd's tables and OSM custom fields are in place")
    return DONE


def erp_teardown(path: Path, confirmed: bool) -> int:
    if not confirmed:
        raise OsmsyncdError(
            "erp teardown removes osmsyncd's tables (bindings, cursors, run "
            "history) and its OSM custom fields; add --yes to do it"
        )
    config, _plugins = prepare(path)
    with _repository(config, migrate=False) as repository:
        done = repository.teardown()
    for line in done:
        print(f"removed {line}")
    print("osmsyncd's tables and OSM custom fields are removed")
    return DONE


def config_init(path: Path) -> int:
    write_starter(path)
    print(f"wrote {path}; edit it, then run `osmsyncd --config {path} check`")
    return DONE


def demo(arguments: list[str]) -> int:
    result: int = _late("osmsyncd.demo", "main")(arguments)
    return result


def _late(module: str, name: str) -> Any:
    """A function from a part of osmsyncd that this installation may lack."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise OsmsyncdError(
            f"{module}.{name} is not part of this installation; reinstall osmsyncd"
        ) from None


@contextmanager
def _repository(config: Config, *, migrate: bool) -> Iterator[OsmRepository]:
    from osmsyncd.erp.session import open_erp

    repository = open_erp(config.erp, migrate=migrate)
    try:
        yield repository
    finally:
        repository.close()

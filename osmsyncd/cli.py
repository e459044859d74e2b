"""``osmsyncd``: the command line, and the one place errors meet the operator.

Every command takes ``--config`` and ``--log-level``, before or after its
name. An error ends as one line on stderr and exit status 1; a broken config
lists each of its problems on a line of its own.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import structlog

from osmsyncd import __version__
from osmsyncd import commands
from osmsyncd.configfile import DEFAULT_PATH
from osmsyncd.errors import ConfigError
from osmsyncd.errors import OsmsyncdError
from osmsyncd.logs import LEVELS
from osmsyncd.logs import configure_logging
from osmsyncd.logs import redact_text
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync.report import RunOptions

log = structlog.get_logger(__name__)

CONFIG_VARIABLE = "OSMSYNCD_CONFIG"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "demo":
        # The demo has options of its own; they pass through untouched.
        args.arguments = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    configure_logging(args.log_level or _default_level(args.command))

    try:
        return dispatch(args)
    except ConfigError as exc:
        problems = [redact_text(problem) for problem in exc.problems]
        if len(problems) == 1:
            print(f"osmsyncd: {problems[0]}", file=sys.stderr)
            return commands.FAILED
        print(f"osmsyncd: {len(problems)} problems in the config:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return commands.FAILED
    except OsmsyncdError as exc:
        print(f"osmsyncd: {redact_text(str(exc))}", file=sys.stderr)
        return commands.FAILED
    except KeyboardInterrupt:
        print("osmsyncd: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line, not a trace
        log.debug("command_crashed", exc_info=True)
        print(
            f"osmsyncd: unexpected {type(exc).__name__}: {redact_text(str(exc))}; "
            "rerun with --log-level debug to log the traceback",
            file=sys.stderr,
        )
        return commands.FAILED


def config_path(args: argparse.Namespace) -> Path:
    """``--config``, else ``$OSMSYNCD_CONFIG``, else the system path."""
    given = args.config or os.environ.get(CONFIG_VARIABLE)
    return Path(given) if given else DEFAULT_PATH


def dispatch(args: argparse.Namespace) -> int:
    command = args.command
    if command == "run":
        return commands.run(config_path(args))
    if command == "sync":
        options = RunOptions(
            dry_run=args.dry_run,
            full=args.full,
            record=args.record,
            progress=sys.stderr.isatty() and not args.json,
        )
        return commands.sync(
            config_path(args),
            Resource(args.resource),
            Direction.IMPORT if args.import_ else Direction.EXPORT,
            connection=args.connection,
            options=options,
            as_json=args.json,
        )
    if command == "reload":
        return commands.reload(config_path(args))
    if command == "check":
        return commands.check(config_path(args), args.connection)
    if command == "status":
        return commands.status(config_path(args), args.json)
    if command == "plugins":
        return commands.list_plugins(args.json)
    if command == "erp" and args.action == "setup":
        return commands.erp_setup(config_path(args))
    if command == "erp":
        return commands.erp_teardown(config_path(args), args.yes)
    if command == "config":
        path = Path(args.path) if args.path else config_path(args)
        return commands.config_init(path)
    if command == "demo":
        return commands.demo(list(args.arguments))
    raise AssertionError(f"unhandled command {command}")


def _default_level(command: str | None) -> str:
    """Info for the daemon and for scripts; a person at a terminal running a
    command reads its result on stdout and needs only warnings besides."""
    if command != "run" and sys.stderr.isatty():
        return "warning"
    return "info"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="osmsyncd",
        description="Keep OpenSTAManager in step with PrestaShop and WooCommerce.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    _add_common(parser, None)
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=text, description=text)

    command("run", "run the daemon in the foreground (systemd's ExecStart)")

    sync = command("sync", "run one job now, for every connection that has it")
    sync.add_argument("resource", choices=[str(r) for r in Resource])
    way = sync.add_mutually_exclusive_group(required=True)
    way.add_argument(
        "--import", dest="import_", action="store_true", help="shop to OSM"
    )
    way.add_argument("--export", action="store_true", help="OSM to shop")
    sync.add_argument("--connection", metavar="NAME", help="only this connection")
    sync.add_argument("--record", metavar="ID", help="only this OSM or shop id")
    sync.add_argument(
        "--dry-run", action="store_true", help="print the plan, write nothing"
    )
    sync.add_argument(
        "--full", action="store_true", help="ignore stored hashes, send everything"
    )
    sync.add_argument(
        "--json", action="store_true", help="one JSON object per connection"
    )

    command("reload", "check the config, then make the daemon re-read it")

    check = command("check", "check the config, the OSM database and each shop")
    check.add_argument("--connection", metavar="NAME", help="only this shop")

    status = command("status", "last run of each job; exit 2 when unhealthy")
    status.add_argument("--json", action="store_true", help="one JSON object")

    plugins = command("plugins", "installed plugins, versions, providers, hooks")
    plugins.add_argument("--json", action="store_true", help="a JSON list")

    erp = command("erp", "osmsyncd's tables and custom fields in OSM")
    erp_sub = erp.add_subparsers(dest="action", required=True, metavar="ACTION")
    erp_sub.add_parser(
        "setup",
        parents=[common],
        help="create osmsyncd's tables and OSM custom fields (idempotent)",
    )
    teardown = erp_sub.add_parser(
        "teardown",
        parents=[common],
        help="remove osmsyncd's tables and OSM custom fields",
    )
    teardown.add_argument("--yes", action="store_true", help="really remove them")

    config = command("config", "osmsyncd's configuration file")
    config_sub = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = config_sub.add_parser(
        "init", parents=[common], help="write a starter config (never overwrites)"
    )
    init.add_argument("path", nargs="?", metavar="PATH", help="where to write it")

    command("demo", "the main job on the embedded demo (SQLite, sandbox shops)")
    return parser


def _add_common(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help=f"config file (default: ${CONFIG_VARIABLE}, else {DEFAULT_PATH})",
    )
    parser.add_argument(
        "--log-level",
        choices=LEVELS,
        default=default,
        help=(
            "least important events to log (default: info; warning for "
            "commands other than run on a terminal)"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())

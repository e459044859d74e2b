"""``python -m osmsyncd_prestashop.sandbox``: serve a fake shop until SIGTERM.

The first line on stdout is a JSON object with the shop's ``url``, a fresh
webservice ``token`` and, with ``--https``, the ``cafile`` to trust.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from osmsyncd_prestashop.sandbox.faults import parse_fault
from osmsyncd_prestashop.sandbox.server import Sandbox


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m osmsyncd_prestashop.sandbox",
        description="A fake PrestaShop 8.2.1 webservice on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay each answer")
    parser.add_argument("--https", action="store_true", help="serve TLS (self-signed)")
    parser.add_argument("--seed", type=int, default=None, help="seed fault draws")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[:RATE]",
        help="inject a fault; repeatable",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    try:
        faults = [parse_fault(text) for text in options.fault]
    except ValueError as exc:
        print(f"--fault: {exc}", file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    sandbox = Sandbox(
        latency_ms=options.latency_ms,
        https=options.https,
        seed=options.seed,
        faults=faults,
    )
    try:
        sandbox.start(options.port)
    except (OSError, RuntimeError) as exc:
        print(f"cannot start the sandbox: {exc}", file=sys.stderr)
        return 1
    first = {"url": sandbox.url, "token": sandbox.token}
    if sandbox.cafile:
        first["cafile"] = sandbox.cafile
    print(json.dumps(first), flush=True)
    try:
        stop.wait()
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

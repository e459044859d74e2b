"""``python -m osmsyncd_woocommerce.sandbox``: serve a sandbox shop until SIGTERM.

The first line on stdout, flushed at once, is a JSON object with the shop's
``url``, a fresh ``token`` (``ck_…:cs_…``) and, with ``--https``, the
``cafile`` of its self-signed certificate (plus the ``media_user`` and
``media_password`` of its WordPress application password).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from osmsyncd_woocommerce.sandbox.certificate import CertificateError
from osmsyncd_woocommerce.sandbox.faults import FAULTS
from osmsyncd_woocommerce.sandbox.faults import parse_fault
from osmsyncd_woocommerce.sandbox.server import Sandbox


def _fault(text: str) -> str:
    try:
        parse_fault(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m osmsyncd_woocommerce.sandbox",
        description="A fake WooCommerce shop on 127.0.0.1 for osmsyncd.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 = a free port")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--https", action="store_true")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_fault,
        metavar="NAME[:RATE]",
        help=f"repeatable; names: {', '.join(FAULTS)}",
    )
    args = parser.parse_args(argv)

    sandbox = Sandbox(
        latency_ms=args.latency_ms, https=args.https, seed=args.seed, faults=args.fault
    )
    try:
        sandbox.start(args.port)
    except (CertificateError, OSError) as exc:
        print(f"sandbox could not start: {exc}", file=sys.stderr)
        return 1

    done = threading.Event()

    def finish(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    print(json.dumps(sandbox.announcement()), flush=True)
    while not done.wait(0.5):
        pass
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Messages to the service manager over ``$NOTIFY_SOCKET`` (sd_notify).

Without ``NOTIFY_SOCKET`` (not under systemd) every function does nothing.
A leading ``@`` in the socket name is Linux's abstract namespace.
"""

from __future__ import annotations

import os
import socket
import time

import structlog

log = structlog.get_logger(__name__)


def notify(*lines: str) -> bool:
    """Send ``KEY=VALUE`` lines in one datagram; True when it was sent."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False

    # vsock: and other schemes belong to VMs; osmsyncd only speaks AF_UNIX.
    if address[0] not in "/@":
        log.debug("notify_socket_unsupported", address=address)
        return False
    if address[0] == "@":
        address = "\0" + address[1:]

    try:
        with socket.socket(
            socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
        ) as s:
            s.connect(address)
            s.sendall("\n".join(lines).encode())
    except OSError as exc:
        log.debug("notify_failed", error=str(exc))
        return False
    return True


def ready(status: str = "") -> bool:
    return notify("READY=1", *([f"STATUS={status}"] if status else []))


def reloading() -> bool:
    # systemd ≥ 253 (Type=notify-reload) needs both fields in one datagram.
    usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    return notify("RELOADING=1", f"MONOTONIC_USEC={usec}")


def stopping() -> bool:
    return notify("STOPPING=1")


def status(text: str) -> bool:
    return notify(f"STATUS={text}")


def watchdog() -> bool:
    return notify("WATCHDOG=1")


def watchdog_interval() -> float | None:
    """Seconds within which systemd expects a ping, or None without a watchdog."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 1_000_000

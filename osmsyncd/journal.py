"""journald's native protocol: one datagram per event, with fields.

Only used when stderr is the journal's own stream (``$JOURNAL_STREAM``
matches it), so that output redirected elsewhere stays where it was sent.
``$OSMSYNCD_JOURNAL_SOCKET`` names another socket, for tests.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import socket
import struct
from collections.abc import Mapping
from typing import TextIO

DEFAULT_SOCKET = "/run/systemd/journal/socket"
SOCKET_VARIABLE = "OSMSYNCD_JOURNAL_SOCKET"
FIELD_PATTERN = re.compile(r"[^A-Z0-9_]")
SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL


def journal_socket() -> str:
    return os.environ.get(SOCKET_VARIABLE) or DEFAULT_SOCKET


def is_journal_stream(stream: TextIO) -> bool:
    """True when ``stream`` is the journal stream systemd connected us to."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    if not expected:
        return False
    try:
        stat = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return False
    return expected == f"{stat.st_dev}:{stat.st_ino}"


def field_name(key: str) -> str | None:
    """The journal field for a log key, or None when nothing is left of it.

    journald silently drops names that are not uppercase letters, digits and
    underscores, or that start with an underscore or a digit.
    """
    name = FIELD_PATTERN.sub("_", key.upper()).lstrip("_0123456789")
    return name[:64] or None


def encode(fields: Mapping[str, str]) -> bytes:
    """The datagram for one entry; values with newlines use the binary form."""
    parts = []
    for name, value in fields.items():
        data = value.encode("utf-8", "replace")
        if b"\n" in data:
            parts.append(name.encode() + b"\n" + struct.pack("<Q", len(data)) + data)
        else:
            parts.append(name.encode() + b"=" + data)
    return b"\n".join(parts) + b"\n"


class JournalSender:
    """Sends entries to one journal socket; reports failure, never raises."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or journal_socket()
        self._socket: socket.socket | None = None

    def send(self, fields: Mapping[str, str]) -> bool:
        payload = encode(fields)
        if self._socket is None:
            self._socket = socket.socket(
                socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
            )
        try:
            self._socket.sendto(payload, self.path)
        except OSError as exc:
            if exc.errno == errno.EMSGSIZE:
                return self._send_large(self._socket, payload)
            return False
        return True

    def _send_large(self, sock: socket.socket, payload: bytes) -> bool:
        # Too big for one datagram: journald takes a sealed memfd instead.
        fd = os.memfd_create("osmsyncd-journal", os.MFD_ALLOW_SEALING)
        try:
            os.write(fd, payload)
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, SEALS)
            # socket.send_fds would drop the address; sendmsg keeps it.
            rights = (socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))
            sock.sendmsg([b""], [rights], 0, self.path)
        except OSError:
            return False
        finally:
            os.close(fd)
        return True

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

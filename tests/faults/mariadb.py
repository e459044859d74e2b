"""A MariaDB server of the fault suite's own, to stop, kill and start again.

Its data directory is in a temporary folder and it listens on a free port
of 127.0.0.1, so killing it never touches the shared server the rest of the
suite uses. ``mariadb-install-db`` makes the system tables once; the server
then keeps its port and data across restarts, as a real one does.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pymysql


def installed() -> bool:
    return _binary("mariadbd") is not None and _binary("mariadb-install-db") is not None


def _binary(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateMariaDB:
    """``mariadbd`` on a loopback port with its data under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        install = _binary("mariadb-install-db")
        assert install is not None
        subprocess.run(
            [
                install,
                "--no-defaults",
                f"--datadir={self.data}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *self._user(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def _user(self) -> list[str]:
        return ["--user=root"] if os.geteuid() == 0 else []

    def start(self) -> None:
        binary = _binary("mariadbd")
        assert binary is not None
        self.process = subprocess.Popen(
            [
                binary,
                "--no-defaults",
                f"--datadir={self.data}",
                f"--socket={self.root / 'mysqld.sock'}",
                f"--pid-file={self.root / 'mysqld.pid'}",
                f"--log-error={self.root / 'error.log'}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=8M",
                *self._user(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mariadbd exited; see {self.root / 'error.log'}")
            if self.answers():
                return
            time.sleep(0.05)
        raise RuntimeError("mariadbd did not answer within 60 s")

    def answers(self) -> bool:
        try:
            pymysql.connect(
                host="127.0.0.1", port=self.port, user="root", connect_timeout=1
            ).close()
        except pymysql.err.OperationalError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would end it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def url(self, database: str = "", user: str = "root", password: str = "") -> str:
        login = f"{user}:{password}" if password else user
        tail = f"/{database}?charset=utf8mb4" if database else ""
        return f"mysql+pymysql://{login}@127.0.0.1:{self.port}{tail}"

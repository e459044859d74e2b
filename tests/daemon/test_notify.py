from __future__ import annotations

import os
import socket
import time

from osmsyncd import notify


def test_nothing_is_sent_outside_systemd(monkeypatch):
    """Without $NOTIFY_SOCKET every message is a no-op."""
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)

    assert notify.ready("up") is False
    assert notify.watchdog() is False


def test_each_message_is_one_datagram(monkeypatch, notify_socket):
    """READY, STATUS, STOPPING and WATCHDOG arrive as systemd expects them."""
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_socket.path))

    assert notify.ready("2 connections")
    notify.status("busy")
    notify.stopping()
    notify.watchdog()

    assert [notify_socket.next(1) for _ in range(4)] == [
        b"READY=1\nSTATUS=2 connections",
        b"STATUS=busy",
        b"STOPPING=1",
        b"WATCHDOG=1",
    ]


def test_reloading_carries_the_monotonic_clock_in_the_same_datagram(
    monkeypatch, notify_socket
):
    """RELOADING=1 and MONOTONIC_USEC travel together (Type=notify-reload)."""
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_socket.path))
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000

    notify.reloading()

    first, second = notify_socket.next(1).split(b"\n")
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    assert first == b"RELOADING=1"
    assert second.startswith(b"MONOTONIC_USEC=")
    assert before <= int(second.split(b"=")[1]) <= after


def test_abstract_socket_names_are_supported(monkeypatch):
    """A NOTIFY_SOCKET starting with @ is in the abstract namespace."""
    name = f"osmsyncd-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind("\0" + name)
        receiver.settimeout(1)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)

        notify.stopping()

        assert receiver.recv(100) == b"STOPPING=1"


def test_watchdog_interval_honours_the_watchdog_pid(monkeypatch):
    """WATCHDOG_USEC is read only when WATCHDOG_PID is unset or ours."""
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert notify.watchdog_interval() == 30.0

    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert notify.watchdog_interval() == 30.0

    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert notify.watchdog_interval() is None

    monkeypatch.delenv("WATCHDOG_USEC")
    assert notify.watchdog_interval() is None

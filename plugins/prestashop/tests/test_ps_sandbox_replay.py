"""The sandbox reproduces every exchange recorded on a real PrestaShop 8.2.1.

Nothing is skipped. What the comparison leaves out, on purpose: the bytes of
downloaded images (the real shop re-encodes and resizes them, the sandbox
returns the file it was given; status and content type are compared), the
text of PHP-warning errors (code 3; their count is compared), and values
that depend on the moment or on chance (dates, secure keys, password
hashes, order references, invoice and delivery numbers), which are masked.
"""

from __future__ import annotations

import pytest
from osmsyncd_prestashop.sandbox import Sandbox
from ps_replay import exchanges
from ps_replay import run

KEYS = [exchange.key for exchange in exchanges()]


@pytest.fixture(scope="module")
def replayed():
    sandbox = Sandbox(seed=7)
    try:
        yield run(sandbox)
    finally:
        sandbox.stop()


def test_every_fixture_exchange_is_replayed(replayed):
    """All 21 recorded files are replayed, exchange by exchange."""
    assert len(KEYS) == 331
    assert set(replayed) == set(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_recorded_exchange_is_reproduced(replayed, key):
    """The sandbox gives the recorded status, error codes, structure and values."""
    assert replayed[key] == []

"""Fixtures of the PrestaShop provider tests: a sandbox and a provider on it."""

from __future__ import annotations

import threading

import pytest
from osmsyncd_prestashop.provider import PrestaShopProvider
from osmsyncd_prestashop.sandbox import Sandbox
from ps_support import settings_for


@pytest.fixture
def sandbox():
    with Sandbox(seed=1) as shop:
        yield shop


@pytest.fixture
def provider(sandbox):
    made = PrestaShopProvider(settings_for(sandbox, timeout=10), threading.Event())
    yield made
    made.close()

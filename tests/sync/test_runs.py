"""How a run reports trouble: nothing failed may look like success."""

from __future__ import annotations

from osmsyncd.errors import ShopError
from osmsyncd.provider import ProviderSpec
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync import run_job
from tests.fakes import FakeErp
from tests.fakes import FakeHost
from tests.fakes import FakeProvider
from tests.fakes import FakeShop
from tests.fakes import fake_config


class OrdersRefused(FakeProvider):
    def changed_orders(self, cursor, placed_since):
        raise ShopError("GET orders: Consumer key is invalid", status=401)


class RefusingHost(FakeHost):
    def provider(self, name):
        return ProviderSpec("fake", lambda settings, stop: OrdersRefused(self.shop))


def test_an_export_whose_order_import_failed_pushes_nothing_and_says_why():
    """Stock must not be pushed while the shop's sales cannot be read: the
    article export fails with the order import's reason, not 'unchanged'."""
    erp, shop = FakeErp(), FakeShop()
    erp.add_article("CAF-001", "Caffè", "10.00", "5")

    summary = run_job(
        fake_config(), "shop", Resource.ARTICLES, Direction.EXPORT,
        plugins=RefusingHost(shop), erp=erp,
    )  # fmt: skip

    assert summary.error == (
        "the order import that runs before every article export failed, so no "
        "stock was pushed: GET orders: Consumer key is invalid (HTTP 401)"
    )
    assert (summary.created, summary.unchanged) == (0, 0)
    assert summary.as_dict()["orders_first"]["error"].startswith("GET orders")
    assert shop.products == {}

"""Plugins change and filter records on their way, and hear about runs."""

from __future__ import annotations

from dataclasses import replace

from osmsyncd import hookimpl
from osmsyncd.plugins import PluginHost
from osmsyncd.provider import ProviderSpec
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync import run_job
from tests.fakes import FakeErp
from tests.fakes import FakeProvider
from tests.fakes import FakeShop
from tests.fakes import fake_config


class ShopPlugin:
    """A third party's plugin: a provider and every record hook."""

    def __init__(self, shop):
        self.shop = shop
        self.summaries = []

    @hookimpl
    def osmsyncd_providers(self):
        return [ProviderSpec("fake", lambda settings, stop: FakeProvider(self.shop))]

    @hookimpl
    def osmsyncd_article_fields(self, connection, article):
        return {"name": f"{article.name} [{connection}]"}

    @hookimpl
    def osmsyncd_keep_record(self, connection, resource, direction, record):
        return getattr(record, "code", "") != "TE-002"

    @hookimpl
    def osmsyncd_order_fields(self, connection, order):
        return {"note": "via plugin"}

    @hookimpl
    def osmsyncd_run_finished(self, summary):
        self.summaries.append(summary)


def test_plugins_shape_the_export_and_hear_every_run():
    """Field hooks change what is sent, a filter keeps a record out (and hides
    it once bound), and every run's summary reaches run_finished."""
    erp, shop = FakeErp(), FakeShop()
    erp.add_article("CAF-001", "Caffè", "10.00", "5")
    erp.add_article("TE-002", "Tè", "4.00", "5")
    plugin = ShopPlugin(shop)
    host = PluginHost.with_plugins(plugin)

    summary = run_job(
        fake_config(), "shop", Resource.ARTICLES, Direction.EXPORT,
        plugins=host, erp=erp,
    )  # fmt: skip

    names = sorted(p.name for p in shop.products.values())
    assert names == ["Caffè [shop]"]
    assert summary.created == 1
    assert [(s["resource"], s["direction"]) for s in plugin.summaries] == [
        ("orders", "import"),
        ("articles", "export"),
    ]
    assert plugin.summaries[-1]["created"] == 1


def test_a_filtered_article_that_was_synced_is_hidden_not_deleted():
    """A record a plugin starts to filter out leaves the sync set: hidden."""
    erp, shop = FakeErp(), FakeShop()
    erp.add_article("TE-002", "Tè", "4.00", "5")
    run_job(
        fake_config(), "shop", Resource.ARTICLES, Direction.EXPORT,
        plugins=PluginHost.with_plugins(_provider_only(shop)), erp=erp,
    )  # fmt: skip
    erp.edit(2, price=replace(erp.items[2]).price + 1)

    summary = run_job(
        fake_config(), "shop", Resource.ARTICLES, Direction.EXPORT,
        plugins=PluginHost.with_plugins(ShopPlugin(shop)), erp=erp,
    )  # fmt: skip

    assert summary.hidden == 1
    [product] = shop.products.values()
    assert product.visible is False


def _provider_only(shop):
    class Provider:
        @hookimpl
        def osmsyncd_providers(self):
            return [ProviderSpec("fake", lambda settings, stop: FakeProvider(shop))]

    return Provider()

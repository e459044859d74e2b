"""The provider on a misbehaving host: lost answers, redirects, plugin loading."""

from __future__ import annotations

import threading
from importlib.metadata import entry_points

from osmsyncd_prestashop import plugin
from osmsyncd_prestashop.provider import PrestaShopProvider
from osmsyncd_prestashop.sandbox import Sandbox
from osmsyncd_prestashop.sandbox import parse_fault
from ps_support import make_article
from ps_support import settings_for

from osmsyncd.provider import ProductWrite


def test_a_create_whose_answer_was_lost_is_adopted_next_time():
    """Rule 1: after a 500 that followed the save, the next run adopts the product."""
    with Sandbox() as shop:
        provider = PrestaShopProvider(settings_for(shop), threading.Event())
        try:
            provider.facts()
            shop.set_faults([parse_fault("500-after-write")])
            [lost] = provider.write_products([ProductWrite(make_article(1))])
            shop.set_faults([])
            [again] = provider.write_products([ProductWrite(make_article(1))])
        finally:
            provider.close()
        rows = shop.rows("products")
    assert not lost.ok and "500" in lost.error
    assert again.ok and again.adopted
    assert [row["reference"] for row in rows] == ["OSM-001"]
    assert again.shop_id == str(rows[0]["id"])


def test_a_redirected_write_fails_the_record_with_the_target():
    """A write answered by a redirect is not followed; the record fails with a hint."""
    with Sandbox(faults=[parse_fault("redirect-write")]) as shop:
        provider = PrestaShopProvider(settings_for(shop), threading.Event())
        try:
            [outcome] = provider.write_products([ProductWrite(make_article(1))])
        finally:
            provider.close()
        assert shop.rows("products") == []
    assert not outcome.ok
    assert "redirected" in outcome.error and "https://127.0.0.1:" in outcome.error


def test_the_plugin_announces_the_prestashop_provider(sandbox):
    """The entry point group osmsyncd loads a spec whose factory builds a provider."""
    names = {ep.name: ep.value for ep in entry_points(group="osmsyncd")}
    assert names["prestashop"] == "osmsyncd_prestashop.plugin"
    [spec] = plugin.osmsyncd_providers()
    assert spec.name == "prestashop"
    made = spec.factory(settings_for(sandbox), threading.Event())
    try:
        assert isinstance(made, PrestaShopProvider) and made.name == "prestashop"
        assert made.settings_summary()["languages"] == ["it", "en"]
    finally:
        made.close()


def test_images_are_downloaded_with_the_key(provider, sandbox, tmp_path):
    """fetch_image gets the shop's image bytes from the URL the feed gives."""
    from ps_support import image_file

    picture = image_file(tmp_path, "foto.jpg")
    provider.write_products([ProductWrite(make_article(1, images=(picture,)))])
    [page] = list(provider.changed_products(None))
    [url] = page.records[0].image_urls
    assert provider.fetch_image(url) == picture.path.read_bytes()

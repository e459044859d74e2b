from __future__ import annotations

import json
import subprocess
import sys
import types
from datetime import UTC
from datetime import datetime
from decimal import Decimal

import pytest
from structlog.testing import capture_logs

import osmsyncd
from osmsyncd.errors import PluginError
from osmsyncd.plugins import PluginHost
from osmsyncd.provider import ProviderSpec
from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import OrderStock
from osmsyncd.records import ShopOrder

HOOKS = [
    "osmsyncd_article_fields",
    "osmsyncd_customer_fields",
    "osmsyncd_keep_record",
    "osmsyncd_order_fields",
    "osmsyncd_providers",
    "osmsyncd_run_finished",
]
ARTICLE = Article(erp_id=7, code="A-7", name="Barolo 2019")
CUSTOMER = Customer(email="Anna@Example.test", fiscal_code=" rssmra80a01h501u ")
ORDER = ShopOrder(
    shop_id="55",
    number="1055",
    placed_at=datetime(2025, 3, 1, tzinfo=UTC),
    updated_at=datetime(2025, 3, 1, tzinfo=UTC),
    status="processing",
    stock=OrderStock.SOLD,
    customer=CUSTOMER,
    lines=(),
    total=Decimal("10.00"),
    note="leave at the door",
)


def plugin(name: str, **hooks) -> types.ModuleType:
    """A plugin module named ``name`` implementing ``hooks``."""
    module = types.ModuleType(name)
    for hook, function in hooks.items():
        function.__name__ = f"osmsyncd_{hook}"
        setattr(module, f"osmsyncd_{hook}", osmsyncd.hookimpl(function))
    return module


def spec(name: str) -> ProviderSpec:
    return ProviderSpec(name, lambda settings, stop: None)  # type: ignore[arg-type, return-value]


def install_broken(site, name: str, error: str) -> None:
    """A distribution whose entry point fails when imported."""
    dist = site / f"osmsyncd_{name}-0.9.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: osmsyncd-{name}\nVersion: 0.9\n"
    )
    (dist / "entry_points.txt").write_text(f"[osmsyncd]\n{name} = osmsyncd_{name}\n")
    (site / f"osmsyncd_{name}.py").write_text(f"raise ImportError({error!r})\n")


def test_the_example_plugin_loads_through_its_entry_point(with_example):
    """An installed third-party distribution is found, with its version and hooks."""
    host = PluginHost.load(blocklist=("woocommerce", "prestashop"))

    [row] = [row for row in host.inventory() if row["plugin"] == "example"]
    assert row == {
        "plugin": "example",
        "distribution": "osmsyncd-example",
        "version": "1.2.3",
        "providers": ["example"],
        "hooks": HOOKS,
        "error": None,
    }
    assert host.provider("example").keys == {"shop_code": str}


def test_the_plugins_command_lists_the_example(daemon_env, tmp_path):
    """`osmsyncd plugins` shows the installed plugin, without needing a config."""
    command = [sys.executable, "-m", "osmsyncd", "plugins"]
    text = subprocess.run(
        command, env=daemon_env, cwd=tmp_path, capture_output=True, text=True
    )
    data = subprocess.run(
        [*command, "--json"], env=daemon_env, cwd=tmp_path, capture_output=True
    )

    assert text.returncode == 0, text.stderr
    header, line = text.stdout.splitlines()
    assert header.split() == ["plugin", "distribution", "version", "providers", "hooks"]
    assert line.split()[:4] == ["example", "osmsyncd-example", "1.2.3", "example"]
    assert "article_fields, customer_fields, keep_record" in line
    assert json.loads(data.stdout)[0]["hooks"] == HOOKS


def test_a_broken_plugin_is_logged_and_skipped(with_example, tmp_path, monkeypatch):
    """A plugin failing to import is reported with its distribution; others load."""
    install_broken(tmp_path, "acme", "No module named 'zeep'")
    monkeypatch.syspath_prepend(str(tmp_path))

    with capture_logs() as logs:
        host = PluginHost.load(blocklist=("woocommerce", "prestashop"))

    assert sorted(host.providers) == ["example"]
    assert host.broken["acme"].distribution == "osmsyncd-acme"
    [event] = [e for e in logs if e["event"] == "plugin_broken"]
    assert event == {
        "event": "plugin_broken",
        "log_level": "error",
        "plugin": "acme",
        "distribution": "osmsyncd-acme",
        "version": "0.9",
        "error": "ImportError: No module named 'zeep'",
        "fix": "reinstall or upgrade it, or set OSMSYNCD_DISABLE_PLUGINS=acme",
    }
    with pytest.raises(PluginError) as caught:
        host.provider("acme")
    assert str(caught.value) == (
        "provider 'acme' comes from plugin acme (osmsyncd-acme 0.9), which failed "
        "to load: ImportError: No module named 'zeep'; reinstall or upgrade "
        "osmsyncd-acme"
    )


def test_the_blocklist_variable_keeps_a_plugin_out(with_example, monkeypatch):
    """$OSMSYNCD_DISABLE_PLUGINS skips a plugin before it is imported."""
    monkeypatch.setenv("OSMSYNCD_DISABLE_PLUGINS", "example, woocommerce,prestashop")

    host = PluginHost.load()

    assert host.providers == {} and host.broken == {}
    assert host.inventory() == []


def test_an_unknown_provider_lists_the_installed_ones():
    """Asking for a provider nobody brings names the ones that exist."""
    host = PluginHost.with_plugins(
        plugin("shops", providers=lambda: [spec("prestashop"), spec("woocommerce")])
    )

    with pytest.raises(PluginError) as caught:
        host.provider("shopify")

    assert str(caught.value) == (
        "no installed plugin provides 'shopify' (installed providers: prestashop, "
        "woocommerce); install its plugin, e.g. pip install osmsyncd-shopify"
    )


def test_a_misspelt_hook_or_a_taken_provider_name_breaks_only_that_plugin():
    """check_pending and duplicate providers mark the offender broken."""
    typo = plugin("typo", article_field=lambda connection, article: {})
    first = plugin("first", providers=lambda: [spec("shop")])
    second = plugin("second", providers=lambda: [spec("shop")])

    host = PluginHost.with_plugins(typo, first, second)

    assert sorted(host.broken) == ["second", "typo"]
    assert "osmsyncd_article_field" in host.broken["typo"].error
    assert host.broken["second"].error == "provider 'shop' is already provided by first"
    assert [row["plugin"] for row in host.inventory()] == ["first", "second", "typo"]


def test_field_hooks_apply_every_plugin_in_turn():
    """Each plugin's dict is applied to what the plugins before it returned."""
    host = PluginHost.with_plugins(
        plugin("one", article_fields=lambda connection, article: {"name": "Barolo"}),
        plugin("none", article_fields=lambda connection, article: None),
        plugin(
            "two",
            article_fields=lambda connection, article: {
                "short_description": f"{article.name} ({connection})"
            },
        ),
    )

    article = host.article_fields("shop1", ARTICLE)

    assert (article.name, article.short_description) == ("Barolo", "Barolo (shop1)")
    assert article.code == "A-7"


def test_the_example_plugin_changes_customers_orders_and_articles(with_example):
    """The example's field hooks reach customers, orders and articles."""
    import osmsyncd_example

    host = PluginHost.with_plugins(osmsyncd_example)

    assert host.customer_fields("shop1", CUSTOMER).fiscal_code == "RSSMRA80A01H501U"
    assert host.order_fields("shop1", ORDER).note == "[shop1 #1055] leave at the door"
    assert host.article_fields("shop1", ARTICLE).short_description == "Barolo 2019"


def test_an_unknown_field_name_is_an_error_naming_the_plugin():
    """A plugin returning a field the record lacks fails with its name."""
    host = PluginHost.with_plugins(
        plugin("colours", order_fields=lambda connection, order: {"colour": "red"})
    )

    with pytest.raises(PluginError) as caught:
        host.order_fields("shop1", ORDER)

    assert str(caught.value) == (
        "plugin colours: osmsyncd_order_fields returned unknown ShopOrder fields colour"
    )


def test_a_failing_field_hook_is_an_error_naming_the_plugin():
    """An exception inside a hook becomes a PluginError with the plugin's name."""

    def explode(connection, customer):
        raise KeyError("vat")

    host = PluginHost.with_plugins(plugin("fragile", customer_fields=explode))

    with pytest.raises(PluginError) as caught:
        host.customer_fields("shop1", CUSTOMER)

    assert str(caught.value) == (
        "plugin fragile failed in osmsyncd_customer_fields: KeyError: 'vat'"
    )


def test_one_false_from_keep_record_leaves_the_record_out(with_example):
    """keep_record is False as soon as one plugin says False."""
    import osmsyncd_example

    seen = []

    def keep_all(connection, resource, direction, record):
        seen.append((connection, resource, direction, record.code))
        return True

    host = PluginHost.with_plugins(
        osmsyncd_example, plugin("all", keep_record=keep_all)
    )
    internal = Article(erp_id=8, code="INT-8", name="Spare part")

    assert host.keep_record("shop1", "articles", "export", ARTICLE) is True
    assert host.keep_record("shop1", "articles", "export", internal) is False
    assert host.keep_record("shop1", "articles", "import", internal) is True
    assert seen[0] == ("shop1", "articles", "export", "A-7")


def test_run_finished_reaches_every_plugin_and_logs_failures(with_example):
    """A plugin failing on run_finished is logged; the others still hear it."""
    import osmsyncd_example

    def explode(summary):
        raise RuntimeError("mail server down")

    host = PluginHost.with_plugins(
        plugin("alerts", run_finished=explode), osmsyncd_example
    )
    osmsyncd_example.FINISHED.clear()

    with capture_logs() as logs:
        host.run_finished({"connection": "shop1", "created": 2})

    assert osmsyncd_example.FINISHED == [{"connection": "shop1", "created": 2}]
    assert logs == [
        {
            "event": "plugin_hook_failed",
            "log_level": "error",
            "plugin": "alerts",
            "error": "plugin alerts failed in osmsyncd_run_finished: RuntimeError: "
            "mail server down",
        }
    ]

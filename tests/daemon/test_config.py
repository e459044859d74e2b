from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from osmsyncd.configfile import check_config
from osmsyncd.configfile import load_config
from osmsyncd.configfile import read_config
from osmsyncd.configfile import secrets_of
from osmsyncd.configfile import starter_config
from osmsyncd.configfile import write_starter
from osmsyncd.errors import ConfigError
from osmsyncd.plugins import BrokenPlugin
from osmsyncd.plugins import PluginHost
from osmsyncd.provider import ProviderSpec
from osmsyncd.records import Resource

REPO = Path(__file__).resolve().parents[2]


class Catalog:
    """Providers as plugins would announce them."""

    def __init__(self, *specs: ProviderSpec) -> None:
        self.providers = {spec.name: spec for spec in specs}

    def missing_provider(self, name: str) -> str:
        return f"no provider {name!r}; installed: {', '.join(sorted(self.providers))}"


def _factory(settings, stop):
    raise NotImplementedError


CATALOG = Catalog(
    ProviderSpec("woocommerce", _factory),
    ProviderSpec("acme", _factory, keys={"warehouse_code": str, "retries": int}),
)


def document(**connection) -> dict:
    table = {"provider": "woocommerce", "url": "https://shop.test", "token": "k"}
    table.update(connection)
    return {
        "erp": {"url": "mysql+pymysql://osm@127.0.0.1/osm"},
        "connections": {"shop1": table},
    }


def problems_of(data, **kwargs) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        check_config(data, plugins=CATALOG, environ={}, **kwargs)
    return caught.value.problems


def test_every_core_key_becomes_its_typed_setting(tmp_path):
    """A config using every core key loads into settings of the right types."""
    token = tmp_path / "shop.token"
    token.write_text("ck_1:cs_2\n")
    token.chmod(0o600)
    media = tmp_path / "media.password"
    media.write_text("app pass word")
    media.chmod(0o600)
    data = document(
        token=None,
        token_file="shop.token",
        auth="oauth1",
        max_requests_per_second=2,
        debug=True,
        categories=["Vini", "Birre"],
        disable_zero_quantity=True,
        only_with_photo=True,
        local_images=True,
        interval="1.5m",
        orders_since=date(2025, 1, 31),
        stock_on_order_import=False,
        order_states={"processing": "Accettato"},
        payment_methods={"bacs": "Bonifico bancario"},
        vat_exempt="Esente art. 10",
        warehouses=["Sede legale", "Magazzino"],
        conflict="shop",
        concurrency=2,
        timeout=12.5,
        images_url="https://osm.test/files",
        media_user="sync",
        media_password_file=str(media),
        barcode_meta_key="_ean",
        customer_meta={"vat_number": "_billing_vat", "pec": "_billing_pec"},
        tax_classes={"22": "standard", "10": "reduced-rate", "4.0": "super"},
    )
    data["connections"]["shop1"]["import"] = ["orders", "customers"]
    data["connections"]["shop1"]["export"] = ["articles"]
    del data["connections"]["shop1"]["token"]
    data["erp"]["files_dir"] = "/srv/osm/files"

    config, warnings = check_config(
        data, plugins=CATALOG, source=tmp_path / "o.toml", environ={}
    )

    shop = config.connections["shop1"]
    assert warnings == []
    assert shop.token == "ck_1:cs_2"
    assert shop.media_password == "app pass word"
    assert shop.interval == 90.0
    assert shop.import_ == frozenset({Resource.ORDERS, Resource.CUSTOMERS})
    assert shop.export == frozenset({Resource.ARTICLES})
    assert shop.tax_classes == {
        Decimal("22"): "standard",
        Decimal("10"): "reduced-rate",
        Decimal("4"): "super",
    }
    assert shop.orders_since == date(2025, 1, 31)
    assert shop.categories == ("Vini", "Birre")
    assert shop.max_requests_per_second == 2.0
    assert (shop.auth, shop.conflict, shop.concurrency, shop.timeout) == (
        "oauth1",
        "shop",
        2,
        12.5,
    )
    assert config.erp.files_dir == Path("/srv/osm/files")
    assert secrets_of(config) == ["ck_1:cs_2", "app pass word"]


def test_defaults_are_those_of_the_design():
    """Keys left out take DESIGN's defaults."""
    config, _ = check_config(document(), plugins=CATALOG, environ={})
    shop = config.connections["shop1"]

    assert shop.interval == 600.0
    assert shop.import_ == frozenset() and shop.export == frozenset()
    assert (shop.auth, shop.conflict, shop.verify_tls) == ("auto", "erp", True)
    assert (shop.concurrency, shop.timeout, shop.stock_on_order_import) == (
        4,
        30.0,
        True,
    )


def test_three_mistakes_are_reported_together_with_their_keys():
    """Every mistake is reported at once, each naming its key path and a fix."""
    data = document(interval="10 minutes", colour="red")
    data["connections"]["shop1"]["import"] = ["order"]

    problems = problems_of(data)

    assert len(problems) == 3
    assert problems[0].startswith("connections.shop1.interval: '10 minutes' is not")
    assert '"10m"' in problems[0]
    assert problems[1].startswith("connections.shop1.colour: unknown key")
    assert problems[2].startswith("connections.shop1.import: 'order' is not a")
    assert '"orders"' in problems[2]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("10m", 600.0), ("1h", 3600.0), ("1.5m", 90.0), ("2 h", 7200.0)],
)
def test_intervals_are_durations_with_a_unit(text, seconds):
    """Durations are a number with s, m or h."""
    config, _ = check_config(document(interval=text), plugins=CATALOG, environ={})

    assert config.connections["shop1"].interval == seconds


@pytest.mark.parametrize("text", ["10", 600, "0s", "1d", "m"])
def test_intervals_without_a_unit_are_refused(text):
    """A bare number or an unknown unit is an error that shows the format."""
    problems = problems_of(document(interval=text))

    assert problems == [
        f"connections.shop1.interval: {text!r} is not a duration; write a number "
        'and a unit, e.g. "30s", "10m" or "1h"'
        if isinstance(text, str)
        else "connections.shop1.interval: 600 is not a duration; write a number "
        'and a unit, e.g. "30s", "10m" or "1h"'
    ]


def test_a_misspelt_key_gets_a_suggestion():
    """An unknown key close to a real one names the real one."""
    problems = problems_of(document(intervall="5m"))

    assert problems == [
        "connections.shop1.intervall: unknown key; did you mean 'interval'?"
    ]


def test_plugin_tables_may_hold_any_key_and_unknown_sections_may_not():
    """[plugins.NAME] belongs to its plugin; other unknown sections are errors."""
    data = document()
    data["plugins"] = {"acme": {"anything": [1, 2], "nested": {"x": 1}}}
    config, _ = check_config(data, plugins=CATALOG, environ={})
    assert config.plugins == {"acme": {"anything": [1, 2], "nested": {"x": 1}}}

    data["shops"] = {}
    assert problems_of(data) == ["shops: unknown section; remove it"]


def test_exactly_one_token_source_is_required():
    """None or two of token, token_file, token_credential is an error."""
    none = document()
    del none["connections"]["shop1"]["token"]
    two = document(token_file="/nonexistent")

    assert problems_of(none) == [
        "connections.shop1.token_file: give exactly one of token, token_file, "
        "token_credential (none is given); token_file is best"
    ]
    assert problems_of(two) == [
        "connections.shop1.token_file: give exactly one of token, token_file, "
        "token_credential (token and token_file are given); token_file is best"
    ]


def test_a_token_file_others_can_read_is_used_with_a_warning(tmp_path):
    """A world-readable token file still works, and the warning says chmod 600."""
    path = tmp_path / "token"
    path.write_text("  secret-value \n")
    path.chmod(0o644)
    data = document(token_file=str(path))
    del data["connections"]["shop1"]["token"]

    config, warnings = check_config(data, plugins=CATALOG, environ={})

    assert config.connections["shop1"].token == "secret-value"
    assert [(w.event, w.key) for w in warnings] == [
        ("secret_file_readable", "connections.shop1.token_file")
    ]
    assert f"chmod 600 {path}" in warnings[0].text


def test_a_missing_token_file_is_an_error_naming_the_path(tmp_path):
    """An unreadable token file is reported with its path and what to do."""
    data = document(token_file="missing.token")
    del data["connections"]["shop1"]["token"]

    problems = problems_of(data, source=tmp_path / "osmsyncd.toml")

    assert problems == [
        f"connections.shop1.token_file: cannot read {tmp_path / 'missing.token'} "
        "(No such file or directory); create the file with the secret alone, "
        "readable by the osmsyncd user"
    ]


def test_credentials_come_from_the_systemd_credentials_directory(tmp_path):
    """token_credential and password_credential read $CREDENTIALS_DIRECTORY."""
    (tmp_path / "shop1-token").write_text("from-systemd\n")
    (tmp_path / "erp-password").write_text("db-secret")
    data = document(token_credential="shop1-token")
    del data["connections"]["shop1"]["token"]
    data["erp"]["password_credential"] = "erp-password"

    config, _ = check_config(
        data, plugins=CATALOG, environ={"CREDENTIALS_DIRECTORY": str(tmp_path)}
    )

    assert config.connections["shop1"].token == "from-systemd"
    assert config.erp.password == "db-secret"


def test_a_credential_outside_systemd_is_an_error_with_the_unit_line():
    """Without $CREDENTIALS_DIRECTORY the error names LoadCredential=."""
    data = document(token_credential="shop1-token")
    del data["connections"]["shop1"]["token"]

    problems = problems_of(data)

    assert problems == [
        "connections.shop1.token_credential: $CREDENTIALS_DIRECTORY is not set; "
        "run osmsyncd from its systemd unit with LoadCredential=shop1-token, "
        "or use a *_file key"
    ]


def test_plain_http_and_unchecked_tls_are_warned_about():
    """http:// and verify_tls = false load, each with its own warning."""
    data = document(url="http://shop.test", verify_tls=False)

    config, warnings = check_config(data, plugins=CATALOG, environ={})

    assert config.connections["shop1"].verify_tls is False
    assert [(w.event, w.key) for w in warnings] == [
        ("token_in_clear", "connections.shop1.url"),
        ("tls_verification_off", "connections.shop1.verify_tls"),
    ]


def test_a_database_url_with_a_password_is_refused():
    """The database password belongs in a file or credential, not the URL."""
    data = document()
    data["erp"]["url"] = "mysql+pymysql://osm:hunter2@db/osm"

    assert problems_of(data) == [
        "erp.url: the URL holds a password; remove it and put the password in a "
        "file named by erp.password_file (or erp.password_credential)"
    ]


def test_an_unknown_provider_lists_the_installed_ones():
    """A provider no plugin brings is named, with the installed ones."""
    problems = problems_of(document(provider="shopify"))

    assert problems == [
        "connections.shop1.provider: no provider 'shopify'; installed: acme, "
        "woocommerce"
    ]


def test_provider_keys_are_checked_and_passed_in_extra():
    """Keys a provider declares are typed like core keys and land in extra."""
    good = document(provider="acme", warehouse_code="W1", retries=3)
    config, _ = check_config(good, plugins=CATALOG, environ={})
    assert config.connections["shop1"].extra == {"warehouse_code": "W1", "retries": 3}

    bad = document(provider="acme", retries="three")
    assert problems_of(bad) == [
        "connections.shop1.retries: 'three' is not a whole number; write e.g. 4"
    ]

    elsewhere = document(warehouse_code="W1")
    assert problems_of(elsewhere) == [
        "connections.shop1.warehouse_code: only acme connections use this key; "
        "remove it"
    ]


def test_a_broken_plugin_is_named_when_a_connection_needs_its_provider():
    """The config error names the plugin that failed to load, and its version."""
    host = PluginHost.with_plugins()
    host.broken["acme"] = BrokenPlugin(
        "acme", "osmsyncd-acme", "2.0", "ImportError: no module named requests_oauthlib"
    )

    with pytest.raises(ConfigError) as caught:
        check_config(document(provider="acme"), plugins=host, environ={})

    assert caught.value.problems == [
        "connections.shop1.provider: provider 'acme' comes from plugin acme "
        "(osmsyncd-acme 2.0), which failed to load: ImportError: no module named "
        "requests_oauthlib; reinstall or upgrade osmsyncd-acme"
    ]


def test_broken_toml_and_a_missing_file_name_the_file(tmp_path):
    """Parse errors and a missing file name the file and the way out."""
    broken = tmp_path / "broken.toml"
    broken.write_text("[erp\nurl = 1\n")
    missing = tmp_path / "missing.toml"

    with pytest.raises(ConfigError) as parse:
        read_config(broken)
    with pytest.raises(ConfigError) as absent:
        read_config(missing)

    assert parse.value.problems[0].startswith(f"{broken}: not valid TOML: ")
    assert absent.value.problems == [
        f"{missing}: no such file; write one with `osmsyncd config init {missing}` "
        "or name another with --config or $OSMSYNCD_CONFIG"
    ]


def test_load_config_logs_each_warning(tmp_path):
    """Warnings of a loaded config are logged as events at every load."""
    path = tmp_path / "o.toml"
    path.write_text(
        '[erp]\nurl = "sqlite:///x.db"\n[connections.a]\nprovider = "woocommerce"\n'
        'url = "http://shop.test"\ntoken = "t"\n'
    )

    with capture_logs() as logs:
        load_config(path, CATALOG)

    assert [(e["event"], e["key"], e["log_level"]) for e in logs] == [
        ("token_in_clear", "connections.a.url", "warning")
    ]


def test_config_init_writes_a_starter_and_never_overwrites(tmp_path):
    """The starter parses back to itself, and a second init is refused."""
    path = tmp_path / "etc" / "osmsyncd.toml"

    write_starter(path)
    with pytest.raises(ConfigError) as again:
        write_starter(path)

    assert tomllib.loads(path.read_text()) == starter_config()
    assert path.stat().st_mode & 0o777 == 0o640
    assert again.value.problems == [
        f"{path}: already exists; edit it, or name another path"
    ]


def test_the_starter_only_lacks_its_secret_files():
    """Everything in the starter is valid but the secrets the operator adds."""
    problems = problems_of(starter_config())

    assert [problem.split(":")[0] for problem in problems] == [
        "erp.password_file",
        "connections.shop.token_file",
    ]


def test_the_shipped_example_config_is_valid(tmp_path):
    """etc/osmsyncd.toml loads once its credentials exist."""
    names = (
        "osmsyncd-erp-password",
        "osmsyncd-negozio-token",
        "osmsyncd-vetrina-token",
    )
    for name in names:
        (tmp_path / name).write_text("secret\n")
    catalog = Catalog(
        ProviderSpec("woocommerce", _factory), ProviderSpec("prestashop", _factory)
    )

    config, warnings = read_config(
        REPO / "etc" / "osmsyncd.toml",
        plugins=catalog,
        environ={"CREDENTIALS_DIRECTORY": str(tmp_path)},
    )

    assert sorted(config.connections) == ["negozio", "vetrina"]
    assert warnings == []

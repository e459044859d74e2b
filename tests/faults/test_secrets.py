"""Secrets stay secret, TLS is checked, and risky setups are called out.

No shop token (nor either half of a WooCommerce ``ck_…:cs_…`` token) and no
database password appears in anything osmsyncd prints, at any log level,
in ``--json`` output or in error messages, on success or failure.
"""

from __future__ import annotations

import configparser
import secrets
from pathlib import Path

import pytest
import tomli_w
from osmsyncd_prestashop.sandbox import Sandbox as PrestaShopSandbox
from osmsyncd_prestashop.sandbox.shopper import Shopper as PrestaShopShopper
from osmsyncd_woocommerce.sandbox import Sandbox as WooSandbox
from osmsyncd_woocommerce.sandbox.shopper import Shopper as WooShopper
from sqlalchemy import create_engine
from sqlalchemy import text

from tests.faults.catalogue import CATEGORY
from tests.faults.runs import config_for
from tests.faults.runs import osmsyncd

pytestmark = pytest.mark.mysql

ROOT = Path(__file__).parents[2]


def _db_user(server, database: str) -> tuple[str, str]:
    """A database user with a password of its own, for this OSM only."""
    user, password = "osmsyncd_t", secrets.token_urlsafe(18)
    admin = create_engine(server.url())
    with admin.begin() as db:
        db.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
        db.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'"))
        db.execute(text(f"GRANT ALL ON `{database}`.* TO '{user}'@'%'"))
    admin.dispose()
    return user, password


def _config(folder: Path, server, osm, provider, shop, password_file, **extra):
    token_file = folder / "shop.token"
    token_file.write_text(shop.token + "\n")
    token_file.chmod(0o600)
    database = osm.engine.url.database
    connection = {
        "provider": provider,
        "url": shop.url,
        "token_file": str(token_file),
        "export": ["articles"],
        "import": ["orders"],
        "categories": [CATEGORY],
        "debug": True,
        "timeout": 5,
        **extra,
    }
    config = {
        "erp": {
            "url": f"mysql+pymysql://osmsyncd_t@127.0.0.1:{server.port}/{database}",
            "password_file": str(password_file),
            "files_dir": str(osm.files_dir),
        },
        "connections": {"negozio": connection},
    }
    path = folder / "osmsyncd.toml"
    path.write_bytes(tomli_w.dumps(config).encode())
    return path


@pytest.mark.parametrize("provider", ["prestashop", "woocommerce"])
def test_no_secret_is_printed_at_any_level(provider, own_mariadb, own_osm, tmp_path):
    """A debug-level export, order import and status, then a check with a key
    the shop refuses and a sync whose database password is refused, print
    neither token, nor their halves, nor the database password; the config
    warning says the token travels in clear over http."""
    _, password = _db_user(own_mariadb, own_osm.engine.url.database)
    password_file = tmp_path / "db.password"
    password_file.write_text(password)
    password_file.chmod(0o600)
    sandbox = PrestaShopSandbox(seed=8) if provider == "prestashop" else WooSandbox()
    runs = []
    with sandbox as shop:
        config = _config(tmp_path, own_mariadb, own_osm, provider, shop, password_file)

        def cli(*args):
            done = osmsyncd(config, "--log-level", "debug", *args)
            runs.append(done)
            return done

        exported = cli("sync", "articles", "--export", "--json")
        assert exported.returncode == 0, exported.stderr[-2000:]
        _sell(provider, shop)
        imported = cli("sync", "orders", "--import", "--json")
        assert imported.returncode == 0, imported.stderr[-2000:]
        assert imported.summaries()[0]["created"] == 1
        assert cli("status", "--json").returncode == 0
        # A key the shop refuses: errors quote requests, never the key.
        wrong = _wrong_token(shop.token)
        (tmp_path / "shop.token").write_text(wrong)
        assert cli("check").returncode == 1
        (tmp_path / "shop.token").write_text(shop.token)
    password_file.write_text(password[::-1])
    refused = cli("sync", "articles", "--export", "--json")
    assert refused.returncode == 1
    assert "refused the login" in refused.summaries()[0]["error"]

    secrets_ = {"password": password, "refused password": password[::-1]}
    for name, token in (("token", shop.token), ("wrong token", wrong)):
        secrets_[name] = token
        if ":" in token:
            key, secret = token.split(":", 1)
            secrets_.update({f"{name} key": key, f"{name} secret": secret})
    for done in runs:
        output = done.stdout + done.stderr
        for name, value in secrets_.items():
            assert value not in output, f"{name} printed by a run"
    assert any(shop.url in done.stderr for done in runs)  # real output was seen
    assert all(done.named("token_in_clear") for done in runs[:2])


def _wrong_token(token):
    """A token of the same shape that the shop does not know."""
    if ":" in token:
        return f"ck_{secrets.token_hex(20)}:cs_{secrets.token_hex(20)}"
    return "".join(
        secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(32)
    )


def _sell(provider, shop):
    if provider == "prestashop":
        [product] = shop.rows("products")[:1]
        shopper = PrestaShopShopper(shop.url, shop.token)
        try:
            shopper.place_order([(int(product["id"]), 1)])
        finally:
            shopper.close()
        return
    [product] = shop.admin_products()[:1]
    shopper = WooShopper(shop.url, shop.token)
    try:
        shopper.place_order([(int(product["id"]), 1)])
    finally:
        shopper.close()


def test_tls_is_verified_unless_the_connection_says_otherwise(small_osm, tmp_path):
    """Against a self-signed HTTPS shop, check and sync fail naming
    verify_tls; with verify_tls = false they work and warn at every start."""
    with PrestaShopSandbox(seed=9, https=True) as shop:
        strict = config_for(tmp_path, small_osm, shop)
        check = osmsyncd(strict, "check")
        sync = osmsyncd(strict, "sync", "articles", "--export", "--json")
        lax = config_for(tmp_path, small_osm, shop, verify_tls=False)
        lax_check = osmsyncd(lax, "check")
        lax_sync = osmsyncd(lax, "sync", "articles", "--export", "--json")

    assert check.returncode == 1 and "verify_tls" in check.stdout
    assert sync.returncode == 1
    assert "verify_tls = false" in sync.summaries()[0]["error"]
    assert lax_check.returncode == 0, lax_check.stdout
    assert "verify_tls" in lax_check.stdout and "not checked" in lax_check.stdout
    assert lax_sync.returncode == 0, lax_sync.stderr[-2000:]
    [warning] = lax_sync.named("tls_verification_off")
    assert warning["level"] == "warning"
    assert warning["key"] == "connections.negozio.verify_tls"


def test_a_token_file_others_can_read_is_used_with_a_warning(small_osm, tmp_path):
    """A token file readable by every user still works, with a warning that
    names the file and the chmod that fixes it."""
    with PrestaShopSandbox(seed=10) as shop:
        config = config_for(tmp_path, small_osm, shop)
        (tmp_path / "shop.token").chmod(0o644)
        done = osmsyncd(config, "sync", "articles", "--export", "--json")

    assert done.returncode == 0, done.stderr[-2000:]
    [warning] = done.named("secret_file_readable")
    assert warning["level"] == "warning"
    assert f"chmod 600 {tmp_path / 'shop.token'}" in warning["problem"]


def test_the_service_runs_as_its_own_user_not_root():
    """The systemd unit names a User= and Group= of its own, never root."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((ROOT / "systemd" / "osmsyncd.service").read_text())
    service = unit["Service"]
    assert service.get("User") == "osmsyncd"
    assert service.get("Group") == "osmsyncd"
    assert "root" not in (service.get("SupplementaryGroups") or "")
    assert "DynamicUser" not in service or service["DynamicUser"] == "no"

"""``osmsyncd check`` on PrestaShop: each failure named with its fix (BR-13)."""

from __future__ import annotations

import socket
import threading

from osmsyncd_prestashop.provider import PrestaShopProvider
from osmsyncd_prestashop.sandbox import Sandbox
from osmsyncd_prestashop.sandbox import parse_fault
from ps_support import make_article
from ps_support import settings_for

from osmsyncd.provider import ProductWrite


def _probe(shop, **values):
    provider = PrestaShopProvider(settings_for(shop, **values), threading.Event())
    try:
        return {finding.what: finding for finding in provider.probe()}
    finally:
        provider.close()


def test_a_healthy_shop_passes_every_check(sandbox):
    """Reachable, Basic auth, version, permissions, languages and the 22% group."""
    findings = _probe(sandbox)
    assert all(finding.ok for finding in findings.values()), findings
    assert findings["version"].detail == "PrestaShop 8.2.1; updates by PATCH"
    assert findings["languages"].detail == "it (1, default), en (2)"
    assert findings["tax group 22%"].detail == "tax rules group 1 applies 22% in Italy"


def test_a_stripped_authorization_header_is_named_with_its_fix():
    """Basic gets the bare 401 but ws_key works: the check says so and how to fix."""
    with Sandbox(faults=[parse_fault("strip-auth")]) as shop:
        findings = _probe(shop)
        strict = _probe(shop, auth="basic")
        provider = PrestaShopProvider(settings_for(shop), threading.Event())
        try:
            [outcome] = provider.write_products([ProductWrite(make_article(1))])
        finally:
            provider.close()
    auth = findings["authentication"]
    assert auth.ok
    assert "strips the Authorization header" in auth.detail
    assert "RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]" in auth.fix
    assert 'auth = "query"' in auth.fix
    assert not strict["authentication"].ok
    assert outcome.ok


def test_a_wrong_key_is_reported(sandbox):
    """A key the shop does not know fails the check and points at the token."""
    findings = _probe(sandbox, token="W" * 32)
    assert not findings["authentication"].ok
    assert "token" in findings["authentication"].fix


def test_a_disabled_webservice_is_reported(sandbox):
    """PS_WEBSERVICE off gives its own finding and fix."""
    sandbox.set_webservice(False)
    findings = _probe(sandbox)
    assert findings["authentication"].detail == "the webservice is disabled"
    assert "Webservice" in findings["authentication"].fix


def test_an_unreachable_shop_is_reported():
    """No answer at the URL fails the first check, naming the url key."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shop = Sandbox()
    shop.url, shop.token = f"http://127.0.0.1:{port}", "K" * 32
    provider = PrestaShopProvider(settings_for(shop), threading.Event())
    provider.client.http.attempts = 1
    try:
        [finding] = provider.probe()
    finally:
        provider.close()
    assert (finding.what, finding.ok) == ("reachable", False)
    assert "url" in finding.fix

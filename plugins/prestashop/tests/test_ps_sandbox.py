"""The sandbox's own surface: command line, TLS, authentication and faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests
from osmsyncd_prestashop.sandbox import Sandbox
from osmsyncd_prestashop.sandbox import parse_fault

PRODUCT = """<?xml version="1.0" encoding="UTF-8"?>
<prestashop><product><price>10</price><reference>FAULT-1</reference>
<name><language id="1">Prova</language><language id="2">Test</language></name>
</product></prestashop>"""


@pytest.fixture
def shop():
    with Sandbox() as sandbox:
        yield sandbox


def _get(sandbox, path, **kwargs):
    kwargs.setdefault("auth", (sandbox.token, ""))
    return requests.get(sandbox.url + path, timeout=5, **kwargs)


def test_command_line_prints_url_and_token_then_stops_on_sigterm():
    """The first stdout line is the JSON with url and token; SIGTERM ends it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "osmsyncd_prestashop.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first = json.loads(process.stdout.readline())
        assert set(first) == {"url", "token"}
        assert first["url"].startswith("http://127.0.0.1:")
        assert len(first["token"]) == 32 and first["token"].isalnum()
        answer = requests.get(
            first["url"] + "/api/languages", auth=(first["token"], ""), timeout=5
        )
        assert answer.status_code == 200
        assert answer.headers["PSWS-Version"] == "8.2.1"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_https_serves_with_the_certificate_it_reports():
    """With --https the shop answers over TLS trusted through its cafile."""
    with Sandbox(https=True) as sandbox:
        assert sandbox.url.startswith("https://127.0.0.1:")
        answer = _get(sandbox, "/api/languages", verify=sandbox.cafile)
        assert answer.status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            _get(sandbox, "/api/languages")


def test_a_fresh_shop_has_two_languages_italy_and_a_22_percent_group(shop):
    """The starting data is a fresh Italian shop: it = 1, en = 2, IVA 22%."""
    languages = _get(
        shop, "/api/languages", params={"display": "full", "output_format": "JSON"}
    ).json()["languages"]
    assert [(lang["id"], lang["iso_code"]) for lang in languages] == [
        (1, "it"),
        (2, "en"),
    ]
    rules = _get(
        shop,
        "/api/tax_rules",
        params={
            "display": "full",
            "filter[id_country]": "[10]",
            "output_format": "JSON",
        },
    ).json()["tax_rules"]
    assert {r["id_tax_rules_group"] for r in rules if r["id_tax"] == "1"} == {"1", "6"}
    products = _get(shop, "/api/products", params={"output_format": "JSON"})
    assert products.json() == []


def test_key_as_ws_key_works_and_a_missing_key_gets_plain_401(shop):
    """ws_key authenticates; no credentials at all give the plain-text 401."""
    assert _get(shop, "/api/products", auth=None, params={"ws_key": shop.token}).ok
    bare = _get(shop, "/api/products", auth=None)
    assert bare.status_code == 401
    assert bare.text == "401 Unauthorized"
    assert "PSWS-Version" not in bare.headers


def test_strip_auth_drops_the_header_but_not_ws_key():
    """The strip-auth fault makes Basic fail while ws_key still works."""
    with Sandbox(faults=[parse_fault("strip-auth")]) as sandbox:
        assert _get(sandbox, "/api/products").text == "401 Unauthorized"
        assert _get(
            sandbox, "/api/products", auth=None, params={"ws_key": sandbox.token}
        ).ok


def test_429_fault_answers_with_retry_after():
    """The 429 fault refuses the request with a Retry-After header."""
    with Sandbox(faults=[parse_fault("429")]) as sandbox:
        answer = _get(sandbox, "/api/products")
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "1"


def test_html_200_fault_answers_a_page_instead_of_the_document():
    """The html-200 fault gives 200 with an HTML page, not XML."""
    with Sandbox(faults=[parse_fault("html-200")]) as sandbox:
        answer = _get(sandbox, "/api/products")
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/html")


def test_write_faults_leave_reads_alone():
    """redirect-write answers writes with 301 and lets reads through."""
    with Sandbox(faults=[parse_fault("redirect-write")]) as sandbox:
        assert _get(sandbox, "/api/products").status_code == 200
        answer = requests.post(
            sandbox.url + "/api/products",
            data=PRODUCT.encode(),
            auth=(sandbox.token, ""),
            allow_redirects=False,
            timeout=5,
        )
        assert answer.status_code == 301
        assert answer.headers["Location"].startswith("https://127.0.0.1:")
        assert sandbox.rows("products") == []


def test_500_after_write_saves_the_object_before_failing():
    """500-after-write answers 500 although the product was created."""
    with Sandbox(faults=[parse_fault("500-after-write")]) as sandbox:
        answer = requests.post(
            sandbox.url + "/api/products",
            data=PRODUCT.encode(),
            auth=(sandbox.token, ""),
            timeout=5,
        )
        assert answer.status_code == 500
        assert [row["reference"] for row in sandbox.rows("products")] == ["FAULT-1"]


def test_reset_and_truncated_faults_break_the_connection():
    """reset drops the connection; truncated sends half the announced body."""
    with Sandbox(faults=[parse_fault("reset")]) as sandbox:
        with pytest.raises(requests.exceptions.ConnectionError):
            _get(sandbox, "/api/products")
    with Sandbox(faults=[parse_fault("truncated")]) as sandbox:
        with pytest.raises(requests.exceptions.RequestException):
            _get(sandbox, "/api/languages")


def test_timeout_fault_stalls_the_request():
    """The timeout fault keeps the client waiting past its own timeout."""
    with Sandbox(faults=[parse_fault("timeout")]) as sandbox:
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(sandbox.url + "/api/products", timeout=0.3)


def test_fault_rates_are_drawn_from_the_seed():
    """Two sandboxes with one seed fire a half-rate fault on the same requests."""
    outcomes = []
    for _ in range(2):
        with Sandbox(seed=11, faults=[parse_fault("429:0.5")]) as sandbox:
            outcomes.append(
                [_get(sandbox, "/api/languages").status_code for _ in range(12)]
            )
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {200, 429}


def test_bad_fault_names_and_rates_are_refused():
    """A fault must be a known name with a rate between 0 and 1."""
    with pytest.raises(ValueError, match="unknown fault"):
        parse_fault("explode")
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse_fault("429:2")
    assert parse_fault("reset:0.25").rate == 0.25

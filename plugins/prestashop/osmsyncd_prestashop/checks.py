"""``osmsyncd check`` for a PrestaShop connection.

It names the cause of each failure and its fix: an unreachable URL, a key
the shop refuses, an Authorization header the web server strips (the key
then works as ``ws_key``), a webservice switched off, resources the key may
not use, a missing 22% tax rules group.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

from osmsyncd.config import ConnectionSettings
from osmsyncd.errors import ShopError
from osmsyncd.provider import Finding
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd_prestashop import xml
from osmsyncd_prestashop.client import AUTH_FIX
from osmsyncd_prestashop.client import PrestaShopClient
from osmsyncd_prestashop.client import ps_errors
from osmsyncd_prestashop.client import stripped_auth
from osmsyncd_prestashop.client import version_tuple
from osmsyncd_prestashop.facts import load_facts
from osmsyncd_prestashop.facts import rate_key

READ = ("get",)
BASE = {name: READ for name in ("languages", "configurations", "countries", "taxes",
                                "tax_rules", "tax_rule_groups")}  # fmt: skip
NEEDS: dict[tuple[Resource, Direction], dict[str, tuple[str, ...]]] = {
    (Resource.ARTICLES, Direction.EXPORT): {
        "products": ("get", "post", "UPDATE"),
        "stock_availables": ("get", "UPDATE"),
        "images": ("get", "post", "delete"),
        "categories": ("get", "post"),
    },
    (Resource.ARTICLES, Direction.IMPORT): {
        "products": READ, "stock_availables": READ, "images": READ,
    },
    (Resource.CUSTOMERS, Direction.EXPORT): {
        "customers": ("get", "post", "UPDATE"),
        "addresses": ("get", "post", "UPDATE"),
        "states": READ,
    },
    (Resource.CUSTOMERS, Direction.IMPORT): {
        "customers": READ, "addresses": READ, "states": READ,
    },
    (Resource.ORDERS, Direction.IMPORT): {
        name: READ
        for name in ("orders", "order_details", "order_histories", "order_states",
                     "customers", "addresses", "carriers", "currencies", "states")
    },
}  # fmt: skip
WEBSERVICE_PAGE = "Advanced Parameters > Webservice"


def needed(settings: ConnectionSettings, update: str) -> dict[str, set[str]]:
    """The methods the configured directions need, per resource."""
    wanted = [(r, Direction.EXPORT) for r in settings.export] + [
        (r, Direction.IMPORT) for r in settings.import_
    ]
    if not wanted:
        wanted = list(NEEDS)
    result: dict[str, set[str]] = {name: set(methods) for name, methods in BASE.items()}
    for key in wanted:
        for name, methods in NEEDS.get(key, {}).items():
            result.setdefault(name, set()).update(
                update if method == "UPDATE" else method for method in methods
            )
    return result


def probe(client: PrestaShopClient, settings: ConnectionSettings) -> list[Finding]:
    findings: list[Finding] = []
    try:
        basic = client.http.request(
            "GET", "", auth=(client.key, ""), ok_statuses={401, 403, 404, 500, 503}
        )
    except ShopError as exc:
        return [
            Finding(
                False,
                "reachable",
                str(exc),
                fix="check the connection's url (the shop's root, without /api) and "
                "that the shop answers from this host",
            )
        ]
    findings.append(Finding(True, "reachable", f"{settings.url} answers"))

    index_response = _authenticate(client, settings, basic, findings)
    if index_response is None:
        return findings

    version = index_response.headers.get("PSWS-Version", "")
    client.version = version_tuple(version)
    update = "patch" if client.patch_supported else "put"
    findings.append(
        Finding(
            client.version >= (1, 7),
            "version",
            f"PrestaShop {version or 'unknown'}; updates by {update.upper()}",
            fix=""
            if client.version >= (1, 7)
            else "osmsyncd supports PrestaShop 1.7 and later",
        )
    )
    findings.append(_permissions(index_response.content, settings, update))
    findings.extend(_catalogue(client))
    return findings


def _authenticate(
    client: PrestaShopClient,
    settings: ConnectionSettings,
    basic: requests.Response,
    findings: list[Finding],
) -> requests.Response | None:
    """Record how the key fares; the index response when one mode works."""
    if basic.status_code == 200 and settings.auth != "query":
        findings.append(Finding(True, "authentication", "the key works as HTTP Basic"))
        return basic
    by_query = client.http.request(
        "GET", "", params={"ws_key": client.key}, ok_statuses={401, 403, 404, 500, 503}
    )
    if stripped_auth(basic) and by_query.status_code == 200:
        usable = settings.auth in ("auto", "query")
        client.header_stripped = True
        findings.append(
            Finding(
                usable,
                "authentication",
                "the web server strips the Authorization header: the key is refused "
                "as HTTP Basic but works as the ws_key parameter"
                + (
                    " (used now, so the key appears in the shop's access logs)"
                    if usable
                    else ""
                ),
                fix=AUTH_FIX,
            )
        )
        return by_query
    if basic.status_code == 200:
        findings.append(Finding(True, "authentication", "the key works as ws_key"))
        return basic
    errors = dict(ps_errors(basic))
    if "22" in errors:
        detail, fix = "the webservice is disabled", f"enable it under {WEBSERVICE_PAGE}"
    elif "18" in errors:
        detail = "the key is not 32 characters long"
        fix = "set the connection's token to the 32-character webservice key"
    elif errors.keys() & {"17", "19", "20", "21"}:
        detail = "the shop does not know this key or it is not active"
        fix = f"check the token, and that the key is enabled under {WEBSERVICE_PAGE}"
    elif stripped_auth(basic):
        detail = "the shop answered 401 before reading any key"
        fix = AUTH_FIX
    else:
        detail = f"the shop answered HTTP {basic.status_code} at {settings.url}/api/"
        fix = "check the connection's url and that the webservice is reachable at /api/"
    findings.append(Finding(False, "authentication", detail, fix=fix))
    return None


def _permissions(content: bytes, settings: ConnectionSettings, update: str) -> Finding:
    try:
        root = xml.parse(content)
    except ShopError as exc:
        return Finding(False, "permissions", str(exc))
    api = root.find("api")
    granted: dict[str, set[str]] = {}
    for element in api if api is not None else ET.Element("api"):
        granted[element.tag] = {
            method for method, value in element.attrib.items() if value == "true"
        }
    missing = []
    for name, methods in sorted(needed(settings, update).items()):
        lacking = sorted(methods - granted.get(name, set()))
        if lacking:
            missing.append(f"{name} ({', '.join(m.upper() for m in lacking)})")
    if missing:
        return Finding(
            False,
            "permissions",
            "the key may not use: " + "; ".join(missing),
            fix=f"tick these resources and methods for the key under {WEBSERVICE_PAGE}",
        )
    return Finding(True, "permissions", "the key may use every resource needed")


def _catalogue(client: PrestaShopClient) -> list[Finding]:
    try:
        facts = load_facts(client)
    except ShopError as exc:
        return [Finding(False, "shop settings", str(exc))]
    described = []
    for lang in facts.languages:
        default = ", default" if lang == facts.default_language else ""
        described.append(f"{facts.iso_codes.get(lang, '?')} ({lang}{default})")
    languages = ", ".join(described)
    group = facts.tax_groups.get(rate_key("22"))
    return [
        Finding(bool(facts.languages), "languages", languages or "no active language"),
        Finding(
            group is not None,
            "tax group 22%",
            f"tax rules group {group} applies 22% in Italy"
            if group is not None
            else "no active tax rules group applies 22% in Italy",
            fix=""
            if group is not None
            else "create a tax rules group with an Italian 22% rule under "
            "International > Taxes",
        ),
    ]

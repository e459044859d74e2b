"""``osmsyncd check`` for a WooCommerce shop: one Finding per question.

Reachability, WooCommerce version, authentication (naming a stripped
Authorization header and its fix), write permission, the tax mode of
prices, and how images travel.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import requests

from osmsyncd.config import ConnectionSettings
from osmsyncd.errors import ShopError
from osmsyncd.provider import Finding
from osmsyncd_woocommerce.client import HEADER_FIX
from osmsyncd_woocommerce.client import KEY_FIX
from osmsyncd_woocommerce.client import OAUTH_FIX
from osmsyncd_woocommerce.client import WooClient
from osmsyncd_woocommerce.client import shop_error
from osmsyncd_woocommerce.mapping import image_url

MINIMUM = (5, 8)  # modified_after and dates_are_gmt


def version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)


def probe(
    client: WooClient, settings: ConnectionSettings, sample_image: str | None
) -> list[Finding]:
    findings = [_reachable(client)]
    if not findings[0].ok:
        return findings
    auth = _authentication(client)
    findings.append(auth)
    if not auth.ok:
        return findings
    findings.append(_version(client))
    findings.append(_write_permission(client))
    findings.append(_tax_mode(client))
    findings.append(_images(client, settings, sample_image))
    return findings


def _reachable(client: WooClient) -> Finding:
    try:
        answer = client.http.request(
            "GET", "/wp-json/", params={"_fields": "namespaces"}
        )
    except ShopError as exc:
        return Finding(False, "reachable", str(exc), "check url and the network")
    try:
        namespaces = answer.json().get("namespaces", [])
    except (ValueError, AttributeError):
        namespaces = []
    if answer.status_code >= 400 or "wc/v3" not in namespaces:
        return Finding(
            False,
            "reachable",
            f"{client.settings.url}/wp-json/ answered {answer.status_code} without "
            "the wc/v3 API",
            "check url (the shop's home URL), that WooCommerce is active and that "
            "permalinks are not 'Plain'",
        )
    return Finding(True, "reachable", f"{client.settings.url} (WordPress REST API)")


def _authentication(client: WooClient) -> Finding:
    try:
        client.call("GET", "products", {"per_page": 1, "_fields": "id"})
    except ShopError as exc:
        fix = exc.hint or KEY_FIX
        if client.secure and exc.code == "woocommerce_rest_cannot_view":
            fix = f"{HEADER_FIX}; if it persists, {KEY_FIX}"
        elif exc.code == "woocommerce_rest_authentication_error":
            fix = OAUTH_FIX if client.mode == "oauth1" else KEY_FIX
        return Finding(False, "authentication", str(exc), fix)
    mode = client.mode or "?"
    if client.header_stripped:
        return Finding(
            True,
            "authentication",
            "Basic auth got 401: the web server strips the Authorization header; "
            "using the keys in the query string instead",
            HEADER_FIX,
        )
    return Finding(True, "authentication", f"the key works ({mode})")


def _version(client: WooClient) -> Finding:
    try:
        status = client.get("system_status")
    except ShopError as exc:
        return Finding(False, "WooCommerce version", str(exc), KEY_FIX)
    environment: dict[str, Any] = status.get("environment") or {}
    version = str(environment.get("version") or "")
    if version_tuple(version) < MINIMUM:
        return Finding(
            False,
            "WooCommerce version",
            f"{version}: changed-since filters need WooCommerce 5.8 or later",
            "update WooCommerce",
        )
    detail = f"{version} on WordPress {environment.get('wp_version', '?')}"
    return Finding(True, "WooCommerce version", detail)


def _write_permission(client: WooClient) -> Finding:
    # An empty batch writes nothing but is refused to a read-only key.
    answer = client.http.request(
        "POST",
        "/wp-json/wc/v3/products/batch",
        json_body={},
        auth=client.auth_for(client.auth_mode()),
    )
    if answer.status_code >= 400:
        error = shop_error(answer, "write test")
        return Finding(
            False,
            "write permission",
            str(error),
            "give the REST API key Read/Write permissions in WooCommerce > "
            "Settings > Advanced > REST API",
        )
    return Finding(True, "write permission", "the key may write (read_write)")


def _tax_mode(client: WooClient) -> Finding:
    try:
        rows = client.get("settings/tax", {"_fields": "id,value"})
    except ShopError as exc:
        return Finding(False, "prices", str(exc), KEY_FIX)
    values = {row.get("id"): row.get("value") for row in rows}
    included = values.get("woocommerce_prices_include_tax") == "yes"
    what = "with tax (gross)" if included else "without tax (net)"
    return Finding(
        True,
        "prices",
        f"entered {what}: woocommerce_prices_include_tax = "
        f"{values.get('woocommerce_prices_include_tax')}; osmsyncd sends them so",
    )


def _images(
    client: WooClient, settings: ConnectionSettings, sample: str | None
) -> Finding:
    if settings.media_user and settings.media_password:
        if not client.secure:
            return Finding(
                False,
                "images",
                "WordPress accepts application passwords only over HTTPS",
                "use the shop's https:// url, or set images_url instead of "
                "media_user and media_password_file",
            )
        answer = client.http.request(
            "POST",
            "/wp-json/wp/v2/media",
            data=b"",
            headers={"Content-Type": "image/png"},
            auth=(settings.media_user, settings.media_password),
        )
        code = _code(answer)
        if answer.status_code == 401 or code in (
            "incorrect_password",
            "invalid_username",
        ):
            return Finding(
                False,
                "images",
                f"the application password was refused ({code or answer.status_code})",
                "create an application password for media_user in WordPress > "
                "Users > Profile and put it in media_password_file",
            )
        return Finding(
            True,
            "images",
            f"uploaded to the media library as {settings.media_user} "
            "(application password)",
        )

    if settings.images_url:
        return _images_url(client, settings.images_url, sample)
    return Finding(
        True,
        "images",
        "neither images_url nor media_user/media_password_file is set: articles "
        "sync without images",
        "set images_url (a public URL of OSM's files folder) or an application "
        "password (media_user, media_password_file) to send images",
    )


def _images_url(client: WooClient, base: str, sample: str | None) -> Finding:
    url = image_url(base, sample) if sample else f"{base.rstrip('/')}/articoli/"
    parts = urlsplit(url)
    warning = ""
    host = parts.hostname or ""
    try:
        address = ipaddress.ip_address(host)
        if address.is_private or address.is_loopback:
            warning = "; a real shop does not download from private or loopback hosts"
    except ValueError:
        if host == "localhost":
            warning = "; a real shop does not download from localhost"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if port not in (80, 443, 8080):
        warning += "; a real shop downloads only from ports 80, 443 and 8080"
    try:
        answer = client.http.request("GET", url, retry=False)
    except ShopError as exc:
        return Finding(
            False,
            "images",
            f"images_url: {url} could not be fetched from this host ({exc})",
            "check images_url and that OSM's files folder is published there",
        )
    ok = answer.status_code < 400 and not warning
    return Finding(
        ok,
        "images",
        f"images_url: {url} answered {answer.status_code}{warning}",
        "" if ok else "publish OSM's files folder at a public http(s) address",
    )


def _code(answer: requests.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return ""
    return str(body.get("code") or "") if isinstance(body, dict) else ""

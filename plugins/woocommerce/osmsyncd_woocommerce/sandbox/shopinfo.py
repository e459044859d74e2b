"""What the shop says about itself: index, system status, settings, taxes."""

from __future__ import annotations

from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from osmsyncd_woocommerce.sandbox.errors import RestError
from osmsyncd_woocommerce.sandbox.errors import not_in_enum
from osmsyncd_woocommerce.sandbox.messages import Reply
from osmsyncd_woocommerce.sandbox.messages import Request
from osmsyncd_woocommerce.sandbox.messages import collection
from osmsyncd_woocommerce.sandbox.messages import self_links
from osmsyncd_woocommerce.sandbox.messages import trim_fields
from osmsyncd_woocommerce.sandbox.state import SHOP_NAME
from osmsyncd_woocommerce.sandbox.state import WOOCOMMERCE_VERSION
from osmsyncd_woocommerce.sandbox.state import WORDPRESS_VERSION
from osmsyncd_woocommerce.sandbox.state import Setting
from osmsyncd_woocommerce.sandbox.state import ShopState
from osmsyncd_woocommerce.sandbox.state import TaxRate
from osmsyncd_woocommerce.sandbox.wordpress import sanitize_title

NAMESPACES = ["wc/v3", "wc/v2", "wc/v1", "wc/store/v1", "wp/v2"]


def index(request: Request) -> Reply:
    body = {
        "name": SHOP_NAME,
        "description": "",
        "url": request.home,
        "home": request.home,
        "gmt_offset": 1,
        "timezone_string": "Europe/Rome",
        "namespaces": NAMESPACES,
        "authentication": {},
        "routes": {},
    }
    return Reply(200, trim_fields(body, request.get("_fields"), keep_links=False))


def system_status(state: ShopState, request: Request) -> Reply:
    """The parts of ``system_status`` a client reads: versions and money."""
    secure = request.home.startswith("https://")
    body = {
        "environment": {
            "home_url": request.home,
            "site_url": request.home,
            "version": WOOCOMMERCE_VERSION,
            "wp_version": WORDPRESS_VERSION,
            "wp_multisite": False,
            "wp_debug_mode": False,
            "wp_cron": True,
            "language": "it_IT",
            "server_info": "osmsyncd sandbox",
            "php_version": "8.2",
            "max_upload_size": 2097152,
            "default_timezone": "UTC",
        },
        "database": {"wc_database_version": WOOCOMMERCE_VERSION},
        "active_plugins": [
            {
                "plugin": "woocommerce/woocommerce.php",
                "name": "WooCommerce",
                "version": WOOCOMMERCE_VERSION,
            }
        ],
        "inactive_plugins": [],
        "dropins_mu_plugins": {"dropins": [], "mu_plugins": []},
        "theme": {"name": "Sandbox", "version": "1.0"},
        "settings": {
            "api_enabled": False,
            "force_ssl": False,
            "currency": state.setting("woocommerce_currency"),
            "currency_symbol": "&euro;",
            "currency_position": state.setting("woocommerce_currency_pos"),
            "thousand_separator": state.setting("woocommerce_price_thousand_sep"),
            "decimal_separator": state.setting("woocommerce_price_decimal_sep"),
            "number_of_decimals": int(state.setting("woocommerce_price_num_decimals")),
            "HPOS_enabled": True,
            "HPOS_sync_enabled": False,
            "enabled_features": ["custom_order_tables"]
            + (["cost_of_goods_sold"] if state.cogs_enabled else []),
        },
        "security": {"secure_connection": secure, "hide_errors": True},
        "pages": [],
        "post_type_counts": [],
        "logging": {"logging_enabled": True},
    }
    return Reply(200, body)


def _render_setting(setting: Setting, group: str, home: str, single: bool) -> Any:
    body: dict[str, Any] = {
        "id": setting.id,
        "label": setting.label,
        "description": "",
        "type": setting.type,
        "default": setting.default,
    }
    if setting.options is not None:
        body["options"] = dict(setting.options)
    body["value"] = setting.value
    if single:
        body["group_id"] = group
    body["_links"] = {
        "self": [
            {
                "href": f"{home}/wp-json/wc/v3/settings/{group}/{setting.id}",
                "targetHints": {"allow": ["GET", "POST", "PUT", "PATCH"]},
            }
        ],
        "collection": [{"href": f"{home}/wp-json/wc/v3/settings/{group}"}],
    }
    return body


def _group(state: ShopState, group: str) -> list[Setting]:
    if group not in state.settings:
        raise RestError(
            404, "rest_setting_setting_group_invalid", "Invalid setting group."
        )
    return state.settings[group]


def _setting(state: ShopState, group: str, name: str) -> Setting:
    for setting in _group(state, group):
        if setting.id == name:
            return setting
    raise RestError(404, "rest_setting_setting_invalid", "Invalid setting.")


def list_settings(state: ShopState, request: Request, group: str) -> Reply:
    fields = request.get("_fields")
    body = [
        trim_fields(_render_setting(s, group, request.home, False), fields, False)
        for s in _group(state, group)
    ]
    return Reply(200, body)


def read_setting(state: ShopState, request: Request, group: str, name: str) -> Reply:
    setting = _setting(state, group, name)
    return Reply(200, _render_setting(setting, group, request.home, True))


def update_setting(state: ShopState, request: Request, group: str, name: str) -> Reply:
    setting = _setting(state, group, name)
    payload = request.json()
    value = str(payload.get("value", setting.value))
    if setting.options is not None and value not in setting.options:
        raise RestError(
            400, "rest_setting_value_invalid", "An invalid setting value was passed."
        )
    setting.value = value
    return Reply(200, _render_setting(setting, group, request.home, True))


def render_rate(rate: TaxRate, home: str) -> dict[str, Any]:
    return {
        "id": rate.id,
        "country": rate.country,
        "state": rate.state,
        "postcode": "",
        "city": "",
        "rate": f"{rate.rate:.4f}",
        "name": rate.name,
        "priority": rate.priority,
        "compound": rate.compound,
        "shipping": rate.shipping,
        "order": 0,
        "class": rate.tax_class,
        "postcodes": [],
        "cities": [],
        "_links": self_links(home, f"/wc/v3/taxes/{rate.id}", "/wc/v3/taxes"),
    }


def list_rates(state: ShopState, request: Request) -> Reply:
    rates = sorted(state.tax_rates.values(), key=lambda r: r.id)
    wanted = request.get("class")
    if wanted:
        rates = [rate for rate in rates if rate.tax_class == wanted]
    return collection(
        request,
        [{"id": rate.id, "rate": rate} for rate in rates],
        lambda item: render_rate(item["rate"], request.home),
    )


def create_rate(state: ShopState, request: Request) -> Reply:
    payload = request.json()
    tax_class = str(payload.get("class") or "standard")
    slugs = state.tax_class_slugs()
    if tax_class not in slugs:
        raise not_in_enum("class", slugs)
    try:
        value = Decimal(str(payload.get("rate") or "0"))
    except InvalidOperation as exc:
        raise RestError(
            400, "rest_invalid_param", "Invalid parameter(s): rate"
        ) from exc
    rate = TaxRate(
        id=state.next_rate_id,
        country=str(payload.get("country") or "").upper(),
        rate=value,
        name=str(payload.get("name") or "Tax"),
        tax_class=tax_class,
        priority=int(payload.get("priority") or 1),
        compound=bool(payload.get("compound", False)),
        shipping=bool(payload.get("shipping", True)),
        state=str(payload.get("state") or ""),
    )
    state.next_rate_id += 1
    state.tax_rates[rate.id] = rate
    return Reply(201, render_rate(rate, request.home))


def _render_class(slug: str, name: str, home: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": name,
        "_links": {"collection": [{"href": f"{home}/wp-json/wc/v3/taxes/classes"}]},
    }


def list_classes(state: ShopState, request: Request) -> Reply:
    body = [_render_class(slug, name, request.home) for slug, name in state.tax_classes]
    headers = {"X-WP-Total": str(len(body)), "X-WP-TotalPages": "1"}
    return Reply(200, body, headers)


def create_class(state: ShopState, request: Request) -> Reply:
    payload = request.json()
    name = str(payload.get("name") or "").strip()
    slug = sanitize_title(name)
    if not slug or slug in state.tax_class_slugs():
        raise RestError(
            400, "woocommerce_rest_tax_class_exists", "Tax class already exists"
        )
    standard, *others = state.tax_classes
    others.append((slug, name))
    state.tax_classes = [standard, *sorted(others, key=lambda c: c[1].lower())]
    return Reply(
        201, {"name": name, "slug": slug, **_render_class(slug, name, request.home)}
    )

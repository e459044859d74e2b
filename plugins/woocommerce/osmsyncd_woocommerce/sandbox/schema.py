"""The argument checks WordPress runs on single creates and updates.

Batch requests skip them (fixture 07), so the batch handlers call the
same preparation code without :func:`check_args`.
"""

from __future__ import annotations

from typing import Any

from osmsyncd_woocommerce.sandbox.errors import RestError
from osmsyncd_woocommerce.sandbox.errors import invalid_params

PRODUCT_ENUMS = {
    "type": ["simple", "grouped", "external", "variable"],
    "status": [
        "draft",
        "pending",
        "private",
        "publish",
        "future",
        "auto-draft",
        "trash",
    ],
    "catalog_visibility": ["visible", "catalog", "search", "hidden"],
    "tax_status": ["taxable", "shipping", "none"],
    "backorders": ["no", "notify", "yes"],
    "stock_status": ["instock", "outofstock", "onbackorder"],
}

# Field → JSON type, in the order of the products schema.
PRODUCT_TYPES: dict[str, str] = {
    "name": "string",
    "slug": "string",
    "type": "string",
    "status": "string",
    "featured": "boolean",
    "catalog_visibility": "string",
    "description": "string",
    "short_description": "string",
    "sku": "string",
    "global_unique_id": "string",
    "regular_price": "string",
    "sale_price": "string",
    "virtual": "boolean",
    "downloadable": "boolean",
    "external_url": "string",
    "button_text": "string",
    "tax_status": "string",
    "tax_class": "string",
    "manage_stock": "boolean",
    "stock_quantity": "integer",
    "stock_status": "string",
    "backorders": "string",
    "low_stock_amount": "integer",
    "sold_individually": "boolean",
    "weight": "string",
    "dimensions": "object",
    "shipping_class": "string",
    "reviews_allowed": "boolean",
    "post_password": "string",
    "upsell_ids": "array",
    "cross_sell_ids": "array",
    "parent_id": "integer",
    "purchase_note": "string",
    "categories": "array",
    "tags": "array",
    "images": "array",
    "menu_order": "integer",
    "meta_data": "array",
}

CUSTOMER_TYPES: dict[str, str] = {
    "email": "string",
    "first_name": "string",
    "last_name": "string",
    "username": "string",
    "password": "string",
    "billing": "object",
    "shipping": "object",
    "meta_data": "array",
}

CATEGORY_TYPES: dict[str, str] = {
    "name": "string",
    "slug": "string",
    "parent": "integer",
    "description": "string",
    "display": "string",
    "menu_order": "integer",
}


def fits(value: Any, kind: str) -> bool:
    """Whether WordPress's ``rest_validate_value_from_schema`` accepts it."""
    if value is None:
        return False
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        if isinstance(value, bool):
            return True
        return value in (0, 1, "0", "1", "true", "false", "")
    if kind == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return value.is_integer()
        if isinstance(value, str):
            text = value.strip()
            return text.lstrip("-").isdigit()
        return False
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def check_args(
    payload: dict[str, Any],
    types: dict[str, str],
    enums: dict[str, list[str]] | None = None,
) -> None:
    """Raise the 400 the real schema check gives, listing every bad field."""
    problems: dict[str, tuple[str, str, Any]] = {}
    for name, kind in types.items():
        if name not in payload:
            continue
        value = payload[name]
        if value is None and kind != "string":
            continue
        if not fits(value, kind):
            text = f"{name} is not of type {kind}."
            problems[name] = ("rest_invalid_type", text, {"param": name})
            continue
        allowed = (enums or {}).get(name)
        if allowed and value not in allowed:
            listed = ", ".join(allowed[:-1]) + ", and " + allowed[-1]
            text = f"{name} is not one of {listed}."
            problems[name] = ("rest_not_in_enum", text, None)
    if problems:
        raise invalid_params(problems)


def require(payload: dict[str, Any], *names: str) -> None:
    missing = [name for name in names if name not in payload]
    if missing:
        raise RestError(
            400,
            "rest_missing_callback_param",
            f"Missing parameter(s): {', '.join(missing)}",
            params=missing,
        )

"""Orders, their notes and refunds, with the stock moves WooCommerce makes.

Stock is lowered once when an order reaches processing, on-hold or
completed and given back when it is cancelled (or set back to pending);
a refund gives stock back only with ``api_restock`` and line items, and
refuses to run without ``api_refund: false`` (fixtures 13, 23, 24).
Taxes are computed per line and rounded per line, at the rates of the
shop (22 % standard for Italy).
"""

from __future__ import annotations

import secrets
import string
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from osmsyncd_woocommerce.sandbox.catalog import current_price
from osmsyncd_woocommerce.sandbox.catalog import refresh_stock_status
from osmsyncd_woocommerce.sandbox.errors import RestError
from osmsyncd_woocommerce.sandbox.errors import not_in_enum
from osmsyncd_woocommerce.sandbox.errors import not_of_type
from osmsyncd_woocommerce.sandbox.messages import Reply
from osmsyncd_woocommerce.sandbox.messages import Request
from osmsyncd_woocommerce.sandbox.messages import batch_reply
from osmsyncd_woocommerce.sandbox.messages import collection
from osmsyncd_woocommerce.sandbox.messages import comma_list
from osmsyncd_woocommerce.sandbox.messages import date_window
from osmsyncd_woocommerce.sandbox.messages import sort_records
from osmsyncd_woocommerce.sandbox.messages import trim_fields
from osmsyncd_woocommerce.sandbox.people import BILLING_KEYS
from osmsyncd_woocommerce.sandbox.people import SHIPPING_KEYS
from osmsyncd_woocommerce.sandbox.state import ShopState
from osmsyncd_woocommerce.sandbox.state import TaxRate
from osmsyncd_woocommerce.sandbox.state import gmt_text
from osmsyncd_woocommerce.sandbox.state import local_text
from osmsyncd_woocommerce.sandbox.wordpress import clean_post_title
from osmsyncd_woocommerce.sandbox.wordpress import money
from osmsyncd_woocommerce.sandbox.wordpress import to_decimal

STATUSES = {
    "pending": "Pending payment",
    "processing": "Processing",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "failed": "Failed",
    "checkout-draft": "Draft",
}
STOCK_TAKEN = frozenset({"processing", "on-hold", "completed"})
STOCK_GIVEN_BACK = frozenset({"cancelled", "pending"})
CENT = Decimal("0.01")
ZERO = Decimal("0")


def invalid_order() -> RestError:
    return RestError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(value: Decimal) -> int | float:
    """Line ``price`` is a JSON number: an int when whole, else a float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _percent(rate: Decimal) -> int | float:
    return int(rate) if rate == rate.to_integral_value() else float(rate)


# -- taxes ------------------------------------------------------------------


def _rates_for(state: ShopState, tax_class: str, country: str) -> list[TaxRate]:
    wanted = tax_class or "standard"
    return [
        rate
        for rate in sorted(state.tax_rates.values(), key=lambda r: r.id)
        if rate.tax_class == wanted and rate.country in (country, "")
    ]


def _country(order: dict[str, Any], state: ShopState) -> str:
    country = order["billing"].get("country") or ""
    if not country:
        country = state.setting("woocommerce_default_country").split(":")[0]
    return country


def _line_taxes(
    state: ShopState, amount: Decimal, rates: list[TaxRate], inclusive: bool
) -> tuple[Decimal, dict[int, Decimal]]:
    """(amount without tax, tax per rate id), each tax rounded per line."""
    taxes: dict[int, Decimal] = {}
    total_rate = sum((rate.rate for rate in rates), ZERO)
    if inclusive and total_rate:
        for rate in rates:
            taxes[rate.id] = _round(amount * rate.rate / (100 + total_rate))
        return amount - sum(taxes.values(), ZERO), taxes
    for rate in rates:
        taxes[rate.id] = _round(amount * rate.rate / 100)
    return amount, taxes


def compute_totals(state: ShopState, order: dict[str, Any]) -> None:
    """Taxes per line and shipping, tax lines and the order totals."""
    country = _country(order, state)
    inclusive = order["prices_include_tax"]
    used: list[int] = []

    for line in order["lines"]:
        product = state.products.get(line["product_id"])
        taxable = product is None or product["tax_status"] == "taxable"
        rates = _rates_for(state, line["tax_class"], country) if taxable else []
        if not rates and taxable and line["product_id"] == 0:
            rates = _rates_for(state, "", country)
        base, taxes = _line_taxes(state, line["gross"], rates, inclusive)
        line["subtotal"] = line["total"] = base
        line["taxes"] = taxes
        used += [rid for rid in taxes if rid not in used]

    for fee in order["fees"]:
        rates = []
        if fee["tax_status"] == "taxable":
            rates = _rates_for(state, fee["tax_class"], country)
        _, fee["taxes"] = _line_taxes(state, fee["total"], rates, False)
        used += [rid for rid in fee["taxes"] if rid not in used]

    shipping_class = _shipping_tax_class(state, order)
    for line in order["shipping"]:
        rates = (
            _rates_for(state, shipping_class, country)
            if shipping_class is not None
            else []
        )
        rates = [rate for rate in rates if rate.shipping]
        _, line["taxes"] = _line_taxes(state, line["total"], rates, False)
        used += [rid for rid in line["taxes"] if rid not in used]

    cart = {rid: ZERO for rid in used}
    ship = {rid: ZERO for rid in used}
    for line in [*order["lines"], *order["fees"]]:
        for rid, tax in line["taxes"].items():
            cart[rid] += tax
    for line in order["shipping"]:
        for rid, tax in line["taxes"].items():
            ship[rid] += tax

    old = {tax["rate_id"]: tax["id"] for tax in order.get("tax_lines", [])}
    order["tax_lines"] = [
        {
            "id": old.get(rid) or state.item_id(),
            "rate_id": rid,
            "tax_total": cart[rid],
            "shipping_tax_total": ship[rid],
        }
        for rid in used
    ]
    items = sum((line["total"] for line in order["lines"]), ZERO)
    fees = sum((fee["total"] for fee in order["fees"]), ZERO)
    shipping = sum((line["total"] for line in order["shipping"]), ZERO)
    order["cart_tax"] = sum(cart.values(), ZERO)
    order["shipping_tax"] = sum(ship.values(), ZERO)
    order["shipping_total"] = shipping
    order["total"] = items + fees + shipping + order["cart_tax"] + order["shipping_tax"]


def _shipping_tax_class(state: ShopState, order: dict[str, Any]) -> str | None:
    """``inherit``: standard when a standard item is in the order."""
    setting = state.setting("woocommerce_shipping_tax_class")
    if setting != "inherit":
        return setting
    classes = [line["tax_class"] for line in order["lines"] if line["product_id"]]
    if not classes or "" in classes:
        return ""
    return str(classes[0])


# -- rendering --------------------------------------------------------------


def _meta_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**row, "display_key": row["key"], "display_value": row["value"]}
        for row in rows
    ]


def _render_line(
    state: ShopState, line: dict[str, Any], home: str, sign: int = 1
) -> dict[str, Any]:
    product = state.products.get(line["product_id"])
    image: dict[str, Any] = {"id": 0, "src": ""}
    if product is not None:
        image = {"id": "", "src": ""}
        if product["images"] and product["images"][0] in state.media:
            first = state.media[product["images"][0]]
            image = {
                "id": str(first["id"]),
                "src": f"{home}/wp-content/uploads/{first['file']}",
            }
    quantity = line["quantity"]
    price = line["total"] / quantity if quantity else ZERO
    return {
        "id": line["id"],
        "name": line["name"],
        "product_id": line["product_id"] if product is not None else 0,
        "variation_id": 0,
        "quantity": quantity * sign,
        "tax_class": line["tax_class"],
        "subtotal": money(line["subtotal"] * sign),
        "subtotal_tax": money(sum(line["taxes"].values(), ZERO) * sign),
        "total": money(line["total"] * sign),
        "total_tax": money(sum(line["taxes"].values(), ZERO) * sign),
        "taxes": [
            {"id": rid, "total": money(tax * sign), "subtotal": money(tax * sign)}
            for rid, tax in line["taxes"].items()
        ],
        "meta_data": _meta_rows(line["meta"]),
        "sku": product["sku"] if product is not None else None,
        "price": _number(price),
        "image": image,
        "parent_name": None,
    }


def _render_tax_lines(
    state: ShopState, tax_lines: list[dict[str, Any]], sign: int = 1
) -> list[dict[str, Any]]:
    rendered = []
    for tax in tax_lines:
        rate = state.tax_rates.get(tax["rate_id"])
        rendered.append(
            {
                "id": tax["id"],
                "rate_code": rate.code if rate else "",
                "rate_id": tax["rate_id"],
                "label": rate.name if rate else "",
                "compound": False,
                "tax_total": money(tax["tax_total"] * sign),
                "shipping_tax_total": money(tax["shipping_tax_total"] * sign),
                "rate_percent": _percent(rate.rate) if rate else 0,
                "meta_data": [],
            }
        )
    return rendered


def render_order(state: ShopState, order: dict[str, Any], home: str) -> dict[str, Any]:
    """An order in the key order and types of the recordings."""
    oid = order["id"]
    editable = order["status"] in ("pending", "on-hold", "checkout-draft")
    lines = [_render_line(state, line, home) for line in order["lines"]]
    needs_processing = any(
        line["product_id"] in state.products
        and not state.products[line["product_id"]]["virtual"]
        for line in order["lines"]
    )
    refunds = [state.refunds[rid] for rid in order["refunds"] if rid in state.refunds]
    links: dict[str, Any] = {
        "self": [
            {
                "href": f"{home}/wp-json/wc/v3/orders/{oid}",
                "targetHints": {"allow": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
            }
        ],
        "collection": [{"href": f"{home}/wp-json/wc/v3/orders"}],
        "email_templates": [
            {
                "embeddable": True,
                "href": f"{home}/wp-json/wc/v3/orders/{oid}/actions/email_templates",
            }
        ],
    }
    if order["customer_id"]:
        links["customer"] = [
            {"href": f"{home}/wp-json/wc/v3/customers/{order['customer_id']}"}
        ]
    total_tax = order["cart_tax"] + order["shipping_tax"]
    return {
        "id": oid,
        "parent_id": 0,
        "status": order["status"],
        "currency": order["currency"],
        "version": "10.0.2",
        "prices_include_tax": order["prices_include_tax"],
        "date_created": local_text(order["date_created"]),
        "date_modified": local_text(order["date_modified"]),
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": money(order["shipping_total"]),
        "shipping_tax": money(order["shipping_tax"]),
        "cart_tax": money(order["cart_tax"]),
        "total": money(order["total"]),
        "total_tax": money(total_tax),
        "customer_id": order["customer_id"],
        "order_key": order["order_key"],
        "billing": {key: order["billing"].get(key, "") for key in _BILL_ORDER},
        "shipping": {
            key: order["shipping_address"].get(key, "") for key in _SHIP_ORDER
        },
        "payment_method": order["payment_method"],
        "payment_method_title": order["payment_method_title"],
        "transaction_id": order["transaction_id"],
        "customer_ip_address": "",
        "customer_user_agent": "",
        "created_via": "rest-api",
        "customer_note": order["customer_note"],
        "date_completed": local_text(order["date_completed"]),
        "date_paid": local_text(order["date_paid"]),
        "cart_hash": "",
        "number": str(oid),
        "meta_data": [dict(row) for row in order["meta"]],
        "line_items": lines,
        "tax_lines": _render_tax_lines(state, order["tax_lines"]),
        "shipping_lines": [_render_shipping(line) for line in order["shipping"]],
        "fee_lines": [_render_fee(fee) for fee in order["fees"]],
        "coupon_lines": [],
        "refunds": [
            {"id": r["id"], "reason": r["reason"], "total": money(-r["amount"])}
            for r in sorted(refunds, key=lambda r: r["id"], reverse=True)
        ],
        "payment_url": f"{home}/checkout/order-pay/{oid}/?pay_for_order=true"
        f"&key={order['order_key']}",
        "is_editable": editable,
        "needs_payment": order["status"] in ("pending", "failed")
        and order["total"] > 0,
        "needs_processing": needs_processing,
        "date_created_gmt": gmt_text(order["date_created"]),
        "date_modified_gmt": gmt_text(order["date_modified"]),
        "date_completed_gmt": gmt_text(order["date_completed"]),
        "date_paid_gmt": gmt_text(order["date_paid"]),
        "currency_symbol": "€",
        "_links": links,
    }


_BILL_ORDER = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
    "email",
    "phone",
)
_SHIP_ORDER = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
    "phone",
)


def _render_shipping(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": line["id"],
        "method_title": line["method_title"],
        "method_id": line["method_id"],
        "instance_id": "",
        "total": money(line["total"]),
        "total_tax": money(sum(line["taxes"].values(), ZERO)),
        "taxes": [
            {"id": rid, "total": money(tax), "subtotal": ""}
            for rid, tax in line["taxes"].items()
        ],
        "tax_status": "taxable",
        "meta_data": [],
    }


def _render_fee(fee: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": fee["id"],
        "name": fee["name"],
        "tax_class": fee["tax_class"],
        "tax_status": fee["tax_status"],
        "amount": money(fee["total"]),
        "total": money(fee["total"]),
        "total_tax": money(sum(fee["taxes"].values(), ZERO)),
        "taxes": [
            {"id": rid, "total": money(tax), "subtotal": ""}
            for rid, tax in fee["taxes"].items()
        ],
        "meta_data": [],
    }


# -- notes and stock --------------------------------------------------------


def add_note(state: ShopState, order: dict[str, Any], text: str) -> None:
    note_id = state.comment_id()
    state.notes[note_id] = {
        "id": note_id,
        "order_id": order["id"],
        "date": state.now(),
        "note": text,
        "customer_note": False,
    }


def _stock_label(product: dict[str, Any], line: dict[str, Any]) -> str:
    sku = f" ({product['sku']})" if product["sku"] else ""
    return f"{line['name']}{sku}"


def _reduce_stock(state: ShopState, order: dict[str, Any]) -> None:
    changes = []
    for line in order["lines"]:
        product = state.products.get(line["product_id"])
        if product is None:
            continue
        product["total_sales"] += line["quantity"]
        if not product["manage_stock"]:
            continue
        before = product["stock_quantity"] or 0
        product["stock_quantity"] = before - line["quantity"]
        refresh_stock_status(product)
        product["date_modified"] = state.now()
        _set_line_meta(state, line, "_reduced_stock", str(line["quantity"]))
        changes.append(
            f"{_stock_label(product, line)} {before}&rarr;{product['stock_quantity']}"
        )
    order["stock_reduced"] = True
    if changes:
        add_note(state, order, "Stock levels reduced: " + ", ".join(changes))


def _restore_stock(state: ShopState, order: dict[str, Any]) -> None:
    changes = []
    for line in order["lines"]:
        product = state.products.get(line["product_id"])
        if product is None:
            continue
        product["total_sales"] = max(0, product["total_sales"] - line["quantity"])
        reduced = _line_meta(line, "_reduced_stock")
        if reduced is None:
            continue
        line["meta"] = [row for row in line["meta"] if row["key"] != "_reduced_stock"]
        if not product["manage_stock"]:
            continue
        before = product["stock_quantity"] or 0
        product["stock_quantity"] = before + int(reduced)
        refresh_stock_status(product)
        product["date_modified"] = state.now()
        changes.append(
            f"{_stock_label(product, line)} {before}&rarr;{product['stock_quantity']}"
        )
    order["stock_reduced"] = False
    if changes:
        add_note(state, order, "Stock levels increased: " + ", ".join(changes))


def _line_meta(line: dict[str, Any], key: str) -> str | None:
    for row in line["meta"]:
        if row["key"] == key:
            return str(row["value"])
    return None


def _set_line_meta(
    state: ShopState, line: dict[str, Any], key: str, value: str
) -> None:
    for row in line["meta"]:
        if row["key"] == key:
            row["value"] = value
            return
    line["meta"].append({"id": state.meta_id(), "key": key, "value": value})


def change_status(state: ShopState, order: dict[str, Any], new: str) -> None:
    """Move an order to a status with WooCommerce's side effects."""
    old = order["status"]
    if new == old:
        return
    order["status"] = new
    now = state.now()

    if new in STOCK_TAKEN and not order["stock_reduced"]:
        _reduce_stock(state, order)
    elif new in STOCK_GIVEN_BACK and order["stock_reduced"]:
        _restore_stock(state, order)

    paid = (
        {"completed"}
        if order["payment_method"] == "cod"
        else {"processing", "completed"}
    )
    if new in paid and order["date_paid"] is None:
        order["date_paid"] = now
    if new == "completed" and order["date_completed"] is None:
        order["date_completed"] = now
    if new in ("processing", "completed") and order["customer_id"] in state.customers:
        state.customers[order["customer_id"]]["is_paying_customer"] = True

    add_note(
        state,
        order,
        f"Order status changed from {STATUSES.get(old, old)} to "
        f"{STATUSES.get(new, new)}.",
    )
    if new == "refunded":
        remaining = order["total"] - _refunded(state, order)
        if remaining > 0:
            _store_refund(state, order, remaining, "Order fully refunded.", [])
    order["date_modified"] = now


# -- orders: writing --------------------------------------------------------


def _check_order(payload: dict[str, Any]) -> None:
    status = payload.get("status")
    if status is not None and status not in STATUSES:
        raise not_in_enum("status", [*STATUSES, "trash"])
    for index, item in enumerate(payload.get("line_items") or []):
        quantity = item.get("quantity", 1) if isinstance(item, dict) else None
        if isinstance(quantity, bool) or not (
            isinstance(quantity, int)
            or (isinstance(quantity, str) and quantity.strip().lstrip("-").isdigit())
        ):
            param = f"line_items[{index}][quantity]"
            error = not_of_type("line_items", "integer", param)
            raise error


def _product_for(state: ShopState, item: dict[str, Any]) -> dict[str, Any] | None:
    if item.get("product_id"):
        return state.products.get(int(item["product_id"]))
    sku = str(item.get("sku") or "").lower()
    if sku:
        for product in state.products_holding(state.product_skus, sku):
            if product["status"] != "trash":
                return product
    return None


def _new_line(state: ShopState, item: dict[str, Any]) -> dict[str, Any]:
    product = _product_for(state, item)
    quantity = int(item.get("quantity", 1))
    if "total" in item and item["total"] not in (None, ""):
        gross = to_decimal(item["total"])
    elif product is not None:
        gross = to_decimal(current_price(product)) * quantity
    else:
        gross = ZERO
    name = str(item.get("name") or (product["name"] if product else ""))
    return {
        "id": state.item_id(),
        "name": clean_post_title(name) if item.get("name") else name,
        "product_id": product["id"] if product else 0,
        "quantity": quantity,
        "tax_class": product["tax_class"] if product else "",
        "gross": gross,
        "subtotal": gross,
        "total": gross,
        "taxes": {},
        "meta": [],
    }


def _apply_addresses(order: dict[str, Any], payload: dict[str, Any]) -> None:
    if isinstance(payload.get("billing"), dict):
        for key in BILLING_KEYS:
            if key in payload["billing"]:
                order["billing"][key] = str(payload["billing"][key] or "")
    if isinstance(payload.get("shipping"), dict):
        for key in SHIPPING_KEYS:
            if key in payload["shipping"]:
                order["shipping_address"][key] = str(payload["shipping"][key] or "")


def create_order(
    state: ShopState, payload: dict[str, Any], home: str
) -> dict[str, Any]:
    _check_order(payload)
    customer_id = int(payload.get("customer_id") or 0)
    if customer_id and customer_id not in state.customers:
        raise RestError(
            400, "woocommerce_rest_invalid_customer_id", "Customer ID is invalid."
        )
    now = state.now()
    alphabet = string.ascii_letters + string.digits
    order: dict[str, Any] = {
        "id": state.post_id(),
        "status": "pending",
        "currency": str(payload.get("currency") or "EUR"),
        "prices_include_tax": state.prices_include_tax,
        "date_created": now,
        "date_modified": now,
        "date_paid": None,
        "date_completed": None,
        "customer_id": customer_id,
        "order_key": "wc_order_" + "".join(secrets.choice(alphabet) for _ in range(13)),
        "billing": {},
        "shipping_address": {},
        "payment_method": str(payload.get("payment_method") or ""),
        "payment_method_title": str(payload.get("payment_method_title") or ""),
        "transaction_id": str(payload.get("transaction_id") or ""),
        "customer_note": str(payload.get("customer_note") or ""),
        "meta": [],
        "lines": [],
        "shipping": [],
        "fees": [],
        "tax_lines": [],
        "refunds": [],
        "stock_reduced": False,
    }
    _apply_addresses(order, payload)
    for row in payload.get("meta_data") or []:
        if isinstance(row, dict) and "key" in row:
            order["meta"].append(
                {
                    "id": state.meta_id(),
                    "key": str(row["key"]),
                    "value": row.get("value"),
                }
            )
    for item in payload.get("line_items") or []:
        order["lines"].append(_new_line(state, item))
    for item in payload.get("shipping_lines") or []:
        order["shipping"].append(
            {
                "id": state.item_id(),
                "method_id": str(item.get("method_id") or ""),
                "method_title": str(item.get("method_title") or ""),
                "total": to_decimal(item.get("total")),
                "taxes": {},
            }
        )
    for item in payload.get("fee_lines") or []:
        order["fees"].append(
            {
                "id": state.item_id(),
                "name": clean_post_title(str(item.get("name") or "")),
                "tax_class": str(item.get("tax_class") or ""),
                "tax_status": str(item.get("tax_status") or "taxable"),
                "total": to_decimal(item.get("total")),
                "taxes": {},
            }
        )
    compute_totals(state, order)
    state.orders[order["id"]] = order

    wanted = str(payload.get("status") or "pending")
    if payload.get("set_paid") is True and wanted == "pending":
        order["date_paid"] = now
        wanted = "processing"
    change_status(state, order, wanted)
    order["date_modified"] = now
    return render_order(state, order, home)


def update_order(
    state: ShopState, order_id: int, payload: dict[str, Any], home: str
) -> dict[str, Any]:
    order = state.orders.get(order_id)
    if order is None:
        error = invalid_order()
        error.status = 400
        raise error
    _check_order(payload)
    _apply_addresses(order, payload)
    for name in (
        "payment_method",
        "payment_method_title",
        "transaction_id",
        "customer_note",
    ):
        if name in payload:
            order[name] = str(payload[name] or "")
    if "status" in payload:
        change_status(state, order, str(payload["status"]))
    if payload.get("set_paid") is True and order["date_paid"] is None:
        order["date_paid"] = state.now()
        if order["status"] in ("pending", "on-hold", "failed"):
            change_status(state, order, "processing")
    order["date_modified"] = state.now()
    return render_order(state, order, home)


def list_orders(state: ShopState, request: Request) -> Reply:
    statuses = comma_list(request.get("status")) or ["any"]
    records = [o for o in state.orders.values() if o["status"] != "trash"]
    if "any" not in statuses:
        records = [o for o in records if o["status"] in statuses]
    customer = request.get("customer")
    if customer not in (None, ""):
        records = [o for o in records if o["customer_id"] == int(customer)]
    include = {int(i) for i in comma_list(request.get("include"))}
    if include:
        records = [o for o in records if o["id"] in include]
    records = [
        o
        for o in records
        if date_window(request, o["date_created"], o["date_modified"])
    ]
    records = sort_records(
        request,
        records,
        {
            "date": lambda o: o["date_created"],
            "id": lambda o: o["id"],
            "modified": lambda o: o["date_modified"],
        },
        "date",
    )
    defaults = [("status[0]", "any"), ("dp", "2"), ("context", "view")]
    if request.get("status"):
        defaults = defaults[1:]
    return collection(
        request,
        records,
        lambda o: render_order(state, o, request.home),
        link_defaults=defaults,
    )


def read_order(state: ShopState, request: Request, order_id: int) -> Reply:
    order = state.orders.get(order_id)
    if order is None:
        raise invalid_order()
    body = render_order(state, order, request.home)
    return Reply(200, trim_fields(body, request.get("_fields"), keep_links=True))


def post_order(state: ShopState, request: Request) -> Reply:
    body = create_order(state, request.json(), request.home)
    return Reply(201, trim_fields(body, request.get("_fields"), keep_links=True))


def put_order(state: ShopState, request: Request, order_id: int) -> Reply:
    body = update_order(state, order_id, request.json(), request.home)
    return Reply(200, trim_fields(body, request.get("_fields"), keep_links=True))


def remove_order(state: ShopState, request: Request, order_id: int) -> Reply:
    order = state.orders.get(order_id)
    if order is None:
        raise invalid_order()
    body = render_order(state, order, request.home)
    if request.flag("force"):
        del state.orders[order_id]
    else:
        order["status"] = "trash"
    return Reply(200, body)


def batch_orders(state: ShopState, request: Request) -> Reply:
    return batch_reply(
        request.json(),
        lambda item: create_order(state, item, request.home),
        lambda item_id, item: update_order(state, item_id, item, request.home),
    )


def list_notes(state: ShopState, request: Request, order_id: int) -> Reply:
    if order_id not in state.orders:
        raise invalid_order()
    notes = [n for n in state.notes.values() if n["order_id"] == order_id]
    notes.sort(key=lambda n: (-n["date"].timestamp(), n["id"]))
    home = request.home
    base = f"{home}/wp-json/wc/v3/orders/{order_id}"
    body = [
        {
            "id": n["id"],
            "author": "WooCommerce",
            "date_created": local_text(n["date"]),
            "date_created_gmt": gmt_text(n["date"]),
            "note": n["note"],
            "customer_note": n["customer_note"],
            "_links": {
                "self": [
                    {
                        "href": f"{base}/notes/{n['id']}",
                        "targetHints": {"allow": ["GET", "DELETE"]},
                    }
                ],
                "collection": [
                    {"href": f"{home}/wp-json/wc/v3/orders/{order_id}/notes"}
                ],
                "up": [{"href": f"{home}/wp-json/wc/v3/orders/{order_id}"}],
            },
        }
        for n in notes
    ]
    return Reply(200, body)


# -- refunds ----------------------------------------------------------------


def _refunded(state: ShopState, order: dict[str, Any]) -> Decimal:
    return sum(
        (
            state.refunds[rid]["amount"]
            for rid in order["refunds"]
            if rid in state.refunds
        ),
        ZERO,
    )


def _store_refund(
    state: ShopState,
    order: dict[str, Any],
    amount: Decimal,
    reason: str,
    lines: list[dict[str, Any]],
) -> dict[str, Any]:
    refund = {
        "id": state.post_id(),
        "order_id": order["id"],
        "date": state.now(),
        "amount": amount,
        "reason": reason,
        "lines": lines,
        "tax_lines": [],
    }
    totals: dict[int, Decimal] = {}
    for line in lines:
        for rid, tax in line["taxes"].items():
            totals[rid] = totals.get(rid, ZERO) + tax
    refund["tax_lines"] = [
        {
            "id": state.item_id(),
            "rate_id": rid,
            "tax_total": tax,
            "shipping_tax_total": ZERO,
        }
        for rid, tax in totals.items()
    ]
    state.refunds[refund["id"]] = refund
    order["refunds"].append(refund["id"])
    return refund


def render_refund(
    state: ShopState, refund: dict[str, Any], home: str
) -> dict[str, Any]:
    oid, rid = refund["order_id"], refund["id"]
    return {
        "id": rid,
        "date_created": local_text(refund["date"]),
        "date_created_gmt": gmt_text(refund["date"]),
        "amount": money(refund["amount"]),
        "reason": refund["reason"],
        "refunded_by": 1,
        "refunded_payment": False,
        "meta_data": [],
        "line_items": [
            _render_line(state, line, home, sign=-1) for line in refund["lines"]
        ],
        "shipping_lines": [],
        "tax_lines": _render_tax_lines(state, refund["tax_lines"], sign=-1),
        "fee_lines": [],
        "_links": {
            "self": [
                {
                    "href": f"{home}/wp-json/wc/v3/orders/{oid}/refunds/{rid}",
                    "targetHints": {"allow": ["GET", "DELETE"]},
                }
            ],
            "collection": [{"href": f"{home}/wp-json/wc/v3/orders/{oid}/refunds"}],
            "up": [{"href": f"{home}/wp-json/wc/v3/orders/{oid}"}],
        },
    }


def post_refund(state: ShopState, request: Request, order_id: int) -> Reply:
    """Create a refund; restock the refunded lines when asked to."""
    order = state.orders.get(order_id)
    if order is None:
        raise invalid_order()
    payload = request.json()
    wanted = payload.get("line_items") or []
    lines = []
    for item in wanted:
        original = next((x for x in order["lines"] if x["id"] == int(item["id"])), None)
        if original is None:
            continue
        taxes = {
            int(t["id"]): to_decimal(t.get("refund_total"))
            for t in item.get("refund_tax") or []
        }
        lines.append(
            {
                "id": 0,
                "name": original["name"],
                "product_id": original["product_id"],
                "quantity": int(item.get("quantity") or 0),
                "tax_class": original["tax_class"],
                "subtotal": to_decimal(item.get("refund_total")),
                "total": to_decimal(item.get("refund_total")),
                "taxes": taxes,
                "meta": [],
                "refunded_item": original,
            }
        )
    if payload.get("amount") not in (None, ""):
        amount = _round(to_decimal(payload["amount"]))
    else:
        amount = sum(
            (line["total"] + sum(line["taxes"].values(), ZERO) for line in lines), ZERO
        )

    remaining = order["total"] - _refunded(state, order)
    if amount <= 0:
        raise RestError(
            400,
            "woocommerce_rest_invalid_order_refund",
            "Refund amount must be greater than zero.",
        )
    if amount > remaining:
        raise RestError(
            500,
            "woocommerce_rest_cannot_create_order_refund",
            "Invalid refund amount.",
            bare_data=500,
        )
    if payload.get("api_refund", True) is not False:
        state.post_id()  # the real shop saves, then deletes, the refund
        raise RestError(
            500,
            "woocommerce_rest_cannot_create_order_refund",
            "The payment gateway for this order does not support automatic refunds.",
            bare_data=500,
        )

    for line in lines:
        line["id"] = state.item_id()
        original = line.pop("refunded_item")
        line["meta"] = [
            {
                "id": state.meta_id(),
                "key": "_refunded_item_id",
                "value": str(original["id"]),
            }
        ]
        line["original"] = original
    refund = _store_refund(
        state, order, amount, str(payload.get("reason") or ""), lines
    )

    if payload.get("api_restock", True) is not False:
        for line in lines:
            _restock_line(state, order, line["original"], line["quantity"])
    for line in lines:
        line.pop("original", None)

    order["date_modified"] = state.now()
    if order["total"] - _refunded(state, order) <= 0:
        change_status(state, order, "refunded")
    return Reply(201, render_refund(state, refund, request.home))


def _restock_line(
    state: ShopState, order: dict[str, Any], line: dict[str, Any], quantity: int
) -> None:
    product = state.products.get(line["product_id"])
    if product is None or not product["manage_stock"] or quantity <= 0:
        return
    before = product["stock_quantity"] or 0
    product["stock_quantity"] = before + quantity
    refresh_stock_status(product)
    product["date_modified"] = state.now()
    reduced = _line_meta(line, "_reduced_stock")
    if reduced is not None:
        _set_line_meta(state, line, "_reduced_stock", str(int(reduced) - quantity))
    done = int(_line_meta(line, "_restock_refunded_items") or 0)
    _set_line_meta(state, line, "_restock_refunded_items", str(done + quantity))
    add_note(
        state,
        order,
        f"Item #{product['id']} stock increased from {before} to "
        f"{product['stock_quantity']}.",
    )


def list_refunds(state: ShopState, request: Request, order_id: int) -> Reply:
    order = state.orders.get(order_id)
    if order is None:
        raise invalid_order()
    refunds = [state.refunds[rid] for rid in order["refunds"] if rid in state.refunds]
    refunds.sort(key=lambda r: r["id"], reverse=True)
    return collection(request, refunds, lambda r: render_refund(state, r, request.home))

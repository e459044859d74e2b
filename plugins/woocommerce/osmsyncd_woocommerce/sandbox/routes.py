"""The REST routes of the sandbox and the permission each one needs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from osmsyncd_woocommerce.sandbox import catalog
from osmsyncd_woocommerce.sandbox import media
from osmsyncd_woocommerce.sandbox import people
from osmsyncd_woocommerce.sandbox import sales
from osmsyncd_woocommerce.sandbox import shopinfo
from osmsyncd_woocommerce.sandbox.auth import check_permission
from osmsyncd_woocommerce.sandbox.errors import RestError
from osmsyncd_woocommerce.sandbox.messages import Reply
from osmsyncd_woocommerce.sandbox.messages import Request
from osmsyncd_woocommerce.sandbox.messages import collection
from osmsyncd_woocommerce.sandbox.state import ShopState

Handler = Callable[..., Reply]
UPDATE = ("PUT", "PATCH", "POST")


@dataclass(frozen=True)
class Route:
    methods: tuple[str, ...]
    pattern: re.Pattern[str]
    handler: Handler
    kind: str  # list, item, create, batch, public, media


def _route(methods: tuple[str, ...], path: str, handler: Handler, kind: str) -> Route:
    return Route(methods, re.compile(f"^{path}$"), handler, kind)


def _store_products(state: ShopState, request: Request) -> Reply:
    """The public Store API: only published products, catalog-hidden included."""
    wanted = {int(i) for i in str(request.get("include") or "").split(",") if i}
    records = [
        p
        for p in state.products.values()
        if p["status"] == "publish" and (not wanted or p["id"] in wanted)
    ]
    records.sort(key=lambda p: p["id"])

    def render(product: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": product["id"],
            "name": product["name"],
            "slug": product["slug"],
            "sku": product["sku"],
            "permalink": f"{request.home}/product/{product['slug']}/",
        }

    return collection(request, records, render)


ROUTES = [
    _route(("GET",), "/", lambda s, r: shopinfo.index(r), "public"),
    _route(("GET",), "/wc/v3/system_status", shopinfo.system_status, "list"),
    _route(("OPTIONS",), "/wc/v3/products", catalog.products_schema, "list"),
    _route(("GET",), "/wc/v3/products", catalog.list_products, "list"),
    _route(("POST",), "/wc/v3/products", catalog.post_product, "create"),
    _route(
        ("POST", "PUT", "PATCH"),
        "/wc/v3/products/batch",
        catalog.batch_products,
        "batch",
    ),
    _route(("GET",), "/wc/v3/products/categories", catalog.list_categories, "list"),
    _route(("POST",), "/wc/v3/products/categories", catalog.post_category, "create"),
    _route(
        ("POST", "PUT", "PATCH"),
        "/wc/v3/products/categories/batch",
        catalog.batch_categories,
        "batch",
    ),
    _route(
        ("GET",), r"/wc/v3/products/categories/(\d+)", catalog.read_category, "item"
    ),
    _route(UPDATE, r"/wc/v3/products/categories/(\d+)", catalog.put_category, "item"),
    _route(
        ("DELETE",),
        r"/wc/v3/products/categories/(\d+)",
        catalog.remove_category,
        "item",
    ),
    _route(("GET",), r"/wc/v3/products/(\d+)", catalog.read_product, "item"),
    _route(UPDATE, r"/wc/v3/products/(\d+)", catalog.put_product, "item"),
    _route(("DELETE",), r"/wc/v3/products/(\d+)", catalog.remove_product, "item"),
    _route(("GET",), "/wc/v3/customers", people.list_customers, "list"),
    _route(("POST",), "/wc/v3/customers", people.post_customer, "create"),
    _route(
        ("POST", "PUT", "PATCH"),
        "/wc/v3/customers/batch",
        people.batch_customers,
        "batch",
    ),
    _route(("GET",), r"/wc/v3/customers/(\d+)", people.read_customer, "item"),
    _route(UPDATE, r"/wc/v3/customers/(\d+)", people.put_customer, "item"),
    _route(("DELETE",), r"/wc/v3/customers/(\d+)", people.remove_customer, "item"),
    _route(("GET",), "/wc/v3/orders", sales.list_orders, "list"),
    _route(("POST",), "/wc/v3/orders", sales.post_order, "create"),
    _route(
        ("POST", "PUT", "PATCH"), "/wc/v3/orders/batch", sales.batch_orders, "batch"
    ),
    _route(("GET",), r"/wc/v3/orders/(\d+)", sales.read_order, "item"),
    _route(UPDATE, r"/wc/v3/orders/(\d+)", sales.put_order, "item"),
    _route(("DELETE",), r"/wc/v3/orders/(\d+)", sales.remove_order, "item"),
    _route(("GET",), r"/wc/v3/orders/(\d+)/notes", sales.list_notes, "list"),
    _route(("GET",), r"/wc/v3/orders/(\d+)/refunds", sales.list_refunds, "list"),
    _route(("POST",), r"/wc/v3/orders/(\d+)/refunds", sales.post_refund, "create"),
    _route(("GET",), "/wc/v3/taxes", shopinfo.list_rates, "list"),
    _route(("POST",), "/wc/v3/taxes", shopinfo.create_rate, "create"),
    _route(("GET",), "/wc/v3/taxes/classes", shopinfo.list_classes, "list"),
    _route(("POST",), "/wc/v3/taxes/classes", shopinfo.create_class, "create"),
    _route(("GET",), r"/wc/v3/settings/([a-z_-]+)", shopinfo.list_settings, "list"),
    _route(
        ("GET",),
        r"/wc/v3/settings/([a-z_-]+)/([a-z0-9_]+)",
        shopinfo.read_setting,
        "item",
    ),
    _route(
        UPDATE,
        r"/wc/v3/settings/([a-z_-]+)/([a-z0-9_]+)",
        shopinfo.update_setting,
        "item",
    ),
    _route(("POST",), "/wp/v2/media", media.upload_media, "media"),
    _route(("GET",), r"/wp/v2/media/(\d+)", media.read_media, "public"),
    _route(UPDATE, r"/wp/v2/media/(\d+)", media.update_media, "media"),
    _route(("GET",), "/wc/store/v1/products", _store_products, "public"),
]

_ANONYMOUS = {
    ("list", "GET"): (
        "woocommerce_rest_cannot_view",
        "Sorry, you cannot list resources.",
    ),
    ("item", "GET"): (
        "woocommerce_rest_cannot_view",
        "Sorry, you cannot view this resource.",
    ),
    ("create", "POST"): (
        "woocommerce_rest_cannot_create",
        "Sorry, you are not allowed to create resources.",
    ),
    ("item", "DELETE"): (
        "woocommerce_rest_cannot_delete",
        "Sorry, you are not allowed to delete this resource.",
    ),
    ("batch", "POST"): (
        "woocommerce_rest_cannot_batch",
        "Sorry, you are not allowed to batch manipulate this resource.",
    ),
}


def _refuse_anonymous(route: Route, method: str) -> None:
    if route.kind in ("public",):
        return
    if route.kind == "media":
        if method == "POST" and route.pattern.pattern.endswith("media$"):
            return  # the upload handler answers in WordPress's own words
        raise RestError(
            401, "rest_cannot_edit", "Sorry, you are not allowed to edit this post."
        )
    code, text = _ANONYMOUS.get(
        (route.kind, method),
        (
            "woocommerce_rest_cannot_edit",
            "Sorry, you are not allowed to edit this resource.",
        ),
    )
    if route.kind == "list" and method == "OPTIONS":
        code, text = _ANONYMOUS[("list", "GET")]
    raise RestError(401, code, text)


def _product_write(request: Request) -> Any:
    """The body of a product create, update or batch; None for the rest."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if not request.route.startswith("/wc/v3/products"):
        return None
    try:
        return json.loads(request.body) if request.body else None
    except ValueError:
        return None


def dispatch(state: ShopState, request: Request) -> Reply:
    """Find the route, check who may call it, and run it under the lock."""
    allowed_for_path = False
    for route in ROUTES:
        match = route.pattern.match(request.route)
        if not match:
            continue
        allowed_for_path = True
        if request.method not in route.methods:
            continue

        principal = request.principal
        if request.route.startswith("/wp/") and (
            principal is None or principal.via != "app-password"
        ):
            request.principal = principal = None
        if principal is None:
            _refuse_anonymous(route, request.method)
        else:
            check_permission(principal, request.method)

        args = [int(g) if g.isdigit() else g for g in match.groups()]
        with media.prefetched(_product_write(request)), state.lock:
            return route.handler(state, request, *args)

    if allowed_for_path:
        raise RestError(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        )
    raise RestError(
        404, "rest_no_route", "No route was found matching the URL and request method."
    )

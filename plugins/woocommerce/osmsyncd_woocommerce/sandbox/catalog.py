"""Products and product categories of the sandbox shop.

The rules are the recorded ones: SKUs unique without regard to case and
held by trashed products too, prices stored as strings, stock as integers
that set the stock status, images downloaded on every ``src``, names
HTML-escaped, each write moving ``date_modified``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from osmsyncd_woocommerce.sandbox import media
from osmsyncd_woocommerce.sandbox.errors import RestError
from osmsyncd_woocommerce.sandbox.messages import Reply
from osmsyncd_woocommerce.sandbox.messages import Request
from osmsyncd_woocommerce.sandbox.messages import batch_reply
from osmsyncd_woocommerce.sandbox.messages import collection
from osmsyncd_woocommerce.sandbox.messages import comma_list
from osmsyncd_woocommerce.sandbox.messages import date_window
from osmsyncd_woocommerce.sandbox.messages import self_links
from osmsyncd_woocommerce.sandbox.messages import sort_records
from osmsyncd_woocommerce.sandbox.messages import trim_fields
from osmsyncd_woocommerce.sandbox.schema import CATEGORY_TYPES
from osmsyncd_woocommerce.sandbox.schema import PRODUCT_ENUMS
from osmsyncd_woocommerce.sandbox.schema import PRODUCT_TYPES
from osmsyncd_woocommerce.sandbox.schema import as_bool
from osmsyncd_woocommerce.sandbox.schema import check_args
from osmsyncd_woocommerce.sandbox.schema import require
from osmsyncd_woocommerce.sandbox.state import ShopState
from osmsyncd_woocommerce.sandbox.state import gmt_text
from osmsyncd_woocommerce.sandbox.state import local_text
from osmsyncd_woocommerce.sandbox.wordpress import autop
from osmsyncd_woocommerce.sandbox.wordpress import clean_post_content
from osmsyncd_woocommerce.sandbox.wordpress import clean_post_title
from osmsyncd_woocommerce.sandbox.wordpress import clean_term_description
from osmsyncd_woocommerce.sandbox.wordpress import decoded_slug
from osmsyncd_woocommerce.sandbox.wordpress import format_decimal
from osmsyncd_woocommerce.sandbox.wordpress import price_html
from osmsyncd_woocommerce.sandbox.wordpress import sanitize_title
from osmsyncd_woocommerce.sandbox.wordpress import to_decimal

BATCH_LIMIT = 100
UNCATEGORIZED = 15
_TEXT_FIELDS = ("purchase_note", "weight", "shipping_class", "post_password")


def invalid_product() -> RestError:
    return RestError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")


# -- products: reading ------------------------------------------------------


def find_product(
    state: ShopState, product_id: int, status: int = 404
) -> dict[str, Any]:
    product = state.products.get(product_id)
    if product is None:
        error = invalid_product()
        error.status = status
        raise error
    return product


def product_tax_rate(state: ShopState, product: dict[str, Any]) -> Decimal:
    wanted = product["tax_class"] or "standard"
    for rate in state.tax_rates.values():
        if rate.tax_class == wanted and rate.country in ("IT", ""):
            return rate.rate
    return Decimal("0")


def current_price(product: dict[str, Any]) -> str:
    if product["sale_price"] != "":
        return str(product["sale_price"])
    return str(product["regular_price"])


def render_product(
    state: ShopState, product: dict[str, Any], home: str, edit: bool = False
) -> dict[str, Any]:
    """A product in the key order and types of the recordings."""
    pid = product["id"]
    price = current_price(product)
    shown: Decimal | None = None
    regular: Decimal | None = None
    if price != "":
        factor = Decimal(1)
        if not state.prices_include_tax and product["tax_status"] == "taxable":
            factor += product_tax_rate(state, product) / 100
        shown = to_decimal(price) * factor
        if product["regular_price"] != "":
            regular = to_decimal(product["regular_price"]) * factor
    slug = product["slug"]
    if product["status"] == "trash":
        slug = f"{slug}__trashed"
    if product["status"] in ("publish", "private"):
        permalink = f"{home}/product/{slug}/"
    else:
        permalink = f"{home}/?post_type=product&p={pid}"
    categories = [
        {
            "id": term_id,
            "name": state.terms[term_id]["name"],
            "slug": state.terms[term_id]["slug"],
        }
        for term_id in product["categories"]
        if term_id in state.terms
    ]
    images = [
        media.product_image(state.media[image_id], home)
        for image_id in product["images"]
        if image_id in state.media
    ]
    on_sale = product["sale_price"] != "" and to_decimal(
        product["sale_price"]
    ) < to_decimal(product["regular_price"])
    manage = product["manage_stock"]
    # Create and update answers are in edit context, reads in view context.
    text = (lambda raw: raw) if edit else autop
    body: dict[str, Any] = {
        "id": pid,
        "name": product["name"],
        "slug": slug,
        "permalink": permalink,
        "date_created": local_text(product["date_created"]),
        "date_created_gmt": gmt_text(product["date_created"]),
        "date_modified": local_text(product["date_modified"]),
        "date_modified_gmt": gmt_text(product["date_modified"]),
        "type": product["type"],
        "status": product["status"],
        "featured": product["featured"],
        "catalog_visibility": product["catalog_visibility"],
        "description": text(product["description"]),
        "short_description": text(product["short_description"]),
        "sku": product["sku"],
        "price": price,
        "regular_price": product["regular_price"],
        "sale_price": product["sale_price"],
        "date_on_sale_from": None,
        "date_on_sale_from_gmt": None,
        "date_on_sale_to": None,
        "date_on_sale_to_gmt": None,
        "on_sale": on_sale,
        "purchasable": price != "",
        "total_sales": product["total_sales"],
        "virtual": product["virtual"],
        "downloadable": product["downloadable"],
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        "external_url": "",
        "button_text": "",
        "tax_status": product["tax_status"],
        "tax_class": product["tax_class"],
        "manage_stock": manage,
        "stock_quantity": product["stock_quantity"] if manage else None,
        "backorders": product["backorders"],
        "backorders_allowed": product["backorders"] != "no",
        "backordered": False,
        "low_stock_amount": product["low_stock_amount"],
        "sold_individually": product["sold_individually"],
        "weight": product["weight"],
        "dimensions": dict(product["dimensions"]),
        "shipping_required": not product["virtual"],
        "shipping_taxable": not product["virtual"]
        and product["tax_status"] in ("taxable", "shipping"),
        "shipping_class": product["shipping_class"],
        "shipping_class_id": 0,
        "reviews_allowed": product["reviews_allowed"],
        "average_rating": "0" if edit else "0.00",
        "rating_count": 0,
        "upsell_ids": [],
        "cross_sell_ids": [],
        "parent_id": 0,
        "purchase_note": product["purchase_note"],
        "categories": categories,
        "brands": [],
        "tags": [],
        "images": images,
        "attributes": [],
        "default_attributes": [],
        "variations": [],
        "grouped_products": [],
        "menu_order": product["menu_order"],
        "price_html": price_html(shown, regular),
        "related_ids": [],
        "meta_data": [dict(row) for row in product["meta"] + product.get("trash", [])],
        "stock_status": product["stock_status"],
        "has_options": False,
        "post_password": product["post_password"],
        "global_unique_id": product["global_unique_id"],
    }
    if state.cogs_enabled:
        cost = product.get("cost", "")
        body["cost_of_goods_sold"] = {
            "values": [{"defined_value": cost, "effective_value": cost}],
            "total_value": cost,
        }
    if edit:
        body["permalink_template"] = f"{home}/product/%pagename%/"
        body["generated_slug"] = decoded_slug(product["slug"])
    body["_links"] = self_links(home, f"/wc/v3/products/{pid}", "/wc/v3/products")
    return body


def _listed_pool(
    state: ShopState, skus: set[str], gtin: Any
) -> Iterable[dict[str, Any]]:
    """The products a listing can answer, narrowed by its SKU or GTIN filter.

    The filters themselves still run on the pool, and the answer is sorted
    afterwards, so the pool changes the cost of a listing, never its rows.
    """
    if skus:
        ids = set().union(*(state.product_skus.holders(sku) for sku in skus))
        return [state.products[i] for i in sorted(ids)]
    if gtin and isinstance(gtin, str):
        return state.products_holding(state.product_gtins, gtin)
    return state.products.values()


def list_products(state: ShopState, request: Request) -> Reply:
    skus = {sku.strip().lower() for sku in comma_list(request.get("sku"))}
    pool = _listed_pool(state, skus, request.get("global_unique_id"))
    status = str(request.get("status") or "any")
    if status == "any":
        records = [p for p in pool if p["status"] != "trash"]
    else:
        records = [p for p in pool if p["status"] == status]

    if skus:
        records = [p for p in records if p["sku"] and p["sku"].lower() in skus]
    gtin = request.get("global_unique_id")
    if gtin:
        records = [p for p in records if p["global_unique_id"] == gtin]
    include = {int(i) for i in comma_list(request.get("include"))}
    if include:
        records = [p for p in records if p["id"] in include]
    exclude = {int(i) for i in comma_list(request.get("exclude"))}
    records = [p for p in records if p["id"] not in exclude]
    search = str(request.get("search") or "").lower()
    if search:
        records = [
            p
            for p in records
            if search in p["name"].lower() or search in p["description"].lower()
        ]
    category = request.get("category")
    if category:
        wanted = {int(c) for c in comma_list(category)}
        records = [p for p in records if wanted & set(p["categories"])]
    stock_status = request.get("stock_status")
    if stock_status:
        records = [p for p in records if p["stock_status"] == stock_status]
    records = [
        p
        for p in records
        if date_window(request, p["date_created"], p["date_modified"])
    ]

    records = sort_records(
        request,
        records,
        {
            "date": lambda p: p["date_created"],
            "id": lambda p: p["id"],
            "modified": lambda p: p["date_modified"],
            "title": lambda p: p["name"].lower(),
            "slug": lambda p: p["slug"],
            "price": lambda p: to_decimal(current_price(p)),
        },
        "date",
    )
    return collection(
        request, records, lambda p: render_product(state, p, request.home)
    )


def read_product(state: ShopState, request: Request, product_id: int) -> Reply:
    product = find_product(state, product_id)
    body = render_product(state, product, request.home)
    return Reply(200, trim_fields(body, request.get("_fields"), keep_links=True))


# -- products: writing ------------------------------------------------------


def _new_product(state: ShopState) -> dict[str, Any]:
    now = state.now()
    return {
        "id": 0,
        "name": "",
        "slug": "",
        "date_created": now,
        "date_modified": now,
        "type": "simple",
        "status": "publish",
        "featured": False,
        "catalog_visibility": "visible",
        "description": "",
        "short_description": "",
        "sku": "",
        "global_unique_id": "",
        "regular_price": "",
        "sale_price": "",
        "total_sales": 0,
        "virtual": False,
        "downloadable": False,
        "tax_status": "taxable",
        "tax_class": "",
        "manage_stock": False,
        "stock_quantity": None,
        "stock_status": "instock",
        "backorders": "no",
        "low_stock_amount": None,
        "sold_individually": False,
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_class": "",
        "reviews_allowed": True,
        "purchase_note": "",
        "categories": [],
        "images": [],
        "menu_order": 0,
        "meta": [],
        "post_password": "",
        "cost": "",
    }


def check_sku(state: ShopState, sku: str, own_id: int, creating: bool) -> None:
    """Refuse a SKU some other product holds, as the real shop refuses it."""
    if not sku:
        return
    for other in state.products_holding(state.product_skus, sku.lower()):
        if other["id"] == own_id:
            continue
        if other["status"] == "trash":
            verb = "insert" if creating else "update"
            raise RestError(
                400,
                f"woocommerce_rest_product_not_{'created' if creating else 'updated'}",
                f"The product with SKU ({sku}) you are trying to {verb} is already "
                "present in the lookup table",
            )
        suggestion, counter = f"{sku}-1", 1
        while suggestion.lower() in state.product_skus:
            counter += 1
            suggestion = f"{sku}-{counter}"
        raise RestError(
            400,
            "product_invalid_sku",
            "Invalid or duplicated SKU.",
            resource_id=other["id"],
            unique_sku=suggestion,
        )


def _check_gtin(state: ShopState, gtin: str, own_id: int) -> None:
    if not gtin:
        return
    for other in state.products_holding(state.product_gtins, gtin):
        if other["id"] != own_id and other["status"] != "trash":
            raise RestError(
                400,
                "product_invalid_global_unique_id",
                "Invalid or duplicated GTIN, UPC, EAN or ISBN.",
                resource_id=other["id"],
            )


def _resolve_images(
    state: ShopState, images: list[Any]
) -> tuple[list[int], list[dict[str, Any]]]:
    """Attachment ids for an ``images`` list, downloading each ``src``."""
    ids: list[int] = []
    renames: list[dict[str, Any]] = []
    for image in images:
        if not isinstance(image, dict):
            continue
        image_id = image.get("id")
        if image_id not in (None, 0, "0", ""):
            number = int(image_id)
            if number not in state.media:
                raise RestError(
                    400,
                    "woocommerce_product_invalid_image_id",
                    f"#{number} is an invalid image ID.",
                )
            ids.append(number)
            renames.append(image)
            continue
        if image.get("src"):
            record = media.sideload(state, image)
            if image.get("alt"):
                record["alt"] = str(image["alt"])
            ids.append(record["id"])
    return ids, renames


def apply_product(
    state: ShopState, product: dict[str, Any], payload: dict[str, Any], creating: bool
) -> None:
    """Write the payload's fields into the product, as ``prepare_object`` does."""
    separator = state.setting("woocommerce_price_decimal_sep")

    if "sku" in payload:
        sku = str(payload["sku"] or "").strip()
        check_sku(state, sku, product["id"], creating)
        product["sku"] = sku
    if "global_unique_id" in payload:
        gtin = "".join(
            c for c in str(payload["global_unique_id"] or "") if c.isdigit() or c == "-"
        )
        _check_gtin(state, gtin, product["id"])
        product["global_unique_id"] = gtin

    if "images" in payload and isinstance(payload["images"], list):
        ids, renames = _resolve_images(state, payload["images"])
        for image in renames:
            record = state.media[int(image["id"])]
            if image.get("name"):
                record["title"] = str(image["name"])
            if image.get("alt"):
                record["alt"] = str(image["alt"])
            record["modified"] = state.now()
        product["images"] = ids
        if ids and not creating:
            # Only an existing product gets its featured image attached.
            state.media[ids[0]]["post"] = product["id"]

    if "name" in payload:
        product["name"] = clean_post_title(str(payload["name"] or ""))
    for name in ("description", "short_description"):
        if name in payload:
            product[name] = clean_post_content(str(payload[name] or ""))
    for name in ("type", "catalog_visibility", "tax_status", "backorders"):
        if name in payload and payload[name] is not None:
            product[name] = str(payload[name])
    if "status" in payload and payload["status"]:
        product["status"] = str(payload["status"])
    for name in ("featured", "virtual", "downloadable", "sold_individually"):
        if name in payload:
            product[name] = as_bool(payload[name])
    if "reviews_allowed" in payload:
        product["reviews_allowed"] = as_bool(payload["reviews_allowed"])
    for name in ("regular_price", "sale_price"):
        if name in payload:
            product[name] = format_decimal(payload[name], separator)
    if "tax_class" in payload:
        wanted = str(payload["tax_class"] or "")
        known = [slug for slug in state.tax_class_slugs() if slug != "standard"]
        product["tax_class"] = wanted if wanted in known else ""
    for name in _TEXT_FIELDS:
        if name in payload:
            product[name] = str(payload[name] or "")
    if isinstance(payload.get("dimensions"), dict):
        for key in ("length", "width", "height"):
            if key in payload["dimensions"]:
                product["dimensions"][key] = str(payload["dimensions"][key])
    if "menu_order" in payload:
        product["menu_order"] = int(payload["menu_order"] or 0)
    if "low_stock_amount" in payload:
        value = payload["low_stock_amount"]
        product["low_stock_amount"] = None if value in (None, "") else int(value)
    if "categories" in payload and isinstance(payload["categories"], list):
        product["categories"] = [
            int(c["id"])
            for c in payload["categories"]
            if isinstance(c, dict) and int(c.get("id", 0)) in state.terms
        ]
    if "meta_data" in payload and isinstance(payload["meta_data"], list):
        _apply_meta(state, product["meta"], payload["meta_data"], drop_private=False)
    if state.cogs_enabled and isinstance(payload.get("cost_of_goods_sold"), dict):
        values = payload["cost_of_goods_sold"].get("values") or [{}]
        product["cost"] = format_decimal(values[0].get("defined_value", ""))

    if "manage_stock" in payload:
        product["manage_stock"] = as_bool(payload["manage_stock"])
    if product["manage_stock"]:
        if "stock_quantity" in payload and payload["stock_quantity"] is not None:
            product["stock_quantity"] = int(float(str(payload["stock_quantity"])))
        if "inventory_delta" in payload:
            base = product["stock_quantity"] or 0
            product["stock_quantity"] = base + int(payload["inventory_delta"])
        if product["stock_quantity"] is None:
            product["stock_quantity"] = 0
        refresh_stock_status(product)
    else:
        product["stock_quantity"] = None
        if payload.get("stock_status") in PRODUCT_ENUMS["stock_status"]:
            product["stock_status"] = payload["stock_status"]

    if "slug" in payload and payload["slug"]:
        product["slug"] = state.product_slugs.unique(
            sanitize_title(str(payload["slug"])), product["id"]
        )
    elif not product["slug"]:
        base = sanitize_title(product["name"]) or str(product["id"])
        product["slug"] = state.product_slugs.unique(base, product["id"])
    if not product["categories"]:
        product["categories"] = [UNCATEGORIZED]


def refresh_stock_status(product: dict[str, Any]) -> None:
    quantity = product["stock_quantity"] or 0
    if quantity > 0:
        product["stock_status"] = "instock"
    elif product["backorders"] != "no":
        product["stock_status"] = "onbackorder"
    else:
        product["stock_status"] = "outofstock"


def _apply_meta(
    state: ShopState,
    rows: list[dict[str, Any]],
    updates: list[Any],
    drop_private: bool,
) -> None:
    """Update meta rows by id or key, adding the missing ones."""
    for update in updates:
        if not isinstance(update, dict) or "key" not in update:
            continue
        key = str(update["key"])
        if drop_private and key.startswith("_"):
            continue
        target = None
        for row in rows:
            if ("id" in update and row["id"] == update["id"]) or row["key"] == key:
                target = row
                break
        if target is None:
            rows.append(
                {"id": state.meta_id(), "key": key, "value": update.get("value")}
            )
        else:
            target["value"] = update.get("value")


def create_product(
    state: ShopState, payload: dict[str, Any], home: str
) -> dict[str, Any]:
    """Create a product; nothing is left behind when the payload is refused."""
    product = _new_product(state)
    staged = dict(product)
    staged["id"] = -1
    apply_product(state, staged, payload, creating=True)
    staged["id"] = state.post_id()
    state.products[staged["id"]] = staged
    state.index_product(staged)
    return render_product(state, staged, home, edit=True)


def update_product(
    state: ShopState, product_id: int, payload: dict[str, Any], home: str
) -> dict[str, Any]:
    product = find_product(state, product_id, status=400)
    staged = {**product, "meta": [dict(r) for r in product["meta"]]}
    staged["dimensions"] = dict(product["dimensions"])
    apply_product(state, staged, payload, creating=False)
    if product["status"] == "trash" and staged["status"] != "trash":
        staged["trash"] = []
    staged["date_modified"] = state.now()
    product.clear()
    product.update(staged)
    state.index_product(product)
    return render_product(state, product, home, edit=True)


def delete_product(
    state: ShopState, product_id: int, force: bool, home: str
) -> dict[str, Any]:
    product = find_product(state, product_id)
    body = render_product(state, product, home, edit=True)
    if force:
        del state.products[product_id]
        state.unindex_product(product_id)
    else:
        # WordPress keeps what it needs to restore the product as meta.
        stamp = str(int(state.now().timestamp()))
        product["trash"] = [
            {"id": state.meta_id(), "key": key, "value": value}
            for key, value in (
                ("_wp_trash_meta_status", product["status"]),
                ("_wp_trash_meta_time", stamp),
                ("_wp_desired_post_slug", product["slug"]),
            )
        ]
        product["status"] = "trash"
        product["date_modified"] = state.now()
    return body


def post_product(state: ShopState, request: Request) -> Reply:
    payload = request.json()
    check_args(payload, PRODUCT_TYPES, PRODUCT_ENUMS)
    body = create_product(state, payload, request.home)
    return Reply(201, trim_fields(body, request.get("_fields"), keep_links=True))


def put_product(state: ShopState, request: Request, product_id: int) -> Reply:
    payload = request.json()
    check_args(payload, PRODUCT_TYPES, PRODUCT_ENUMS)
    body = update_product(state, product_id, payload, request.home)
    return Reply(200, trim_fields(body, request.get("_fields"), keep_links=True))


def remove_product(state: ShopState, request: Request, product_id: int) -> Reply:
    body = delete_product(state, product_id, request.flag("force"), request.home)
    return Reply(200, body)


def batch_products(state: ShopState, request: Request) -> Reply:
    """Creates, updates and deletes in one request, without schema checks."""
    payload = request.json()
    creates = payload.get("create") or []
    updates = payload.get("update") or []
    deletes = payload.get("delete") or []
    if len(creates) + len(updates) + len(deletes) > BATCH_LIMIT:
        raise RestError(
            413,
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {BATCH_LIMIT} items for this request.",
        )

    answer: dict[str, list[Any]] = {}
    if "create" in payload:
        answer["create"] = []
        for item in creates:
            try:
                answer["create"].append(create_product(state, item, request.home))
            except RestError as exc:
                answer["create"].append({"id": 0, "error": exc.body()})
    if "update" in payload:
        answer["update"] = []
        for item in updates:
            item_id = int(item.get("id", 0) or 0)
            try:
                body = update_product(state, item_id, item, request.home)
                answer["update"].append(body)
            except RestError as exc:
                answer["update"].append({"id": item_id, "error": exc.body()})
    if "delete" in payload:
        answer["delete"] = []
        for item in deletes:
            item_id = int(item)
            try:
                body = delete_product(state, item_id, True, request.home)
                answer["delete"].append(body)
            except RestError as exc:
                answer["delete"].append({"id": item_id, "error": exc.body()})
    return Reply(200, answer)


def products_schema(state: ShopState, request: Request) -> Reply:
    """``OPTIONS /products``: the argument and property types."""
    properties = {"id": {"type": "integer", "readonly": True}}
    properties.update(
        {
            name: {"type": kind, "context": ["view", "edit"]}
            for name, kind in PRODUCT_TYPES.items()
        }
    )
    for name, allowed in PRODUCT_ENUMS.items():
        properties[name]["enum"] = list(allowed)
    properties["low_stock_amount"]["type"] = ["integer", "null"]
    if state.cogs_enabled:
        properties["cost_of_goods_sold"] = {
            "type": "object",
            "context": ["view", "edit"],
        }
    properties["price"] = {"type": "string", "readonly": True}
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "product",
        "type": "object",
        "properties": properties,
    }
    body = {
        "namespace": "wc/v3",
        "methods": ["GET", "POST"],
        "endpoints": [
            {"methods": ["GET"], "args": {"page": {"type": "integer"}}},
            {
                "methods": ["POST"],
                "args": {
                    name: {k: v for k, v in spec.items() if k != "context"}
                    for name, spec in properties.items()
                    if name in PRODUCT_TYPES
                },
            },
        ],
        "schema": schema,
        "_links": {"self": [{"href": f"{request.home}/wp-json/wc/v3/products"}]},
    }
    return Reply(200, body)


# -- categories -------------------------------------------------------------


def invalid_term() -> RestError:
    return RestError(404, "woocommerce_rest_term_invalid", "Resource does not exist.")


def render_category(
    state: ShopState, term: dict[str, Any], home: str
) -> dict[str, Any]:
    count = sum(
        1
        for p in state.products.values()
        if p["status"] == "publish" and term["id"] in p["categories"]
    )
    links = self_links(
        home, f"/wc/v3/products/categories/{term['id']}", "/wc/v3/products/categories"
    )
    if term["parent"]:
        links["up"] = [
            {"href": f"{home}/wp-json/wc/v3/products/categories/{term['parent']}"}
        ]
    return {
        "id": term["id"],
        "name": term["name"],
        "slug": term["slug"],
        "parent": term["parent"],
        "description": term["description"],
        "display": term["display"],
        "image": None,
        "menu_order": term["menu_order"],
        "count": count,
        "_links": links,
    }


def _unique_term_slug(state: ShopState, slug: str, parent: int) -> str:
    taken = {t["slug"] for t in state.terms.values()}
    if slug not in taken:
        return slug
    if parent and parent in state.terms:
        candidate = f"{slug}-{state.terms[parent]['slug']}"
        if candidate not in taken:
            return candidate
    counter = 2
    while f"{slug}-{counter}" in taken:
        counter += 1
    return f"{slug}-{counter}"


def create_category(
    state: ShopState, payload: dict[str, Any], home: str
) -> dict[str, Any]:
    require(payload, "name")
    check_args(payload, CATEGORY_TYPES)
    name = clean_post_title(str(payload["name"]))
    parent = int(payload.get("parent") or 0)
    if parent and parent not in state.terms:
        raise RestError(
            400, "woocommerce_rest_term_invalid", "Parent term does not exist."
        )
    for term in state.terms.values():
        if term["parent"] == parent and term["name"].lower() == name.lower():
            raise RestError(
                400,
                "term_exists",
                "A term with the name provided already exists with this parent.",
                resource_id=term["id"],
            )
    base = sanitize_title(str(payload.get("slug") or "")) or sanitize_title(name)
    term = {
        "id": state.term_id(),
        "name": name,
        "slug": _unique_term_slug(state, base or "category", parent),
        "parent": parent,
        "description": clean_term_description(str(payload.get("description") or "")),
        "display": str(payload.get("display") or "default"),
        "menu_order": int(payload.get("menu_order") or 0),
    }
    state.terms[term["id"]] = term
    return render_category(state, term, home)


def update_category(
    state: ShopState, term_id: int, payload: dict[str, Any], home: str
) -> dict[str, Any]:
    term = state.terms.get(term_id)
    if term is None:
        raise invalid_term()
    check_args(payload, CATEGORY_TYPES)
    if "name" in payload:
        term["name"] = clean_post_title(str(payload["name"]))
    if "parent" in payload:
        term["parent"] = int(payload["parent"] or 0)
    if "description" in payload:
        term["description"] = clean_term_description(str(payload["description"]))
    if payload.get("slug"):
        term["slug"] = _unique_term_slug(
            state, sanitize_title(str(payload["slug"])), term["parent"]
        )
    return render_category(state, term, home)


def list_categories(state: ShopState, request: Request) -> Reply:
    records = list(state.terms.values())
    parent = request.get("parent")
    if parent not in (None, ""):
        records = [t for t in records if t["parent"] == int(parent)]
    slug = request.get("slug")
    if slug:
        records = [t for t in records if t["slug"] == slug]
    search = str(request.get("search") or "").lower()
    if search:
        records = [t for t in records if search in t["name"].lower()]
    include = {int(i) for i in comma_list(request.get("include"))}
    if include:
        records = [t for t in records if t["id"] in include]
    records = sort_records(
        request,
        records,
        {
            "name": lambda t: t["name"].lower(),
            "id": lambda t: t["id"],
            "slug": lambda t: t["slug"],
        },
        "name",
        "asc",
    )
    return collection(
        request, records, lambda t: render_category(state, t, request.home)
    )


def post_category(state: ShopState, request: Request) -> Reply:
    return Reply(201, create_category(state, request.json(), request.home))


def read_category(state: ShopState, request: Request, term_id: int) -> Reply:
    term = state.terms.get(term_id)
    if term is None:
        raise invalid_term()
    return Reply(200, render_category(state, term, request.home))


def put_category(state: ShopState, request: Request, term_id: int) -> Reply:
    return Reply(200, update_category(state, term_id, request.json(), request.home))


def remove_category(state: ShopState, request: Request, term_id: int) -> Reply:
    term = state.terms.get(term_id)
    if term is None:
        raise invalid_term()
    if not request.flag("force"):
        raise RestError(
            501,
            "woocommerce_rest_trash_not_supported",
            "Resource does not support trashing.",
        )
    body = render_category(state, term, request.home)
    del state.terms[term_id]
    for product in state.products.values():
        if term_id in product["categories"]:
            product["categories"].remove(term_id)
    return Reply(200, body)


def batch_categories(state: ShopState, request: Request) -> Reply:
    return batch_reply(
        request.json(),
        lambda item: create_category(state, item, request.home),
        lambda item_id, item: update_category(state, item_id, item, request.home),
    )

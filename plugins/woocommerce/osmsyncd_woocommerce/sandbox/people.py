"""Customers of the sandbox shop (WordPress users with role ``customer``).

E-mails are unique without regard to case, meta keys starting with ``_``
are dropped without a word, and every new account gets the shop's welcome
e-mail (recorded in ``ShopState.emails``): WooCommerce's REST API has no
switch to skip it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from osmsyncd_woocommerce.sandbox.catalog import _apply_meta
from osmsyncd_woocommerce.sandbox.errors import RestError
from osmsyncd_woocommerce.sandbox.messages import Reply
from osmsyncd_woocommerce.sandbox.messages import Request
from osmsyncd_woocommerce.sandbox.messages import batch_reply
from osmsyncd_woocommerce.sandbox.messages import collection
from osmsyncd_woocommerce.sandbox.messages import comma_list
from osmsyncd_woocommerce.sandbox.messages import self_links
from osmsyncd_woocommerce.sandbox.messages import sort_records
from osmsyncd_woocommerce.sandbox.schema import CUSTOMER_TYPES
from osmsyncd_woocommerce.sandbox.schema import check_args
from osmsyncd_woocommerce.sandbox.state import ShopState
from osmsyncd_woocommerce.sandbox.state import gmt_text
from osmsyncd_woocommerce.sandbox.state import local_text

BILLING_KEYS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "postcode",
    "country",
    "state",
    "email",
    "phone",
)
SHIPPING_KEYS = tuple(key for key in BILLING_KEYS if key != "email")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def invalid_customer() -> RestError:
    return RestError(404, "wc_user_invalid_id", "Invalid user ID.")


def render_customer(customer: dict[str, Any], home: str) -> dict[str, Any]:
    digest = hashlib.sha256(customer["email"].strip().lower().encode()).hexdigest()
    return {
        "id": customer["id"],
        "date_created": local_text(customer["date_created"]),
        "date_created_gmt": gmt_text(customer["date_created"]),
        "date_modified": local_text(customer["date_modified"]),
        "date_modified_gmt": gmt_text(customer["date_modified"]),
        "email": customer["email"],
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "role": "customer",
        "username": customer["username"],
        "billing": {key: customer["billing"].get(key, "") for key in BILLING_KEYS},
        "shipping": {key: customer["shipping"].get(key, "") for key in SHIPPING_KEYS},
        "is_paying_customer": customer["is_paying_customer"],
        "avatar_url": f"https://secure.gravatar.com/avatar/{digest}?s=96&d=mm&r=g",
        "meta_data": [dict(row) for row in customer["meta"]],
        "_links": self_links(
            home, f"/wc/v3/customers/{customer['id']}", "/wc/v3/customers"
        ),
    }


def _email_taken(state: ShopState, email: str, own_id: int) -> bool:
    wanted = email.strip().lower()
    return any(
        c["email"].lower() == wanted and c["id"] != own_id
        for c in state.customers.values()
    )


def _apply_address(target: dict[str, str], update: Any, keys: tuple[str, ...]) -> None:
    if isinstance(update, dict):
        for key in keys:
            if key in update and update[key] is not None:
                target[key] = str(update[key])


def create_customer(
    state: ShopState, payload: dict[str, Any], home: str
) -> dict[str, Any]:
    check_args(payload, CUSTOMER_TYPES)
    email = str(payload.get("email") or "").strip()
    if not _EMAIL.match(email):
        raise RestError(400, "customer_invalid_email", "Invalid email address")
    if _email_taken(state, email, 0):
        raise RestError(
            400,
            "registration-error-email-exists",
            f"An account is already registered with {email}. Please log in or use "
            "a different email address.",
        )
    username = str(payload.get("username") or "").strip()
    if not username:
        username = re.sub(r"[^a-z0-9._-]", "", email.split("@")[0].lower())
        base, counter = username, 1
        while any(c["username"] == username for c in state.customers.values()):
            counter += 1
            username = f"{base}{counter}"
    elif any(
        c["username"].lower() == username.lower() for c in state.customers.values()
    ):
        raise RestError(
            400,
            "registration-error-username-exists",
            "An account is already registered with that username. Please choose "
            "another.",
        )

    now = state.now()
    customer: dict[str, Any] = {
        "id": state.user_id(),
        "date_created": now,
        "date_modified": now,
        "email": email,
        "first_name": str(payload.get("first_name") or ""),
        "last_name": str(payload.get("last_name") or ""),
        "username": username,
        "billing": {},
        "shipping": {},
        "is_paying_customer": False,
        "meta": [],
    }
    _apply_address(customer["billing"], payload.get("billing"), BILLING_KEYS)
    _apply_address(customer["shipping"], payload.get("shipping"), SHIPPING_KEYS)
    if not payload.get("password"):
        customer["meta"].append(
            {"id": state.meta_id(), "key": "default_password_nag", "value": "1"}
        )
    if isinstance(payload.get("meta_data"), list):
        _apply_meta(state, customer["meta"], payload["meta_data"], drop_private=True)
    state.customers[customer["id"]] = customer
    state.emails.append({"to": email, "template": "customer_new_account"})
    return render_customer(customer, home)


def update_customer(
    state: ShopState, customer_id: int, payload: dict[str, Any], home: str
) -> dict[str, Any]:
    customer = state.customers.get(customer_id)
    if customer is None:
        error = invalid_customer()
        error.status = 400
        raise error
    check_args(payload, CUSTOMER_TYPES)
    if "email" in payload:
        email = str(payload["email"]).strip()
        if not _EMAIL.match(email):
            raise RestError(400, "customer_invalid_email", "Invalid email address")
        if _email_taken(state, email, customer_id):
            raise RestError(
                400,
                "customer_invalid_email",
                "Email address is already in use.",
            )
        customer["email"] = email
    if "username" in payload and payload["username"] != customer["username"]:
        raise RestError(
            400,
            "woocommerce_rest_customer_invalid_argument",
            "Username isn't editable.",
        )
    for name in ("first_name", "last_name"):
        if name in payload:
            customer[name] = str(payload[name] or "")
    _apply_address(customer["billing"], payload.get("billing"), BILLING_KEYS)
    _apply_address(customer["shipping"], payload.get("shipping"), SHIPPING_KEYS)
    if isinstance(payload.get("meta_data"), list):
        _apply_meta(state, customer["meta"], payload["meta_data"], drop_private=True)
    customer["date_modified"] = state.now()
    return render_customer(customer, home)


def list_customers(state: ShopState, request: Request) -> Reply:
    records = list(state.customers.values())
    email = request.get("email")
    if email:
        records = [c for c in records if c["email"].lower() == str(email).lower()]
    include = {int(i) for i in comma_list(request.get("include"))}
    if include:
        records = [c for c in records if c["id"] in include]
    search = str(request.get("search") or "").lower()
    if search:
        records = [
            c
            for c in records
            if search in c["email"].lower()
            or search in f"{c['first_name']} {c['last_name']}".lower()
        ]
    records = sort_records(
        request,
        records,
        {
            "name": lambda c: c["username"],
            "id": lambda c: c["id"],
            "registered_date": lambda c: c["date_created"],
        },
        "name",
        "asc",
    )
    return collection(request, records, lambda c: render_customer(c, request.home))


def read_customer(state: ShopState, request: Request, customer_id: int) -> Reply:
    customer = state.customers.get(customer_id)
    if customer is None:
        raise invalid_customer()
    return Reply(200, render_customer(customer, request.home))


def post_customer(state: ShopState, request: Request) -> Reply:
    return Reply(201, create_customer(state, request.json(), request.home))


def put_customer(state: ShopState, request: Request, customer_id: int) -> Reply:
    body = update_customer(state, customer_id, request.json(), request.home)
    return Reply(200, body)


def remove_customer(state: ShopState, request: Request, customer_id: int) -> Reply:
    customer = state.customers.get(customer_id)
    if customer is None:
        raise invalid_customer()
    if not request.flag("force"):
        raise RestError(
            501,
            "woocommerce_rest_trash_not_supported",
            "Customers do not support trashing.",
        )
    body = render_customer(customer, request.home)
    del state.customers[customer_id]
    return Reply(200, body)


def batch_customers(state: ShopState, request: Request) -> Reply:
    return batch_reply(
        request.json(),
        lambda item: create_customer(state, item, request.home),
        lambda item_id, item: update_customer(state, item_id, item, request.home),
    )

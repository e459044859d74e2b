"""Customer accounts and product categories: looked up before created.

WooCommerce has no switch to skip the welcome e-mail of a new account: a
customer created through the REST API receives the shop's "new account"
e-mail if that e-mail is enabled in WooCommerce > Settings > Emails.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

import structlog

from osmsyncd.config import ConnectionSettings
from osmsyncd.errors import ShopError
from osmsyncd.provider import CustomerWrite
from osmsyncd.provider import Outcome
from osmsyncd_woocommerce.client import PAGE
from osmsyncd_woocommerce.client import WooClient
from osmsyncd_woocommerce.mapping import customer_payload
from osmsyncd_woocommerce.mapping import text

log = structlog.get_logger(__name__)


def find_customers(client: WooClient, emails: Sequence[str]) -> dict[str, str]:
    """Shop ids of the accounts with these e-mails, one lookup per e-mail."""
    found: dict[str, str] = {}
    for email in emails:
        wanted = email.strip().lower()
        if not wanted:
            continue
        items = client.get(
            "customers", {"email": wanted, "role": "all", "_fields": "id,email"}
        )
        for item in items:
            if str(item.get("email") or "").lower() == wanted:
                found[email] = str(item["id"])
                break
    return found


def write_customers(
    client: WooClient, settings: ConnectionSettings, writes: Sequence[CustomerWrite]
) -> list[Outcome]:
    """Create or update accounts in batches; an e-mail already there is adopted."""
    outcomes: dict[str, Outcome] = {}
    pending = list(writes)
    for _ in range(2):
        retry: list[tuple[CustomerWrite, str]] = []
        for start in range(0, len(pending), PAGE):
            chunk = pending[start : start + PAGE]
            retry += _batch(client, settings, chunk, outcomes)
        if not retry:
            break
        found = find_customers(client, [write.customer.email for write, _ in retry])
        pending = []
        for write, reason in retry:
            shop_id = found.get(write.customer.email)
            if shop_id is None:
                outcomes[_key(write)] = Outcome(key=_key(write), error=reason)
            else:
                pending.append(CustomerWrite(write.customer, shop_id))
    return [
        outcomes.get(_key(w)) or Outcome(key=_key(w), error="not written")
        for w in writes
    ]


def _key(write: CustomerWrite) -> str:
    customer = write.customer
    return str(customer.erp_id if customer.erp_id is not None else customer.identity)


def _batch(
    client: WooClient,
    settings: ConnectionSettings,
    chunk: Sequence[CustomerWrite],
    outcomes: dict[str, Outcome],
) -> list[tuple[CustomerWrite, str]]:
    creates = [w for w in chunk if w.shop_id is None]
    updates = [w for w in chunk if w.shop_id is not None]
    warnings: dict[str, list[str]] = {}
    body: dict[str, Any] = {"create": [], "update": []}
    for write in creates:
        payload, notes = customer_payload(write.customer, settings, creating=True)
        warnings[_key(write)] = notes
        body["create"].append(payload)
    for write in updates:
        payload, notes = customer_payload(write.customer, settings, creating=False)
        warnings[_key(write)] = notes
        body["update"].append({"id": int(write.shop_id or 0), **payload})
    try:
        answer = client.call(
            "POST", "customers/batch", body=body, what="customer batch"
        )
    except ShopError as exc:
        for write in chunk:
            outcomes[_key(write)] = Outcome(key=_key(write), error=str(exc))
        return []

    retry: list[tuple[CustomerWrite, str]] = []
    results = answer.json()
    pairs = [
        *zip(creates, results.get("create") or [], strict=False),
        *zip(updates, results.get("update") or [], strict=False),
    ]
    for write, result in pairs:
        error = result.get("error")
        key = _key(write)
        if not error:
            outcomes[key] = Outcome(
                key=key, shop_id=str(result["id"]), warnings=tuple(warnings[key])
            )
            continue
        code = str(error.get("code") or "")
        reason = f"{error.get('message') or code} ({code})"
        if code == "registration-error-email-exists" and write.shop_id is None:
            retry.append((write, reason))
            continue
        log.warning("customer_refused", email=write.customer.identity, code=code)
        outcomes[key] = Outcome(key=key, error=reason)
    return retry


CATEGORY_BATCH = 100


def ensure_categories(
    client: WooClient,
    paths: Sequence[tuple[str, ...]],
    known: Mapping[tuple[str, ...], str],
) -> dict[tuple[str, ...], str]:
    """Shop ids of category paths, creating the missing ones parent first."""
    found: dict[tuple[str, ...], str] = dict(known)
    wanted: list[tuple[str, ...]] = []
    for path in paths:
        for depth in range(1, len(path) + 1):
            prefix = tuple(path[:depth])
            if prefix not in wanted:
                wanted.append(prefix)
    missing = [path for path in wanted if path not in found]
    if not missing:
        return {path: found[path] for path in paths if path in found}

    # Names come back HTML-escaped; the shop matches them without case.
    existing: dict[tuple[int, str], str] = {}
    for page in client.pages("products/categories", {"_fields": "id,name,parent"}):
        for item in page:
            name = text(item.get("name")).strip().lower()
            existing[(int(item.get("parent") or 0), name)] = str(item["id"])

    # One batch per level (100 terms at most): parents must exist before
    # their children name them.
    for depth in sorted({len(path) for path in missing}):
        level: list[tuple[tuple[str, ...], int]] = []
        for path in missing:
            parent = found.get(path[:-1]) if depth > 1 else "0"
            if len(path) != depth or parent is None:
                continue
            key = (int(parent), path[-1].strip().lower())
            if key in existing:
                found[path] = existing[key]
            else:
                level.append((path, int(parent)))
        for start in range(0, len(level), CATEGORY_BATCH):
            _create_categories(client, level[start : start + CATEGORY_BATCH], found)
    return {path: found[path] for path in paths if path in found}


def _create_categories(
    client: WooClient,
    level: list[tuple[tuple[str, ...], int]],
    found: dict[tuple[str, ...], str],
) -> None:
    """Create one level's categories in a batch; a name the shop already
    holds under that parent (``term_exists``) is taken as it is."""
    body = {"create": [{"name": path[-1], "parent": parent} for path, parent in level]}
    answer = client.call(
        "POST", "products/categories/batch", body=body, what="category batch"
    ).json()
    results = answer.get("create") if isinstance(answer, dict) else None
    if not isinstance(results, list) or len(results) != len(level):
        raise ShopError("the shop's category batch answer has no create list")

    for (path, _), result in zip(level, results, strict=True):
        error = result.get("error") if isinstance(result, dict) else None
        if not error:
            found[path] = str(result["id"])
            log.info("category_created", path="/".join(path), shop_id=found[path])
        elif error.get("code") == "term_exists":
            found[path] = str((error.get("data") or {})["resource_id"])
        else:
            raise ShopError(
                f"category {'/'.join(path)!r} refused: {error.get('message')}",
                status=(error.get("data") or {}).get("status"),
                code=error.get("code"),
            )

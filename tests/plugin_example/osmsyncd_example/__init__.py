"""An example osmsyncd plugin: one provider and every hook.

docs/plugins.md walks through it; osmsyncd's tests install it as a
third-party distribution and load it through its entry point.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog

import osmsyncd
from osmsyncd.config import ConnectionSettings
from osmsyncd.provider import ProviderSpec
from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import ShopOrder
from osmsyncd_example.shop import MemoryShop

log = structlog.get_logger(__name__)

# What osmsyncd_run_finished heard, for whoever wants to look.
FINISHED: list[dict[str, Any]] = []


def build_shop(settings: ConnectionSettings, stop: threading.Event) -> MemoryShop:
    return MemoryShop(settings.extra.get("shop_code", "demo"))


@osmsyncd.hookimpl
def osmsyncd_providers() -> list[ProviderSpec]:
    return [
        ProviderSpec(
            name="example",
            factory=build_shop,
            keys={"shop_code": str},
            description="a shop kept in memory",
        )
    ]


@osmsyncd.hookimpl
def osmsyncd_article_fields(connection: str, article: Article) -> dict[str, Any]:
    # Shops list the short description first: fall back to the name.
    if article.short_description:
        return {}
    return {"short_description": article.name}


@osmsyncd.hookimpl
def osmsyncd_customer_fields(connection: str, customer: Customer) -> dict[str, Any]:
    return {"fiscal_code": customer.fiscal_code.strip().upper()}


@osmsyncd.hookimpl
def osmsyncd_order_fields(connection: str, order: ShopOrder) -> dict[str, Any]:
    return {"note": f"[{connection} #{order.number}] {order.note}".strip()}


@osmsyncd.hookimpl
def osmsyncd_keep_record(
    connection: str, resource: str, direction: str, record: object
) -> bool:
    # Articles whose code starts with INT- are for internal use only.
    if resource == "articles" and direction == "export":
        return not getattr(record, "code", "").startswith("INT-")
    return True


@osmsyncd.hookimpl
def osmsyncd_run_finished(summary: dict[str, Any]) -> None:
    FINISHED.append(summary)
    if summary.get("failed") or summary.get("error"):
        log.warning(
            "example_run_needs_attention",
            connection=summary["connection"],
            failed=summary.get("failed"),
            error=summary.get("error"),
        )

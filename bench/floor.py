"""The floor: the fewest requests a shop's API allows for a piece of work.

Every cycle asks the shop once for orders placed since the last one (the
order import runs before each article export). Reads of the shop's settings
(languages, taxes, order states) are not counted: they are a fixed cost,
not the work. The floor's time is those requests 8 at a time, each taking
the sandbox's latency; the 8 is fixed, whatever concurrency osmsyncd uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

IN_FLIGHT = 8
LATENCY = 0.030
ORDER_CHECK = 1


@dataclass(frozen=True)
class Work:
    """What one measured run has to do."""

    articles: int = 0
    changed: int = 0
    categories: int = 0
    orders: int = 0
    first: bool = False


def floor_requests(provider: str, work: Work) -> int:
    return {"prestashop": _prestashop, "woocommerce": _woocommerce}[provider](work)


def floor_seconds(requests: int) -> float:
    return math.ceil(requests / IN_FLIGHT) * LATENCY


def _prestashop(work: Work) -> int:
    if work.orders:
        # One list each of orders (their lines come along), customers and
        # addresses: a list request has no size limit.
        return 3
    if work.first:
        # The webservice has no batch create: one POST per product and per
        # image; all stock rows in one collection PATCH; one GET of every
        # reference (rule 1: look before creating); one POST per category.
        return 2 * work.articles + 1 + 1 + work.categories + ORDER_CHECK
    # A changed article is one PATCH of its product.
    return work.changed + ORDER_CHECK


def _woocommerce(work: Work) -> int:
    if work.orders:
        # Orders carry their customer and lines; 100 per page at most.
        return math.ceil(work.orders / 100)
    if work.first:
        # products/batch takes 100 products, stock and image URLs included;
        # one GET of the SKUs; categories in two batches (parents first).
        return math.ceil(work.articles / 100) + 1 + 2 + ORDER_CHECK
    return math.ceil(work.changed / 100) + ORDER_CHECK

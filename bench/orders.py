"""Shop orders placed before an order import, as customers would place them.

The placing is not what is measured: orders go through the shop's API from
several threads at once, so that the shop's latency costs little.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from bench.shops import Shop

IN_FLIGHT = 8
BUYERS = 96
LINES = 3


def baskets(product_ids: Sequence[int], count: int) -> list[list[tuple[int, int]]]:
    """``count`` baskets of three different products, one or two of each."""
    draw = random.Random(count)
    return [
        [(product, draw.randint(1, 2)) for product in draw.sample(product_ids, LINES)]
        for _ in range(count)
    ]


def place_orders(shop: Shop, product_ids: Sequence[int], count: int) -> int:
    """Place ``count`` paid orders from 96 customers; return how many."""
    chosen = baskets(product_ids, count)
    # One thread per share of the customers, so no customer is made twice.
    shares: list[list[tuple[int, list[tuple[int, int]]]]] = [
        [] for _ in range(IN_FLIGHT)
    ]
    for n, basket in enumerate(chosen):
        buyer = n % BUYERS
        shares[buyer % IN_FLIGHT].append((buyer, basket))
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        return sum(pool.map(lambda share: _place(shop, share), shares))


def _place(shop: Shop, share: list[tuple[int, list[tuple[int, int]]]]) -> int:
    """Place one thread's share of the orders with the shop's own shopper."""
    shopper_module = importlib.import_module(
        f"osmsyncd_{shop.provider}.sandbox.shopper"
    )
    shopper = shopper_module.Shopper(shop.url, shop.token, timeout=60)
    try:
        for buyer, basket in share:
            person = shopper_module.Buyer(
                first_name="Cliente",
                last_name="Rossi" + "abcdefghijklmnopqrstuvwxyz"[buyer % 26],
                email=f"cliente{buyer}@example.com",
            )
            shopper.place_order(basket, person)
    finally:
        shopper.close()
    return len(share)

"""Article writes overlapping up to the connection's concurrency."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from osmsyncd.provider import Outcome
from osmsyncd.provider import ProductWrite
from osmsyncd.provider import ProviderSpec
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync import RunOptions
from osmsyncd.sync import run_job
from osmsyncd.sync.articles import BATCH
from osmsyncd.sync.articles import _chunks
from tests.fakes import FakeErp
from tests.fakes import FakeHost
from tests.fakes import FakeProvider
from tests.fakes import FakeShop
from tests.fakes import fake_config


class CountingProvider(FakeProvider):
    """The fake provider, telling how many batches it writes at once."""

    def __init__(self, shop: FakeShop, concurrent: bool, meet: int = 0) -> None:
        super().__init__(shop)
        self.concurrent_writes = concurrent
        self.lock = threading.Lock()
        self.busy = 0
        self.most = 0
        self.batches: list[int] = []
        # Parties that must be writing at the same moment, when asked.
        self.meeting = threading.Barrier(meet, timeout=10) if meet else None
        self.before_write = lambda: None

    def write_products(self, writes: Sequence[ProductWrite]) -> list[Outcome]:
        with self.lock:
            self.busy += 1
            self.most = max(self.most, self.busy)
            self.batches.append(len(writes))
            meeting = self.meeting
        try:
            if meeting is not None:
                # The first batches wait for each other: sent one after
                # another they never meet, and the barrier breaks.
                meeting.wait()
                self.meeting = None
            self.before_write()
            return super().write_products(writes)
        finally:
            with self.lock:
                self.busy -= 1


class Host(FakeHost):
    def __init__(self, shop: FakeShop, provider: CountingProvider) -> None:
        super().__init__(shop)
        self.made = provider

    def provider(self, name: str) -> ProviderSpec:
        return ProviderSpec("fake", lambda settings, stop: self.made)


def catalogue(count: int) -> FakeErp:
    erp = FakeErp()
    for n in range(1, count + 1):
        erp.add_article(f"ART-{n:04d}", f"Articolo {n}", "9.90", "5")
    return erp


def export(erp, shop, provider, stop=None, **settings):
    return run_job(
        fake_config(**settings),
        "shop",
        Resource.ARTICLES,
        Direction.EXPORT,
        plugins=Host(shop, provider),
        options=RunOptions(orders_first=False),
        stop=stop,
        erp=erp,
    )


def test_batches_overlap_up_to_the_concurrency_and_each_is_bound():
    """Four batches are written at the same moment; every article once."""
    erp, shop = catalogue(250), FakeShop()
    provider = CountingProvider(shop, concurrent=True, meet=4)

    summary = export(erp, shop, provider, concurrency=4)

    assert (summary.created, summary.failed, summary.error) == (250, 0, None)
    assert provider.most == 4
    assert sorted(provider.batches) == [61, 63, 63, 63]
    assert len({p.sku for p in shop.products.values()}) == 250
    assert len(erp.bindings("shop", Resource.ARTICLES)) == 250
    again = export(erp, shop, CountingProvider(shop, concurrent=True))
    assert (again.writes, again.unchanged) == (0, 250)


def test_a_provider_that_does_not_declare_it_gets_one_batch_at_a_time():
    """Without concurrent_writes the batches go one after another."""
    erp, shop = catalogue(250), FakeShop()
    provider = CountingProvider(shop, concurrent=False)

    summary = export(erp, shop, provider, concurrency=8)

    assert summary.created == 250
    assert provider.most == 1
    assert provider.batches == [84, 84, 82]


def test_a_stop_lets_batches_in_flight_finish_and_binds_them():
    """Stopping sends no new batch, and what reached the shop is bound."""
    erp, shop = catalogue(400), FakeShop()
    stop = threading.Event()
    provider = CountingProvider(shop, concurrent=True)
    provider.before_write = stop.set

    summary = export(erp, shop, provider, stop=stop, concurrency=2)

    assert summary.error is not None and "stopping" in summary.error
    assert 0 < len(shop.products) < 400
    bound = {b.shop_id for b in erp.bindings("shop", Resource.ARTICLES).values()}
    assert bound == set(shop.products)


def test_batches_are_even_and_fill_every_worker():
    """Writes split into at most 100 a batch, in a multiple of the workers."""
    writes = list(range(1000))

    chunks = _chunks(writes, 12)  # type: ignore[arg-type]

    assert len(chunks) == 12
    assert max(len(c) for c in chunks) <= BATCH
    assert [x for c in chunks for x in c] == writes
    assert [len(c) for c in _chunks(list(range(5)), 4)] == [2, 2, 1]  # type: ignore[arg-type]


def test_writes_one_batch_request_can_carry_go_as_one_chunk():
    """Where a request takes 100 products, 20 writes are one chunk, not 12,
    and larger counts still fill every worker."""

    def sizes(count: int) -> list[int]:
        chunks = _chunks(list(range(count)), 12, per_request=100)  # type: ignore[arg-type]
        return [len(c) for c in chunks]

    assert sizes(20) == [20]
    assert sizes(150) == [75, 75]
    assert sizes(1000) == [100] * 10
    assert sizes(2000) == [84] * 23 + [68]

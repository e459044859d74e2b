"""In-memory stand-ins for OSM, a shop and the plugin host.

They keep only what the engine's rules are about: identities, stock and the
fields a sync owns, so that the engine can be driven through thousands of
random histories in seconds. The real OSM repository and the sandbox shops
are tested against the same rules elsewhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import threading
from collections import Counter
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

from osmsyncd.config import Config
from osmsyncd.config import ConnectionSettings
from osmsyncd.config import ErpSettings
from osmsyncd.erp.interface import Application
from osmsyncd.erp.interface import Applied
from osmsyncd.erp.interface import ArticleScope
from osmsyncd.erp.interface import Binding
from osmsyncd.errors import PluginError
from osmsyncd.errors import ShopError
from osmsyncd.provider import CustomerWrite
from osmsyncd.provider import Finding
from osmsyncd.provider import OrderWrite
from osmsyncd.provider import Outcome
from osmsyncd.provider import ProductWrite
from osmsyncd.provider import Provider
from osmsyncd.provider import ProviderSpec
from osmsyncd.provider import Visibility
from osmsyncd.records import Article
from osmsyncd.records import Customer
from osmsyncd.records import ErpOrder
from osmsyncd.records import ErpOrderLine
from osmsyncd.records import OrderLine
from osmsyncd.records import OrderStock
from osmsyncd.records import Page
from osmsyncd.records import Resource
from osmsyncd.records import ShopOrder
from osmsyncd.records import ShopProduct

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CENT = Decimal("0.01")
# OSM order states as the fake shop's statuses, for exported orders.
SHOP_STATUS = {
    "In attesa di conferma": "pending",
    "Accettato": "processing",
    "Evaso": "completed",
    "Annullato": "cancelled",
}


@dataclasses.dataclass
class FakeArticle:
    code: str
    name: str
    price: Decimal
    stock: Decimal
    categories: tuple[tuple[str, ...], ...] = (("Caffè",),)
    deleted: bool = False
    excluded: bool = False
    updated: int = 0


class FakeErp:
    """OSM in memory: articles with stock, imported orders, and the state."""

    def __init__(self) -> None:
        self.clock = itertools.count(1)
        self.now = 0
        self.items: dict[int, FakeArticle] = {}
        self.customers_by_email: dict[str, int] = {}
        self.imported_orders: dict[str, dict[str, Any]] = {}
        self.typed_orders: dict[int, dict[str, Any]] = {}
        self.moved: dict[tuple[str, str], Decimal] = {}
        self.movements: list[tuple[int, Decimal, str]] = []
        self.state_bindings: dict[tuple[str, str, str], Binding] = {}
        self.cursors: dict[str, str] = {}
        self.first_runs: dict[str, datetime] = {}
        self.runs: list[dict[str, Any]] = []
        self.failures: dict[tuple[str, str], int] = {}
        self.locks: set[str] = set()
        self.queries = 0
        self.writes = 0

    # -- test helpers ------------------------------------------------------

    def tick(self) -> int:
        self.now = next(self.clock)
        return self.now

    def add_article(self, code: str, name: str, price: str, stock: str) -> int:
        erp_id = len(self.items) + 2
        self.items[erp_id] = FakeArticle(
            code, name, Decimal(price), Decimal(stock), updated=self.tick()
        )
        return erp_id

    def edit(self, erp_id: int, **changes: Any) -> None:
        article = self.items[erp_id]
        for name, value in changes.items():
            setattr(article, name, value)
        article.updated = self.tick()

    def move_stock(self, erp_id: int, delta: Decimal, why: str) -> None:
        self.items[erp_id].stock += delta
        self.items[erp_id].updated = self.tick()
        self.movements.append((erp_id, delta, why))
        self.writes += 1

    def stamp(self, tick: int) -> datetime:
        return EPOCH + timedelta(seconds=tick)

    def add_order(
        self,
        email: str,
        lines: Iterable[tuple[int, int]],
        status: str = "Accettato",
        day: date | None = None,
    ) -> int:
        """A customer order typed into OSM: lines of (article id, quantity)."""
        erp_id = 1000 + len(self.typed_orders)
        self.typed_orders[erp_id] = {
            "email": email,
            "lines": list(lines),
            "status": status,
            "day": day or EPOCH.date(),
            "updated": self.tick(),
        }
        return erp_id

    def set_order_status(self, erp_id: int, status: str) -> None:
        self.typed_orders[erp_id].update(status=status, updated=self.tick())

    # -- articles ----------------------------------------------------------

    def changed_article_ids(self, since: datetime | None) -> tuple[set[int], datetime]:
        self.queries += 1
        now = self.stamp(self.tick())
        ids = {
            erp_id
            for erp_id, article in self.items.items()
            if since is None or self.stamp(article.updated) >= since
        }
        return ids, now

    def articles(
        self, scope: ArticleScope, ids: Iterable[int] | None = None
    ) -> Iterator[list[Article]]:
        self.queries += 1
        wanted = set(ids) if ids is not None else set(self.items)
        page: list[Article] = []
        for erp_id in sorted(wanted):
            article = self.items.get(erp_id)
            if article is None or article.deleted or article.excluded:
                continue
            if scope.categories and not any(
                path[0].lower() in {c.lower() for c in scope.categories}
                for path in article.categories
            ):
                continue
            page.append(
                Article(
                    erp_id=erp_id,
                    code=article.code,
                    name=article.name,
                    quantity=max(0, int(article.stock // 1)),
                    price=article.price,
                    price_gross=(article.price * Decimal("1.22")).quantize(
                        Decimal("0.01")
                    ),
                    categories=article.categories,
                )
            )
        yield page

    def apply_product(
        self,
        settings: ConnectionSettings,
        product: ShopProduct,
        image: bytes | None = None,
    ) -> Application:
        raise NotImplementedError

    # -- customers ---------------------------------------------------------

    def customers(
        self, since: datetime | None, ids: Iterable[int] | None = None
    ) -> Iterator[list[Customer]]:
        yield []

    def apply_customer(
        self, settings: ConnectionSettings, customer: Customer
    ) -> Application:
        erp_id = self._customer(customer)
        return Application(Applied.UNCHANGED, erp_id)

    def _customer(self, customer: Customer) -> int:
        key = customer.identity
        if key not in self.customers_by_email:
            self.customers_by_email[key] = len(self.customers_by_email) + 1
        return self.customers_by_email[key]

    # -- orders ------------------------------------------------------------

    def orders(
        self, since: datetime | None, ids: Iterable[int] | None = None
    ) -> Iterator[list[ErpOrder]]:
        self.queries += 1
        imported = {
            b.erp_id
            for k, b in self.state_bindings.items()
            if k[1] == str(Resource.ORDERS) and not b.exported
        }
        wanted = set(ids) if ids is not None else set(self.typed_orders)
        page: list[ErpOrder] = []
        for erp_id in sorted(wanted & set(self.typed_orders)):
            typed = self.typed_orders[erp_id]
            changed = self.stamp(typed["updated"])
            if (since is not None and changed < since) or str(erp_id) in imported:
                continue
            lines = tuple(
                ErpOrderLine(
                    article_id=article,
                    code=self.items[article].code,
                    description=self.items[article].name,
                    quantity=Decimal(quantity),
                    price=self.items[article].price,
                    total=self.items[article].price * quantity,
                    vat_rate=Decimal("22"),
                )
                for article, quantity in typed["lines"]
            )
            net = sum((line.total for line in lines), Decimal("0"))
            customer = Customer(email=typed["email"])
            page.append(
                ErpOrder(
                    erp_id=erp_id,
                    number=str(erp_id),
                    date=typed["day"],
                    customer=dataclasses.replace(
                        customer, erp_id=self._customer(customer)
                    ),
                    lines=lines,
                    total=(net * Decimal("1.22")).quantize(CENT),
                    status=typed["status"],
                    updated_at=changed,
                )
            )
        yield page

    def apply_order(
        self, settings: ConnectionSettings, order: ShopOrder
    ) -> Application:
        placed_since = self.first_runs.get(settings.name)
        key = (settings.name, str(Resource.ORDERS), order.shop_id)
        binding = next(
            (
                b
                for k, b in self.state_bindings.items()
                if k[:2] == key[:2] and b.shop_id == order.shop_id
            ),
            None,
        )
        if (binding is not None and binding.exported) or (
            binding is None and order.exported_from
        ):
            return Application(Applied.UNCHANGED)
        if binding is None and placed_since and order.placed_at < placed_since:
            return Application(Applied.SKIPPED)

        moved: dict[int, Decimal] = {}
        for line in order.lines:
            target = line.quantity - line.refunded_quantity
            if order.stock is not OrderStock.SOLD:
                target = Decimal("0")
            done = self.moved.get((order.shop_id, line.shop_line_id), Decimal("0"))
            erp_id = self._article_for(settings.name, line)
            if erp_id is None or target == done:
                continue
            self.move_stock(erp_id, done - target, f"order {order.number}")
            self.moved[(order.shop_id, line.shop_line_id)] = target
            moved[erp_id] = moved.get(erp_id, Decimal("0")) + done - target

        state = (order.status, order.stock.value)
        if binding is None:
            self._customer(order.customer)
            erp_id = str(len(self.imported_orders) + 1)
            self.imported_orders[erp_id] = {"shop_id": order.shop_id, "state": state}
            stamp = self.order_fingerprint(settings, order)
            self.save_bindings(
                [Binding(settings.name, Resource.ORDERS, erp_id, order.shop_id, stamp)]
            )
            self.writes += 1
            return Application(Applied.CREATED, int(erp_id), len(moved), moves=moved)
        if self.imported_orders[binding.erp_id]["state"] == state and not moved:
            return Application(Applied.UNCHANGED, int(binding.erp_id))
        self.imported_orders[binding.erp_id]["state"] = state
        binding.hash = self.order_fingerprint(settings, order)
        self.save_bindings([binding])
        self.writes += 1
        return Application(
            Applied.UPDATED, int(binding.erp_id), len(moved), moves=moved
        )

    def order_fingerprint(self, settings: ConnectionSettings, order: ShopOrder) -> str:
        return repr((order.status, order.stock.value))

    def _article_for(self, connection: str, line: OrderLine) -> int | None:
        for (conn, resource, erp_id), binding in self.state_bindings.items():
            if (
                conn == connection
                and resource == str(Resource.ARTICLES)
                and binding.shop_id == line.product_shop_id
            ):
                return int(erp_id)
        for erp_id, article in self.items.items():
            if line.sku and article.code == line.sku:
                return erp_id
        return None

    # -- state -------------------------------------------------------------

    def bindings(self, connection: str, resource: Resource) -> dict[str, Binding]:
        self.queries += 1
        return {
            k[2]: dataclasses.replace(b, values=dict(b.values))
            for k, b in self.state_bindings.items()
            if k[0] == connection and k[1] == str(resource)
        }

    def save_bindings(self, bindings: Iterable[Binding]) -> None:
        for binding in bindings:
            for key, other in list(self.state_bindings.items()):
                if (
                    key[:2] == (binding.connection, str(binding.resource))
                    and other.shop_id == binding.shop_id
                    and key[2] != binding.erp_id
                ):
                    raise AssertionError(f"shop id {binding.shop_id} bound twice")
            key = (binding.connection, str(binding.resource), binding.erp_id)
            self.state_bindings[key] = dataclasses.replace(
                binding, values=dict(binding.values)
            )

    def drop_binding(self, connection: str, resource: Resource, erp_id: str) -> None:
        self.state_bindings.pop((connection, str(resource), erp_id), None)

    def cursor(self, job: str) -> str | None:
        return self.cursors.get(job)

    def set_cursor(self, job: str, value: str) -> None:
        self.cursors[job] = value

    def first_run_at(self, connection: str) -> datetime | None:
        return self.first_runs.get(connection)

    def mark_first_run(self, connection: str, at: datetime) -> None:
        self.first_runs.setdefault(connection, EPOCH)

    def record_run(self, summary: dict[str, Any]) -> None:
        self.runs.append(summary)

    def last_runs(self) -> list[dict[str, Any]]:
        newest: dict[str, dict[str, Any]] = {}
        for run in self.runs:
            newest[f"{run['connection']}:{run['resource']}:{run['direction']}"] = run
        return list(newest.values())

    def record_failures(
        self, job: str, failed: dict[str, str], succeeded: Iterable[str]
    ) -> list[str]:
        for key in succeeded:
            self.failures.pop((job, key), None)
        stuck = []
        for key in failed:
            self.failures[(job, key)] = self.failures.get((job, key), 0) + 1
            if self.failures[(job, key)] == 5:
                stuck.append(key)
        return stuck

    def failing_records(self, threshold: int = 5) -> list[dict[str, Any]]:
        return [
            {"job": job, "record": key, "count": count}
            for (job, key), count in self.failures.items()
            if count >= threshold
        ]

    @contextlib.contextmanager
    def job_guard(self, job: str) -> Iterator[bool]:
        if job in self.locks:
            yield False
            return
        self.locks.add(job)
        try:
            yield True
        finally:
            self.locks.discard(job)


@dataclasses.dataclass
class FakeProduct:
    shop_id: str
    sku: str
    name: str
    price: Decimal
    quantity: int
    visible: bool = True
    categories: tuple[str, ...] = ()
    images: dict[str, str] = dataclasses.field(default_factory=dict)


class FakeShop:
    """A shop in memory: products with stock, orders that move it."""

    def __init__(self) -> None:
        self.products: dict[str, FakeProduct] = {}
        self.categories: dict[tuple[str, ...], str] = {}
        self.orders: dict[str, ShopOrder] = {}
        self.order_updates: dict[str, int] = {}
        self.ids = itertools.count(100)
        self.clock = itertools.count(1)
        self.lose_next_answers = 0
        self.writes = Counter[str]()
        self.uploads = 0
        self.lock = threading.Lock()

    def new_id(self) -> str:
        return str(next(self.ids))

    def sell(self, sku: str, quantity: int, paid: bool = True) -> str:
        product = next(p for p in self.products.values() if p.sku == sku)
        shop_id = self.new_id()
        line = OrderLine(
            shop_line_id=f"{shop_id}-1",
            name=product.name,
            quantity=Decimal(quantity),
            total=product.price * quantity,
            total_tax=(product.price * quantity * Decimal("0.22")).quantize(
                Decimal("0.01")
            ),
            sku=sku,
            product_shop_id=product.shop_id,
        )
        stock = OrderStock.SOLD if paid else OrderStock.NONE
        if paid:
            product.quantity -= quantity
        tick = next(self.clock)
        self.orders[shop_id] = ShopOrder(
            shop_id=shop_id,
            number=f"#{shop_id}",
            placed_at=EPOCH + timedelta(days=1, seconds=tick),
            updated_at=EPOCH + timedelta(days=1, seconds=tick),
            status="processing" if paid else "pending",
            stock=stock,
            customer=Customer(email=f"buyer{shop_id}@example.com"),
            lines=(line,),
            total=line.total + line.total_tax,
        )
        self.order_updates[shop_id] = tick
        return shop_id

    def cancel(self, shop_id: str) -> None:
        order = self.orders[shop_id]
        if order.stock is OrderStock.SOLD:
            for line in order.lines:
                product = self.products[str(line.product_shop_id)]
                product.quantity += int(line.quantity)
        tick = next(self.clock)
        self.orders[shop_id] = dataclasses.replace(
            order,
            status="cancelled",
            stock=OrderStock.RESTOCKED
            if order.stock is OrderStock.SOLD
            else OrderStock.NONE,
            updated_at=EPOCH + timedelta(days=1, seconds=tick),
        )
        self.order_updates[shop_id] = tick

    def place(self, write: OrderWrite, status: str) -> str:
        """An order osmsyncd exported from OSM, marked with its OSM id."""
        shop_id = self.new_id()
        lines = []
        for position, line in enumerate(write.order.lines, start=1):
            product = self.products[write.products[line.article_id or 0]]
            lines.append(
                OrderLine(
                    shop_line_id=f"{shop_id}-{position}",
                    name=product.name,
                    quantity=line.quantity,
                    total=line.total,
                    total_tax=(line.total * Decimal("0.22")).quantize(CENT),
                    sku=product.sku,
                    product_shop_id=product.shop_id,
                )
            )
        tick = next(self.clock)
        self.orders[shop_id] = ShopOrder(
            shop_id=shop_id,
            number=f"#{shop_id}",
            placed_at=EPOCH + timedelta(days=1, seconds=tick),
            updated_at=EPOCH + timedelta(days=1, seconds=tick),
            status="pending",
            stock=OrderStock.NONE,
            customer=Customer(email=write.order.customer.email),
            lines=tuple(lines),
            total=write.order.total,
            exported_from=str(write.order.erp_id),
        )
        self.order_updates[shop_id] = tick
        self.set_status(shop_id, status)
        return shop_id

    def set_status(self, shop_id: str, status: str) -> None:
        """Move an order on, lowering stock for a sale as WooCommerce does."""
        order = self.orders[shop_id]
        if status == "cancelled":
            self.cancel(shop_id)
            return
        stock = order.stock
        if status in ("processing", "completed") and stock is not OrderStock.SOLD:
            for line in order.lines:
                self.products[str(line.product_shop_id)].quantity -= int(line.quantity)
            stock = OrderStock.SOLD
        tick = next(self.clock)
        self.orders[shop_id] = dataclasses.replace(
            order,
            status=status,
            stock=stock,
            updated_at=EPOCH + timedelta(days=1, seconds=tick),
        )
        self.order_updates[shop_id] = tick

    def live_sold(self, sku: str) -> int:
        return sum(
            int(line.quantity)
            for order in self.orders.values()
            if order.stock is OrderStock.SOLD
            for line in order.lines
            if line.sku == sku
        )


class FakeProvider(Provider):
    """The provider for :class:`FakeShop`, one request per record written."""

    name = "fake"

    def __init__(self, shop: FakeShop) -> None:
        super().__init__()
        self.shop = shop

    def _answer(self) -> None:
        """Lose the answer of a write that the shop did apply."""
        if self.shop.lose_next_answers > 0:
            self.shop.lose_next_answers -= 1
            raise ShopError("connection reset after the write", transient=True)

    def probe(self) -> list[Finding]:
        return [Finding(True, "fake shop")]

    def ensure_categories(
        self, paths: Sequence[tuple[str, ...]], known: Mapping[tuple[str, ...], str]
    ) -> dict[tuple[str, ...], str]:
        result = dict(known)
        for path in paths:
            if path not in self.shop.categories:
                self.requests["POST"] += 1
                self.shop.categories[path] = self.shop.new_id()
            result[path] = self.shop.categories[path]
        return result

    def find_products(self, skus: Sequence[str]) -> dict[str, str]:
        self.requests["GET"] += 1
        wanted = {sku.lower(): sku for sku in skus}
        return {
            wanted[p.sku.lower()]: p.shop_id
            for p in self.shop.products.values()
            if p.sku.lower() in wanted
        }

    def write_products(self, writes: Sequence[ProductWrite]) -> list[Outcome]:
        outcomes = []
        for write in writes:
            article = write.article
            key = str(article.erp_id)
            if "#" in article.name:
                self.requests["POST"] += 1
                outcomes.append(Outcome(key, error="name: invalid character #"))
                continue
            if write.shop_id is None:
                if any(
                    p.sku.lower() == article.code.lower()
                    for p in self.shop.products.values()
                ):
                    outcomes.append(Outcome(key, error="duplicate SKU"))
                    continue
                self.requests["POST"] += 1
                product = FakeProduct(
                    self.shop.new_id(), article.code, article.name, article.price, 0
                )
                self.shop.products[product.shop_id] = product
            else:
                self.requests["PUT"] += 1
                product = self.shop.products[write.shop_id]
            product.name = article.name
            product.price = article.price
            product.quantity = article.quantity
            product.categories = tuple(write.category_ids)
            if write.visibility is not Visibility.KEEP:
                product.visible = write.visibility is Visibility.SHOW
            for image in article.images:
                if image.sha256 not in write.images:
                    self.shop.uploads += 1
                product.images[image.sha256] = write.images.get(
                    image.sha256, self.shop.new_id()
                )
            self.shop.writes["product"] += 1
            self._answer()
            outcomes.append(Outcome(key, product.shop_id, images=dict(product.images)))
        return outcomes

    def set_visibility(self, changes: Sequence[tuple[str, bool]]) -> list[Outcome]:
        outcomes = []
        for shop_id, visible in changes:
            self.requests["PUT"] += 1
            self.shop.products[shop_id].visible = visible
            self.shop.writes["visibility"] += 1
            self._answer()
            outcomes.append(Outcome(shop_id, shop_id))
        return outcomes

    def changed_products(self, cursor: str | None) -> Iterator[Page[ShopProduct]]:
        yield Page([], cursor)

    def find_customers(self, emails: Sequence[str]) -> dict[str, str]:
        return {}

    def write_customers(self, writes: Sequence[CustomerWrite]) -> list[Outcome]:
        return []

    def changed_customers(self, cursor: str | None) -> Iterator[Page[Customer]]:
        yield Page([], cursor)

    def write_orders(self, orders: Sequence[Any]) -> list[Outcome]:
        outcomes = []
        for write in orders:
            key = str(write.order.erp_id)
            status = SHOP_STATUS.get(write.order.status, "processing")
            if write.shop_id is None:
                self.requests["POST"] += 1
                shop_id = self.shop.place(write, status)
            else:
                self.requests["PUT"] += 1
                shop_id = write.shop_id
                if self.shop.orders[shop_id].status != status:
                    self.shop.set_status(shop_id, status)
            self.shop.writes["order"] += 1
            self._answer()
            outcomes.append(Outcome(key, shop_id))
        return outcomes

    def find_orders(self, erp_ids: Sequence[str], since: datetime) -> dict[str, str]:
        self.requests["GET"] += 1
        wanted = set(erp_ids)
        return {
            order.exported_from: shop_id
            for shop_id, order in self.shop.orders.items()
            if order.exported_from in wanted
        }

    def changed_orders(
        self, cursor: str | None, placed_since: datetime
    ) -> Iterator[Page[ShopOrder]]:
        self.requests["GET"] += 1
        after = int(cursor) if cursor else 0
        changed = sorted(
            (tick, shop_id)
            for shop_id, tick in self.shop.order_updates.items()
            if tick > after
        )
        orders = [self.shop.orders[shop_id] for _, shop_id in changed]
        newest = str(changed[-1][0]) if changed else cursor
        yield Page(orders, newest)


class FakeHost:
    """The plugin host with no plugins but the fake provider."""

    def __init__(self, shop: FakeShop) -> None:
        self.shop = shop
        self.finished: list[dict[str, Any]] = []

    def provider(self, name: str) -> ProviderSpec:
        if name != "fake":
            raise PluginError(f"no provider {name}")
        return ProviderSpec("fake", lambda settings, stop: FakeProvider(self.shop))

    def article_fields(self, connection: str, article: Article) -> Article:
        return article

    def customer_fields(self, connection: str, customer: Customer) -> Customer:
        return customer

    def order_fields(self, connection: str, order: ShopOrder) -> ShopOrder:
        return order

    def keep_record(
        self, connection: str, resource: str, direction: str, record: object
    ) -> bool:
        return True

    def run_finished(self, summary: dict[str, Any]) -> None:
        self.finished.append(summary)


def fake_config(**settings: Any) -> Config:
    connection = ConnectionSettings(
        name="shop",
        provider="fake",
        url="http://127.0.0.1:1",
        token="secret-token",
        import_=frozenset({Resource.ORDERS}),
        export=frozenset({Resource.ARTICLES}),
        **settings,
    )
    return Config(erp=ErpSettings(url="sqlite://"), connections={"shop": connection})

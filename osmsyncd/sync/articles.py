"""Article export: OSM articles out to the shop's products."""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait
from datetime import datetime
from typing import Any

import structlog

from osmsyncd.erp.interface import ArticleScope
from osmsyncd.erp.interface import Binding
from osmsyncd.errors import ErpError
from osmsyncd.errors import ShopError
from osmsyncd.provider import Outcome
from osmsyncd.provider import ProductWrite
from osmsyncd.provider import Visibility
from osmsyncd.records import Article
from osmsyncd.records import Direction
from osmsyncd.records import Resource
from osmsyncd.sync.plan import HIDDEN_BY_US
from osmsyncd.sync.plan import QUANTITY
from osmsyncd.sync.plan import Act
from osmsyncd.sync.plan import Action
from osmsyncd.sync.plan import plan_articles
from osmsyncd.sync.runner import Context

log = structlog.get_logger(__name__)

BATCH = 100
EVENTS = {
    Act.CREATE: "product_created",
    Act.UPDATE: "product_updated",
    Act.HIDE: "product_hidden",
    Act.SHOW: "product_shown",
}


def export_articles(ctx: Context) -> None:
    """Bring the shop's products in line with the articles in scope."""
    settings = ctx.settings
    scope = ArticleScope.of(settings)
    bindings = ctx.erp.bindings(ctx.connection, Resource.ARTICLES)
    scope_key = _scope_key(scope, settings.disable_zero_quantity)

    ids, checked, next_cursor = _select(ctx, bindings, scope_key)
    articles = _load(ctx, scope, ids)

    paths = sorted({path for article in articles for path in article.categories})
    categories = _categories(ctx, paths)
    category_ids = {
        str(article.erp_id): tuple(
            categories[path] for path in article.categories if path in categories
        )
        for article in articles
    }
    plan = plan_articles(
        articles,
        bindings,
        checked=checked,
        category_ids=category_ids,
        disable_zero_quantity=settings.disable_zero_quantity,
        full=ctx.options.full,
    )
    plan = _refuse_duplicate_codes(ctx, plan)

    # Bound articles the cursor did not bring back are in step with the
    # shop since the last run; they count as unchanged without being read.
    ctx.summary.unchanged += len(set(bindings) - checked)

    if ctx.options.dry_run:
        for action in plan:
            ctx.count(action.counted_as)
            if action.act is not Act.SKIP:
                ctx.summary.plan.append(action.describe())
        return

    _execute(ctx, plan, category_ids)
    if next_cursor is not None:
        ctx.erp.set_cursor(ctx.job, next_cursor)


def _scope_key(scope: ArticleScope, disable_zero_quantity: bool) -> str:
    text = json.dumps(
        [
            sorted(name.lower() for name in scope.categories),
            scope.only_with_photo,
            sorted(scope.warehouses),
            disable_zero_quantity,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _select(
    ctx: Context, bindings: dict[str, Binding], scope_key: str
) -> tuple[set[int] | None, set[str], str | None]:
    """Which articles this run looks at, and the cursor to store after it.

    A changed scope (categories, photos, warehouses) or ``--full`` looks at
    every article, so that those leaving the scope are hidden too. Records
    that failed last time are looked at again whatever the cursor says.
    """
    if ctx.options.record is not None:
        erp_id = _record_id(ctx.options.record, bindings)
        return {erp_id}, {str(erp_id)}, None

    stored = _parse_cursor(ctx.erp.cursor(ctx.job))
    since = None
    if stored and stored.get("scope") == scope_key and not ctx.options.full:
        since = datetime.fromisoformat(str(stored["at"]))

    changed, db_now = ctx.erp.changed_article_ids(since)
    retry = _failing_ids(ctx) | _unsettled_ids(bindings)
    cursor = json.dumps({"at": db_now.isoformat(), "scope": scope_key})
    if since is None:
        checked = {str(i) for i in changed} | set(bindings)
        return None, checked, cursor
    ids = set(changed) | retry | _quantity_unknown(bindings)
    return ids, {str(i) for i in ids}, cursor


def _quantity_unknown(bindings: dict[str, Binding]) -> set[int]:
    """Products whose shop quantity moved by itself (an exported order's sale),
    unchanged in OSM since: their quantity is pushed again."""
    return {
        int(key)
        for key, binding in bindings.items()
        if key.isdigit()
        and QUANTITY in binding.values
        and binding.values[QUANTITY] is None
    }


def _record_id(record: str, bindings: dict[str, Binding]) -> int:
    by_shop = {b.shop_id: key for key, b in bindings.items()}
    if record in by_shop:
        return int(by_shop[record])
    if record.isdigit():
        return int(record)
    raise ErpError(
        f"--record {record!r} is neither an OSM article id nor a bound shop id"
    )


def _parse_cursor(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _unsettled_ids(bindings: dict[str, Binding]) -> set[int]:
    """Bound articles whose last write did not settle, whatever the cursor says.

    Their binding holds no fingerprint: an image the shop did not take, or
    a write whose answer was lost. Unless OSM changes them they would never
    be looked at again, and the shop would stay without the image.
    """
    return {int(key) for key, b in bindings.items() if not b.hash and key.isdigit()}


def _failing_ids(ctx: Context) -> set[int]:
    ids: set[int] = set()
    for row in ctx.erp.failing_records(threshold=1):
        key = str(row.get("record", ""))
        if row.get("job") == ctx.job and key.isdigit():
            ids.add(int(key))
    return ids


def _load(ctx: Context, scope: ArticleScope, ids: set[int] | None) -> list[Article]:
    if ids is not None and not ids:
        return []
    kept: list[Article] = []
    for page in ctx.erp.articles(scope, ids):
        for article in page:
            article = ctx.plugins.article_fields(ctx.connection, article)
            if ctx.plugins.keep_record(
                ctx.connection, str(Resource.ARTICLES), str(Direction.EXPORT), article
            ):
                kept.append(article)
        ctx.check_stop()
    return kept


def _categories(
    ctx: Context, paths: Sequence[tuple[str, ...]]
) -> dict[tuple[str, ...], str]:
    """Shop ids of the category paths, creating the missing ones."""
    key = f"{ctx.connection}:categories"
    stored = _parse_cursor(ctx.erp.cursor(key)) or {}
    known = {tuple(json.loads(k)): str(v) for k, v in stored.items()}
    missing = [path for path in paths if path not in known]
    if not missing:
        return known
    if ctx.options.dry_run:
        return {**known, **{path: f"new:{'/'.join(path)}" for path in missing}}

    found = ctx.provider.ensure_categories(paths, known)
    merged = {**known, **found}
    ctx.erp.set_cursor(
        key,
        json.dumps(
            {json.dumps(list(p), ensure_ascii=False): v for p, v in merged.items()}
        ),
    )
    return merged


def _refuse_duplicate_codes(ctx: Context, plan: list[Action]) -> list[Action]:
    """Keep one article per code: a shop SKU can belong to one product only."""
    owners: dict[str, str] = {}
    for action in plan:
        if action.binding is not None and action.code:
            owners.setdefault(action.code.lower(), action.erp_id)

    kept: list[Action] = []
    for action in plan:
        code = action.code.lower()
        if action.act is Act.CREATE and code:
            owner = owners.setdefault(code, action.erp_id)
            if owner != action.erp_id:
                ctx.fail(
                    action.erp_id,
                    f"code {action.code!r} is also used by OSM article {owner}; "
                    "give each article its own code",
                )
                continue
        kept.append(action)
    return kept


def _execute(
    ctx: Context, plan: list[Action], category_ids: dict[str, tuple[str, ...]]
) -> None:
    writes = [a for a in plan if a.act is not Act.SKIP and a.article is not None]
    departures = [a for a in plan if a.act is Act.HIDE and a.article is None]

    for action in plan:
        if action.act is Act.SKIP:
            ctx.count("unchanged")
            ctx.summary.succeeded.append(action.erp_id)

    if departures:
        _hide_departures(ctx, departures)
    if not writes:
        return

    bound: set[str] = set()
    if any(a.binding is None for a in writes):
        bindings = ctx.erp.bindings(ctx.connection, Resource.ARTICLES)
        bound = {b.shop_id for b in bindings.values()}
    workers = _workers(ctx)
    chunks = _chunks(writes, workers, ctx.provider.products_per_request)

    def write(chunk: list[Action]) -> tuple[list[Outcome], dict[str, str]]:
        adopted = _adoptions(ctx, chunk, bound)
        requests = [
            _product_write(action, adopted.get(action.erp_id), category_ids)
            for action in chunk
        ]
        return ctx.provider.write_products(requests), adopted

    # Chunks overlap up to the connection's concurrency, so the shop's
    # latency is paid once per wave, not once per request; each chunk's
    # bindings are saved here, on this thread, as soon as its writes answer.
    abort: ShopError | None = None
    with ThreadPoolExecutor(workers, thread_name_prefix="osmsyncd-write") as pool:
        pending: dict[Future[tuple[list[Outcome], dict[str, str]]], list[Action]] = {}
        queue = iter(chunks)
        sent = finished = 0
        ctx.progress(0, len(writes))
        while True:
            while (
                abort is None
                and not ctx.stop.is_set()
                and len(pending) < workers
                and (chunk := next(queue, None)) is not None
            ):
                _mark_pending(ctx, chunk)
                # Workers log with the run's context (connection, run id).
                context = contextvars.copy_context()
                pending[pool.submit(context.run, write, chunk)] = chunk
                sent += 1
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = pending.pop(future)
                finished += len(chunk)
                ctx.progress(finished, len(writes))
                try:
                    outcomes, adopted = future.result()
                except ShopError as exc:
                    if exc.transient and not ctx.summary.succeeded:
                        abort = abort or exc
                        continue
                    for action in chunk:
                        ctx.fail(action.erp_id, str(exc))
                    continue
                _bind(ctx, chunk, outcomes, adopted)
    if abort is not None:
        raise abort
    if sent < len(chunks):
        ctx.check_stop()


def _workers(ctx: Context) -> int:
    if not ctx.provider.concurrent_writes:
        return 1
    return max(1, ctx.settings.concurrency)


def _mark_pending(ctx: Context, chunk: list[Action]) -> None:
    """Forget what the shop holds before writing it.

    A write the shop applies without its answer reaching us leaves the shop
    in an unknown state; an emptied fingerprint makes the next run send the
    product again instead of trusting a stale one.
    """
    pending = []
    for action in chunk:
        if action.binding is not None and action.binding.hash:
            binding = Binding(
                action.binding.connection,
                action.binding.resource,
                action.binding.erp_id,
                action.binding.shop_id,
                "",
                dict(action.binding.values),
            )
            pending.append(binding)
    if pending:
        ctx.erp.save_bindings(pending)


def _chunks(
    writes: list[Action], workers: int, per_request: int = 1
) -> list[list[Action]]:
    """Batches of at most ``BATCH``, in a multiple of ``workers`` of even size.

    Even chunks finish together, so the last wave keeps every worker busy;
    a handful of writes is spread over the workers instead of one batch,
    unless fewer requests than workers would carry them all.
    """
    requests = -(-len(writes) // max(1, per_request))
    if requests < workers:
        count = max(1, requests)
    else:
        count = workers * -(-len(writes) // (workers * BATCH))
    size = max(1, -(-len(writes) // count))
    return [writes[start : start + size] for start in range(0, len(writes), size)]


def _adoptions(ctx: Context, chunk: list[Action], bound: set[str]) -> dict[str, str]:
    """Shop products that already carry the SKU of an article to create.

    Looked up chunk by chunk, right before the chunk's writes, so that the
    answer is fresh when the create goes out.
    """
    creates = [a for a in chunk if a.binding is None and a.code]
    if not creates:
        return {}
    found = ctx.provider.find_products([a.code for a in creates])
    by_code = {sku.lower(): shop_id for sku, shop_id in found.items()}
    adopted: dict[str, str] = {}
    for action in creates:
        shop_id = by_code.get(action.code.lower())
        if shop_id is None:
            continue
        if shop_id in bound:
            continue
        adopted[action.erp_id] = shop_id
        log.info(
            "product_adopted", code=action.code, erp_id=action.erp_id, shop_id=shop_id
        )
    return adopted


def _product_write(
    action: Action,
    adopted_id: str | None,
    category_ids: dict[str, tuple[str, ...]],
) -> ProductWrite:
    assert action.article is not None
    images: dict[str, str] = {}
    shop_id = adopted_id
    if action.binding is not None:
        shop_id = action.binding.shop_id
        images = dict(action.binding.values.get("images", {}))
    return ProductWrite(
        article=action.article,
        shop_id=shop_id,
        visibility=action.visibility,
        images=images,
        category_ids=category_ids.get(action.erp_id, ()),
    )


def _bind(
    ctx: Context,
    chunk: list[Action],
    outcomes: list[Outcome],
    adopted: dict[str, str],
) -> None:
    by_key = {outcome.key: outcome for outcome in outcomes}
    bindings: list[Binding] = []
    for action in chunk:
        outcome = by_key.get(action.erp_id)
        if outcome is None:
            ctx.fail(action.erp_id, "the shop gave no answer for this article")
            continue
        if not outcome.ok or outcome.shop_id is None:
            ctx.fail(action.erp_id, outcome.error or "no shop id returned")
            continue
        for warning in outcome.warnings:
            log.warning("product_warning", code=action.code, warning=warning)

        bindings.append(_binding_after(ctx, action, outcome))
        ctx.summary.succeeded.append(action.erp_id)
        counter = action.counted_as
        if action.act is Act.CREATE and (outcome.adopted or action.erp_id in adopted):
            counter = "updated"
        ctx.count(counter)
        log.info(
            EVENTS[action.act],
            code=action.code,
            shop_id=outcome.shop_id,
        )
    ctx.erp.save_bindings(bindings)


def _binding_after(ctx: Context, action: Action, outcome: Outcome) -> Binding:
    assert action.article is not None and outcome.shop_id is not None
    values: dict[str, Any] = {}
    if action.binding is not None:
        values.update(action.binding.values)
    values["code"] = action.article.code
    values[QUANTITY] = action.article.quantity
    values["images"] = dict(outcome.images)
    if action.visibility is Visibility.HIDE:
        values[HIDDEN_BY_US] = True
    elif action.visibility is Visibility.SHOW:
        values[HIDDEN_BY_US] = False

    # An image the shop could not take is left out of the fingerprint's
    # effect: the next run sees a different hash and tries again.
    stamp = action.fingerprint
    if outcome.warnings and len(outcome.images) < len(action.article.images):
        stamp = ""
    return Binding(
        ctx.connection,
        Resource.ARTICLES,
        action.erp_id,
        outcome.shop_id,
        stamp,
        values,
    )


def _hide_departures(ctx: Context, departures: list[Action]) -> None:
    changes = [(a.binding.shop_id, False) for a in departures if a.binding]
    outcomes = {o.key: o for o in ctx.provider.set_visibility(changes)}
    bindings: list[Binding] = []
    for action in departures:
        assert action.binding is not None
        outcome = outcomes.get(action.binding.shop_id)
        if outcome is None or not outcome.ok:
            reason = outcome.error if outcome else "the shop gave no answer"
            ctx.fail(action.erp_id, reason or "hide failed")
            continue
        binding = action.binding
        binding.values[HIDDEN_BY_US] = True
        bindings.append(binding)
        ctx.count("hidden")
        ctx.summary.succeeded.append(action.erp_id)
        log.info(
            "product_hidden",
            code=action.code,
            shop_id=binding.shop_id,
            reason=action.reason,
        )
    ctx.erp.save_bindings(bindings)

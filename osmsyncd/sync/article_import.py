"""Article import: the shop's products into OSM articles."""

from __future__ import annotations

from collections.abc import Iterable

import structlog

from osmsyncd.errors import ShopError
from osmsyncd.records import Resource
from osmsyncd.records import ShopProduct
from osmsyncd.sync.runner import Context

log = structlog.get_logger(__name__)


def import_articles(ctx: Context) -> None:
    """Create or update OSM articles from the shop's products."""
    cursor = None if ctx.options.full else ctx.erp.cursor(ctx.job)
    bindings = ctx.erp.bindings(ctx.connection, Resource.ARTICLES)
    bound_shop_ids = {b.shop_id for b in bindings.values()}
    exported = Resource.ARTICLES in ctx.settings.export

    def handle(product: ShopProduct) -> bool:
        bound = product.shop_id in bound_shop_ids
        if ctx.options.dry_run:
            ctx.count("updated" if bound else "created")
            ctx.summary.plan.append(
                {"action": "import", "shop_id": product.shop_id, "sku": product.sku}
            )
            return True
        if exported and bound and ctx.settings.conflict == "erp":
            # OSM owns the data of articles it exports: the export run puts
            # the shop back in line instead.
            ctx.count("unchanged")
            return True
        image = _image(ctx, product.image_urls)
        applied = ctx.write_erp(
            product.shop_id,
            lambda: ctx.erp.apply_product(ctx.settings, product, image),
        )
        if applied is None:
            return False
        ctx.applied(applied.applied, product.shop_id)
        return True

    ctx.import_feed(ctx.provider.changed_products(cursor), lambda p: p.shop_id, handle)


def _image(ctx: Context, urls: Iterable[str]) -> bytes | None:
    if not ctx.settings.local_images:
        return None
    for url in urls:
        try:
            return ctx.provider.fetch_image(url)
        except (ShopError, NotImplementedError) as exc:
            log.warning("image_not_fetched", url=url, reason=str(exc))
            return None
    return None

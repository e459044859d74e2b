"""Products out to WooCommerce: lookups, batches, adoption and images.

Creates and updates travel together in ``/products/batch`` requests of up
to 100 items; while the shop must download images by ``src`` the batches
start at 10 and grow as fast as the shop answers (``DownloadPace``); a batch
that times out is sent again in halves, its creates first looked up by SKU
because the shop may have applied them. A SKU the shop already holds is
adopted, from the trash too (BR-07); an image the shop cannot fetch leaves
the product written without images and a warning (BR-17); an image whose
sha256 is known is referred to by id, never uploaded again (BR-16).
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import quote

import structlog

from osmsyncd.config import ConnectionSettings
from osmsyncd.errors import ShopError
from osmsyncd.errors import ShopUnavailable
from osmsyncd.provider import Outcome
from osmsyncd.provider import ProductWrite
from osmsyncd.provider import Visibility
from osmsyncd.records import Image
from osmsyncd_woocommerce.client import WooClient
from osmsyncd_woocommerce.mapping import ShopFacts
from osmsyncd_woocommerce.mapping import ascii_filename
from osmsyncd_woocommerce.mapping import image_url
from osmsyncd_woocommerce.mapping import product_payload

log = structlog.get_logger(__name__)

BATCH = 100
BATCH_WITH_DOWNLOADS = 10
SKU_CHUNK = 100
# Some hosts refuse request lines over 4 or 8 KB; the OAuth query adds ~300.
SKU_QUERY_CHARS = 2000
ROUNDS = 4
IMAGE_ERRORS = frozenset(
    {
        "woocommerce_product_image_upload_error",
        "woocommerce_rest_invalid_remote_image_url",
        "woocommerce_rest_invalid_image",
        "woocommerce_product_invalid_image_id",
    }
)


class DownloadPace:
    """How many products with images by URL one batch carries.

    A real shop downloads and resizes each such image before it answers, and
    a batch of 100 can outlast PHP's time limit on a small host, while a quick
    shop would be held back by 10. Shared by every batch of a connection: the
    size doubles after a full batch answered within a quarter of the timeout,
    up to the API's 100, and halves after one that timed out.
    """

    def __init__(self, timeout: float) -> None:
        self.size = BATCH_WITH_DOWNLOADS
        self.timeout = timeout
        self._lock = threading.Lock()

    def answered(self, sent: int, seconds: float) -> None:
        with self._lock:
            if sent >= self.size and seconds < self.timeout / 4:
                self.size = min(BATCH, self.size * 2)
                log.debug("image_batch_grown", size=self.size, seconds=seconds)

    def timed_out(self, sent: int) -> None:
        with self._lock:
            self.size = max(1, min(self.size, sent // 2))


def find_by_sku(
    client: WooClient, skus: Sequence[str], trashed: set[str] | None = None
) -> dict[str, str]:
    """Shop ids of the products holding these SKUs, trashed ones included.

    A live product wins over a trashed one; SKUs compare without case, as
    the shop compares them. Keys are the SKUs as given. The ids found in the
    trash are added to ``trashed``, so that writing them restores them.
    """
    wanted = {sku.lower(): sku for sku in skus if sku and "," not in sku}
    found: dict[str, str] = {}
    names = list(wanted)
    for status in ("any", "trash"):
        for group in _sku_groups([wanted[n] for n in names if n not in found]):
            params = {"sku": ",".join(group), "status": status, "_fields": "id,sku"}
            for page in client.pages("products", params):
                for item in page:
                    key = str(item.get("sku") or "").lower()
                    if key in wanted and key not in found:
                        found[key] = str(item["id"])
                        if status == "trash" and trashed is not None:
                            trashed.add(str(item["id"]))
    return {wanted[key]: shop_id for key, shop_id in found.items()}


def _sku_groups(skus: list[str]) -> Iterator[list[str]]:
    """SKUs in groups one lookup can carry: a page's 100, in a short URL."""
    group: list[str] = []
    length = 0
    for sku in skus:
        size = len(quote(sku, safe="")) + 3  # and the comma, quoted
        if group and (len(group) == SKU_CHUNK or length + size > SKU_QUERY_CHARS):
            yield group
            group, length = [], 0
        group.append(sku)
        length += size
    if group:
        yield group


@dataclass
class _Item:
    """One product on its way through the batch rounds."""

    write: ProductWrite
    payload: dict[str, Any]
    shop_id: str | None
    images: dict[str, str]
    pending: list[tuple[int, Image]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    adopted: bool = False
    tries: int = 0
    done: Outcome | None = None

    @property
    def key(self) -> str:
        return str(self.write.article.erp_id)


class ProductWriter:
    """Writes one call's worth of products, in as few requests as it can."""

    def __init__(
        self,
        client: WooClient,
        settings: ConnectionSettings,
        facts: ShopFacts,
        trashed: set[str],
        pace: DownloadPace | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.facts = facts
        self.trashed = trashed
        self.pace = pace or DownloadPace(settings.timeout)
        self.batch_size = BATCH

    # -- images --------------------------------------------------------------

    @property
    def media_mode(self) -> bool:
        return bool(self.settings.media_user and self.settings.media_password)

    def _images(self, item: _Item, reuse: bool) -> None:
        """Put the ``images`` list on the payload, when the set changed.

        ``item.images`` ends as the sha256 → id map of what the shop shows
        after the write: the known map when no list is sent.
        """
        write = item.write
        known = dict(write.images) if reuse else {}
        item.images = dict(known)
        if not write.push_images:
            return
        article_images = list(write.article.images)
        current = {image.sha256 for image in article_images}
        if current == set(known) and current:
            return
        if not article_images:
            if known:
                item.payload["images"] = []
                item.images = {}
            return
        if not self.media_mode and not self.settings.images_url:
            return

        item.images = {}
        entries: list[dict[str, Any]] = []
        for image in article_images:
            if image.sha256 in known:
                entries.append({"id": int(known[image.sha256])})
                item.images[image.sha256] = known[image.sha256]
            elif self.media_mode:
                media_id = self._upload(item, image)
                if media_id is not None:
                    entries.append({"id": int(media_id)})
                    item.images[image.sha256] = media_id
            else:
                assert self.settings.images_url is not None
                entries.append(
                    {
                        "src": image_url(self.settings.images_url, image.filename),
                        "name": image.name or image.path.stem,
                    }
                )
                item.pending.append((len(entries) - 1, image))
        if entries:
            item.payload["images"] = entries

    def _upload(self, item: _Item, image: Image) -> str | None:
        try:
            data = image.path.read_bytes()
        except OSError as exc:
            item.warnings.append(f"image {image.filename} not readable: {exc.strerror}")
            return None
        mime = mimetypes.guess_type(image.filename)[0] or "application/octet-stream"
        try:
            media = self.client.upload_media(ascii_filename(image.filename), data, mime)
        except ShopError as exc:
            item.warnings.append(f"image {image.filename} not uploaded: {exc}")
            return None
        log.info("image_uploaded", file=image.filename, media_id=media.get("id"))
        return str(media["id"])

    # -- writing -------------------------------------------------------------

    def write(self, writes: Sequence[ProductWrite]) -> list[Outcome]:
        items = [self._prepare(write) for write in writes]
        queue = [item for item in items if item.done is None]

        for _ in range(ROUNDS):
            if not queue:
                break
            queue = self._round(queue)
        for item in queue:
            item.done = Outcome(
                key=item.key, error="the shop kept refusing this product"
            )
        return [
            item.done or Outcome(key=item.key, error="not written") for item in items
        ]

    def _prepare(self, write: ProductWrite) -> _Item:
        payload, warnings = product_payload(
            write.article,
            visibility=write.visibility,
            category_ids=list(write.category_ids),
            settings=self.settings,
            facts=self.facts,
            creating=write.shop_id is None,
        )
        item = _Item(write, payload, write.shop_id, {}, warnings=warnings)
        if write.shop_id is not None and write.shop_id in self.trashed:
            self._adopt(item, write.shop_id, from_trash=True)
        if write.shop_id is None and not write.article.code:
            item.done = Outcome(
                key=item.key,
                error="the article has no code: a shop product needs a SKU",
            )
            return item
        self._images(item, reuse=True)
        return item

    def _round(self, queue: list[_Item]) -> list[_Item]:
        """Send the queue in batches; return the items to send again."""
        again: list[_Item] = []
        start = 0
        while start < len(queue):
            size = self.batch_size
            downloads = any(item.pending for item in queue[start : start + size])
            if downloads:
                size = min(size, self.pace.size)
            chunk = queue[start : start + size]
            start += size
            began = time.monotonic()
            try:
                again += self._batch(chunk)
            except ShopUnavailable as exc:
                if downloads and exc.status is None:
                    self.pace.timed_out(len(chunk))
                again += self._recover(chunk, exc)
            except ShopError as exc:
                for item in chunk:
                    item.done = Outcome(key=item.key, error=str(exc))
            else:
                if downloads:
                    self.pace.answered(len(chunk), time.monotonic() - began)
        return again

    def _recover(self, chunk: list[_Item], exc: ShopUnavailable) -> list[_Item]:
        """After a lost answer: adopt what the shop created, send the rest again.

        The shop may have applied the batch before the timeout or the 5xx, so
        its creates are looked up by SKU before anything is sent again.
        """
        if exc.status is None:
            self.batch_size = max(1, len(chunk) // 2)
        log.warning(
            "product_batch_lost", size=len(chunk), reason=str(exc), next=self.batch_size
        )
        retry: list[_Item] = []
        for item in chunk:
            item.tries += 1
            if item.tries > 2:
                item.done = Outcome(key=item.key, error=str(exc))
            else:
                retry.append(item)
        creates = [item for item in retry if item.shop_id is None]
        if creates:
            codes = [i.write.article.code for i in creates]
            found = find_by_sku(self.client, codes, self.trashed)
            by_sku = {sku.lower(): shop_id for sku, shop_id in found.items()}
            for item in creates:
                shop_id = by_sku.get(item.write.article.code.lower())
                if shop_id is not None:
                    self._adopt(item, shop_id, from_trash=shop_id in self.trashed)
        return retry

    def _batch(self, chunk: list[_Item]) -> list[_Item]:
        creates = [item for item in chunk if item.shop_id is None]
        updates = [item for item in chunk if item.shop_id is not None]
        body: dict[str, Any] = {}
        if creates:
            body["create"] = [item.payload for item in creates]
        if updates:
            body["update"] = [
                {"id": int(item.shop_id or 0), **item.payload} for item in updates
            ]
        answer = self.client.call(
            "POST", "products/batch", body=body, what="product batch"
        ).json()

        again: list[_Item] = []
        for item, result in zip(creates, answer.get("create") or [], strict=False):
            if self._settle(item, result, creating=True):
                again.append(item)
        for item, result in zip(updates, answer.get("update") or [], strict=False):
            if self._settle(item, result, creating=False):
                again.append(item)
        return again

    def _settle(self, item: _Item, result: Mapping[str, Any], creating: bool) -> bool:
        """Record one item's result; True when it must be sent again."""
        error = result.get("error")
        if not error:
            self._done(item, result)
            return False

        code = str(error.get("code") or "")
        message = str(error.get("message") or code)
        data = error.get("data") if isinstance(error.get("data"), dict) else {}
        sku = item.write.article.code

        if creating and code == "product_invalid_sku" and data.get("resource_id"):
            self._adopt(item, str(data["resource_id"]), from_trash=False)
            return True
        if creating and code == "woocommerce_rest_product_not_created" and sku:
            found = find_by_sku(self.client, [sku], self.trashed)
            if sku in found:
                self._adopt(item, found[sku], from_trash=found[sku] in self.trashed)
                return True
        if not creating and code in (
            "woocommerce_rest_product_invalid_id",
            "woocommerce_rest_invalid_product_id",
        ):
            # The bound product is gone: find the SKU, else create it again.
            found = find_by_sku(self.client, [sku], self.trashed) if sku else {}
            item.shop_id = found.get(sku)
            item.adopted = item.shop_id is not None
            self._images(item, reuse=False)
            return True
        if code == "woocommerce_product_invalid_image_id" and item.write.images:
            item.warnings.append(
                "a stored image id no longer exists: images sent again"
            )
            item.payload.pop("images", None)
            item.images = {}
            item.write = _without_known_images(item.write)
            self._images(item, reuse=False)
            return True
        if code in IMAGE_ERRORS and "images" in item.payload:
            # Written without images, the shop keeps the ones it had.
            item.warnings.append(f"images not accepted by the shop: {message}")
            item.payload.pop("images")
            item.pending = []
            item.images = dict(item.write.images) if item.shop_id else {}
            return True
        if (
            code == "product_invalid_global_unique_id"
            and "global_unique_id" in item.payload
        ):
            owner = data.get("resource_id")
            item.warnings.append(
                f"barcode {item.payload.pop('global_unique_id')} already belongs to "
                f"shop product {owner}; written without it"
            )
            return True

        item.done = Outcome(key=item.key, error=f"{message} ({code})")
        log.warning("product_refused", sku=sku, code=code, reason=message)
        return False

    def _adopt(self, item: _Item, shop_id: str, from_trash: bool) -> None:
        """Take over the shop product holding the SKU.

        A trashed one is restored (private when the engine hides it); a live
        one keeps its status unless the engine decided one (KEEP respects a
        product hidden by hand).
        """
        item.shop_id = shop_id
        item.adopted = True
        item.payload.pop("type", None)
        if from_trash:
            hide = item.write.visibility is Visibility.HIDE
            item.payload["status"] = "private" if hide else "publish"
            self.trashed.discard(shop_id)
        log.info(
            "product_adopted",
            sku=item.write.article.code,
            shop_id=shop_id,
            from_trash=from_trash,
        )

    def _done(self, item: _Item, result: Mapping[str, Any]) -> None:
        images = dict(item.images)
        returned = [img for img in result.get("images") or [] if isinstance(img, dict)]
        # Images come back in the order they were sent.
        for index, image in item.pending:
            if index < len(returned):
                images[image.sha256] = str(returned[index].get("id"))
        item.done = Outcome(
            key=item.key,
            shop_id=str(result.get("id")),
            images=images,
            adopted=item.adopted,
            warnings=tuple(item.warnings),
        )


def _without_known_images(write: ProductWrite) -> ProductWrite:
    return ProductWrite(
        article=write.article,
        shop_id=write.shop_id,
        visibility=write.visibility,
        images={},
        category_ids=write.category_ids,
        push_images=write.push_images,
    )

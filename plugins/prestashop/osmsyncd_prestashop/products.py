"""Writing products: the product itself, its stock row and its images.

For a batch of writes the shop is read once (the products to update, in one
list request) and only what differs is sent: a PATCH of the changed fields
on PrestaShop 8 and later, the whole product back by PUT on 1.7. Stock goes
through ``stock_availables`` in one collection PATCH per batch, and the
quantity in the answer must be the quantity sent (BR-18). Images are
uploaded only when their content is new and never block the product write.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import structlog

from osmsyncd.errors import ShopError
from osmsyncd.provider import Outcome
from osmsyncd.provider import ProductWrite
from osmsyncd.records import Image
from osmsyncd_prestashop.client import FILTER_SYNTAX
from osmsyncd_prestashop.client import PAGE
from osmsyncd_prestashop.client import PrestaShopClient
from osmsyncd_prestashop.client import bracket
from osmsyncd_prestashop.facts import ShopFacts
from osmsyncd_prestashop.facts import language_values
from osmsyncd_prestashop.mapping import ProductPlan
from osmsyncd_prestashop.xml import Entity
from osmsyncd_prestashop.xml import FieldValue

log = structlog.get_logger(__name__)

# Fields a product read shows but a write must not carry.
READ_ONLY = frozenset({"manufacturer_name", "quantity", "position_in_category", "id"})


@dataclass
class Done:
    """Where one write stands as it goes through product, stock and images."""

    write: ProductWrite
    shop_id: str | None = None
    current: dict[str, Any] | None = None
    stock_row: str | None = None
    stock_quantity: int | None = None
    adopted: bool = False
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    images: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return str(self.write.article.erp_id)

    def outcome(self) -> Outcome:
        return Outcome(
            key=self.key,
            shop_id=self.shop_id,
            error=self.error,
            images=dict(self.images),
            adopted=self.adopted,
            warnings=tuple(self.warnings),
        )


def find_by_reference(client: PrestaShopClient, skus: Sequence[str]) -> dict[str, str]:
    """Shop ids of products carrying these references, compared case-blind."""
    wanted = {sku.strip().lower(): sku for sku in skus if sku.strip()}
    plain = [sku for sku in wanted if not FILTER_SYNTAX & set(sku)]
    odd = [sku for sku in wanted if FILTER_SYNTAX & set(sku)]
    rows: list[dict[str, Any]] = []
    for start in range(0, len(plain), 50):
        rows.extend(
            client.select(
                "products",
                display="[id,reference]",
                filters={"reference": bracket(plain[start : start + 50])},
            )
        )
    for sku in odd:
        # Filter syntax cannot carry these characters: look by prefix, compare here.
        prefix = sku
        for char in FILTER_SYNTAX:
            prefix = prefix.split(char)[0]
        filters = {"reference": f"[{prefix}]%"} if prefix else {}
        rows.extend(
            client.select("products", display="[id,reference]", filters=filters)
        )
    found: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: int(r["id"])):
        reference = str(row.get("reference") or "").strip().lower()
        if reference in wanted:
            found.setdefault(wanted[reference], str(row["id"]))
    return found


class ProductWriter:
    """Writes one batch; ``absent`` holds references just looked up in vain."""

    def __init__(
        self,
        client: PrestaShopClient,
        facts: ShopFacts,
        absent: frozenset[str] = frozenset(),
    ) -> None:
        self.client = client
        self.facts = facts
        self.absent = absent

    def write(self, writes: Sequence[ProductWrite]) -> list[Outcome]:
        done = [Done(write, shop_id=write.shop_id) for write in writes]
        self._read_current(done)
        for item in done:
            try:
                self._write_product(item)
            except ShopError as exc:
                item.error = str(exc)
                log.warning(
                    "product_write_failed", code=item.write.article.code, error=str(exc)
                )
        self._write_stock(
            [item for item in done if item.error is None and item.shop_id]
        )
        for item in done:
            if item.error is None and item.shop_id:
                self._write_images(item)
        return [item.outcome() for item in done]

    # -- products ----------------------------------------------------------------------

    def _read_current(self, done: list[Done]) -> None:
        bound = [item for item in done if item.shop_id]
        rows = self.client.by_ids("products", [str(item.shop_id) for item in bound])
        by_id = {str(row["id"]): row for row in rows}
        for item in bound:
            item.current = by_id.get(str(item.shop_id))
            if item.current is None:
                # The list answered, without it: the product is gone from the shop.
                item.warnings.append(
                    f"product {item.shop_id} no longer exists in the shop; "
                    "created again"
                )
                log.warning(
                    "product_missing_recreated",
                    code=item.write.article.code,
                    shop_id=item.shop_id,
                )
                item.shop_id = None

        creates = [
            item
            for item in done
            if item.shop_id is None
            and item.write.article.code.strip().lower() not in self.absent
        ]
        if creates:
            found = find_by_reference(
                self.client, [i.write.article.code for i in creates]
            )
            lowered = {sku.lower(): shop_id for sku, shop_id in found.items()}
            adopted = [
                i for i in creates if i.write.article.code.strip().lower() in lowered
            ]
            for item in adopted:
                item.shop_id = lowered[item.write.article.code.strip().lower()]
                item.adopted = True
                log.info(
                    "product_adopted",
                    code=item.write.article.code,
                    shop_id=item.shop_id,
                )
            rows = self.client.by_ids(
                "products", [str(item.shop_id) for item in adopted]
            )
            by_id = {str(row["id"]): row for row in rows}
            for item in adopted:
                item.current = by_id.get(str(item.shop_id))

    def _write_product(self, item: Done) -> None:
        plan = ProductPlan(item.write, self.facts)
        code = item.write.article.code
        if plan.tax_group is None:
            item.warnings.append(
                "the shop has no tax rules group for "
                f"{item.write.article.vat_rate}% VAT in Italy; the product keeps the "
                "shop's tax group"
            )
        if item.current is None:
            echo = self.client.create("products", plan.creation())
            item.shop_id = str(echo["id"])
            item.current = echo
            item.stock_quantity = 0
            self._note(plan, code)
            log.debug("product_posted", code=code, shop_id=item.shop_id)
        else:
            changes = plan.changes(item.current)
            if changes is not None:
                self._note(plan, code)
                item.current = self._update(item, changes)
                log.debug("product_patched", code=code, shop_id=item.shop_id)
        rows = (item.current or {}).get("associations", {}).get("stock_availables", [])
        # TODO(#6): combinations (variants) keep their own stock rows; OSM
        # articles have no variants yet, so only the product's row is written.
        base_rows = [
            r for r in rows if str(r.get("id_product_attribute") or "0") == "0"
        ]
        if base_rows:
            item.stock_row = str(base_rows[0]["id"])

    def _note(self, plan: ProductPlan, code: str) -> None:
        if "name_cleaned" in plan.notes:
            log.warning("product_name_cleaned", code=code, name=plan.name)
        if "barcode_dropped" in plan.notes:
            log.warning(
                "barcode_not_sent",
                code=code,
                barcode=plan.write.article.barcode,
                reason="not a valid EAN-13 (PrestaShop's ean13 takes no other)",
            )

    def _update(self, item: Done, changes: Entity) -> dict[str, Any]:
        try:
            if self.client.patch_supported:
                return self.client.patch("products", changes)
            return self.client.put("products", self._whole(item.current or {}, changes))
        except ShopError as exc:
            if exc.status == 404 and exc.code == "92" and self._gone(item):
                item.warnings.append(
                    f"product {item.shop_id} was deleted in the shop; created again"
                )
                plan = ProductPlan(item.write, self.facts)
                echo = self.client.create("products", plan.creation())
                item.shop_id = str(echo["id"])
                return echo
            raise

    def _gone(self, item: Done) -> bool:
        """Confirm with a read that the product is really gone (not a firewall)."""
        return self.client.get(f"products/{item.shop_id}") is None

    def _whole(self, current: Mapping[str, Any], changes: Entity) -> Entity:
        """PrestaShop 1.7 has no PATCH: the whole product goes back by PUT."""
        fields: dict[str, FieldValue] = {}
        for name, value in current.items():
            if name in READ_ONLY or name == "associations":
                continue
            if isinstance(value, list):
                fields[name] = language_values(value, self.facts.languages)
            elif value is None or value is False:
                fields[name] = ""
            else:
                fields[name] = str(value)
        fields.update({k: v for k, v in changes.fields.items() if k != "id"})
        categories = changes.associations or {
            "categories": (
                "category",
                [
                    {"id": str(c.get("id"))}
                    for c in (current.get("associations") or {}).get("categories", [])
                ],
            )
        }
        return Entity("product", {"id": str(current["id"]), **fields}, categories)

    # -- stock -------------------------------------------------------------------------

    def _write_stock(self, done: list[Done]) -> None:
        # A product just created has its stock row in the echo, at 0: only
        # the others need their row read.
        unread = [i for i in done if i.stock_quantity is None or i.stock_row is None]
        for start in range(0, len(unread), PAGE):
            chunk = unread[start : start + PAGE]
            rows = self.client.select(
                "stock_availables",
                display="[id,id_product,id_product_attribute,quantity]",
                filters={
                    "id_product": bracket([str(i.shop_id) for i in chunk]),
                    "id_product_attribute": "[0]",
                },
            )
            by_product = {str(row["id_product"]): row for row in rows}
            for item in chunk:
                row = by_product.get(str(item.shop_id))
                if row is None:
                    item.error = "the shop has no stock row for this product"
                    continue
                item.stock_row = str(row["id"])
                item.stock_quantity = int(row.get("quantity") or 0)
        changed = [
            item
            for item in done
            if item.error is None
            and item.stock_row is not None
            and item.stock_quantity != item.write.article.quantity
        ]
        for start in range(0, len(changed), PAGE):
            self._push_stock(changed[start : start + PAGE])

    def _push_stock(self, items: list[Done]) -> None:
        if not self.client.patch_supported:
            for item in items:
                self._put_stock(item)
            return
        entities = [
            Entity(
                "stock_available",
                {
                    "id": str(item.stock_row),
                    "quantity": str(item.write.article.quantity),
                },
            )
            for item in items
        ]
        try:
            answers = self.client.patch_many("stock_availables", entities)
        except ShopError as exc:
            if len(items) == 1:
                items[0].error = f"stock not written: {exc}"
                return
            # A batch stops at the first bad row and keeps the ones before it:
            # write the rows one by one to learn which one the shop refuses.
            for item in items:
                self._push_stock([item])
            return
        by_row = {str(row.get("id")): row for row in answers}
        for item in items:
            self._check_stock(item, by_row.get(str(item.stock_row)))

    def _put_stock(self, item: Done) -> None:
        row = self.client.get(f"stock_availables/{item.stock_row}")
        current = (row or {}).get("stock_available") or {}
        fields: dict[str, FieldValue] = {
            name: str(current.get(name) or "0")
            for name in (
                "id_product", "id_product_attribute", "id_shop", "id_shop_group",
                "depends_on_stock", "out_of_stock",
            )
        }  # fmt: skip
        fields["location"] = str(current.get("location") or "")
        fields["quantity"] = str(item.write.article.quantity)
        entity = Entity("stock_available", {"id": str(item.stock_row), **fields})
        try:
            self._check_stock(item, self.client.put("stock_availables", entity))
        except ShopError as exc:
            item.error = f"stock not written: {exc}"

    def _check_stock(self, item: Done, answer: Mapping[str, Any] | None) -> None:
        sent = item.write.article.quantity
        written = None if answer is None else int(answer.get("quantity") or 0)
        if written != sent:
            item.error = (
                f"stock write not applied: sent {sent}, the shop shows {written}"
            )
            return
        item.stock_quantity = written

    # -- images ------------------------------------------------------------------------

    def _write_images(self, item: Done) -> None:
        write = item.write
        known = dict(write.images)
        shop_id = str(item.shop_id)
        if not write.push_images:
            item.images = known
            return
        current = item.current or {}
        in_shop = {
            str(image.get("id"))
            for image in (current.get("associations") or {}).get("images", [])
        }
        if item.adopted or not write.shop_id:
            # A product just made or adopted: nothing in the shop is ours yet.
            known = {sha: iid for sha, iid in known.items() if iid in in_shop}
        wanted = list(write.article.images)
        wanted_shas = {image.sha256 for image in wanted}
        if not known and in_shop and wanted:
            known = self._claim_images(item, current)
        result: dict[str, str] = {}
        # The shop's images in position order, and its cover, as they will be.
        order = [
            str(image.get("id"))
            for image in (current.get("associations") or {}).get("images", [])
        ]
        cover_now = str(current.get("id_default_image") or "")

        for image in wanted:
            image_id = known.get(image.sha256)
            if image_id and image_id in in_shop:
                result[image.sha256] = image_id
                continue
            uploaded = self._upload(item, image)
            if uploaded is not None:
                result[image.sha256] = uploaded
                order.append(uploaded)
                # The first image of a product becomes its cover by itself.
                cover_now = cover_now or uploaded

        for sha, image_id in known.items():
            if sha in wanted_shas or image_id not in in_shop:
                continue
            try:
                self.client.delete_image(shop_id, image_id)
            except ShopError as exc:
                item.warnings.append(f"old image {image_id} not deleted: {exc}")
                continue
            order.remove(image_id)
            if image_id == cover_now:
                # Deleting the cover makes the first remaining image the cover.
                cover_now = order[0] if order else ""

        item.images = result
        cover = result.get(wanted[0].sha256) if wanted else None
        if cover and cover != cover_now:
            self._set_cover(item, cover)

    def _claim_images(self, item: Done, current: Mapping[str, Any]) -> dict[str, str]:
        """Take a product's unrecorded images as the article's, cover first.

        They are what a run uploaded before it died or heard a 500 instead
        of the answer: uploading again would stack copies on the product.
        """
        ids = [
            str(image.get("id"))
            for image in (current.get("associations") or {}).get("images", [])
        ]
        cover = str(current.get("id_default_image") or "")
        ids.sort(key=lambda image_id: image_id != cover)
        claimed = {
            image.sha256: image_id
            for image, image_id in zip(item.write.article.images, ids, strict=False)
        }
        log.info(
            "product_images_claimed",
            code=item.write.article.code,
            image_ids=sorted(claimed.values()),
        )
        return claimed

    def _upload(self, item: Done, image: Image) -> str | None:
        try:
            content = image.path.read_bytes()
        except OSError as exc:
            item.warnings.append(f"image {image.filename} not readable: {exc.strerror}")
            return None
        mime = mimetypes.guess_type(image.filename)[0] or "image/jpeg"
        try:
            image_id = self.client.upload_image(
                str(item.shop_id), content, image.filename, mime
            )
        except ShopError as exc:
            item.warnings.append(f"image {image.filename} not uploaded: {exc}")
            log.warning(
                "product_image_failed",
                code=item.write.article.code,
                image=image.filename,
                error=str(exc),
            )
            return None
        log.info(
            "product_image_uploaded", code=item.write.article.code, image_id=image_id
        )
        return image_id

    def _set_cover(self, item: Done, image_id: str) -> None:
        entity = Entity(
            "product", {"id": str(item.shop_id), "id_default_image": image_id}
        )
        try:
            if self.client.patch_supported:
                self.client.patch("products", entity)
            else:
                current = self.client.get(f"products/{item.shop_id}") or {}
                whole = self._whole(current.get("product") or {}, entity)
                self.client.put("products", whole)
        except ShopError as exc:
            item.warnings.append(f"cover image not set: {exc}")

    # -- visibility --------------------------------------------------------------------

    def set_visibility(self, changes: Sequence[tuple[str, bool]]) -> list[Outcome]:
        """Show or hide products by id; each outcome's key is the shop id."""
        outcomes = []
        for shop_id, visible in changes:
            entity = Entity(
                "product", {"id": str(shop_id), "active": "1" if visible else "0"}
            )
            try:
                if self.client.patch_supported:
                    self.client.patch("products", entity)
                else:
                    current = self.client.get(f"products/{shop_id}")
                    if current is None:
                        raise ShopError(f"product {shop_id} does not exist", status=404)
                    whole = self._whole(current.get("product") or {}, entity)
                    self.client.put("products", whole)
                outcomes.append(Outcome(key=str(shop_id), shop_id=str(shop_id)))
            except ShopError as exc:
                outcomes.append(
                    Outcome(key=str(shop_id), shop_id=str(shop_id), error=str(exc))
                )
        return outcomes

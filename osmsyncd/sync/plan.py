"""Deciding what an article export run writes, without writing anything.

The plan is a pure function of the articles in scope, the bindings and the
connection's settings, so that ``--dry-run`` shows exactly what the real run
then does, and so that the rules can be tested without a shop.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields
from decimal import Decimal
from typing import Any

from osmsyncd.erp.interface import Binding
from osmsyncd.provider import Visibility
from osmsyncd.records import Article

HIDDEN_BY_US = "hidden_by_us"
# The quantity the shop holds as far as osmsyncd knows: what it last pushed,
# forgotten (None) when an imported sale or cancellation moved the shop's
# stock by itself.
QUANTITY = "quantity"


class Act(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    HIDE = "hide"
    SHOW = "show"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Action:
    """One planned write (or the decision not to write) for one article."""

    act: Act
    erp_id: str
    code: str
    article: Article | None = None
    binding: Binding | None = None
    visibility: Visibility = Visibility.KEEP
    fingerprint: str = ""
    reason: str = ""

    @property
    def counted_as(self) -> str:
        """The ``sync --json`` counter this action adds one to."""
        return {
            Act.CREATE: "created",
            Act.UPDATE: "updated",
            Act.HIDE: "hidden",
            Act.SHOW: "shown",
            Act.SKIP: "unchanged",
        }[self.act]

    def describe(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": str(self.act), "erp_id": self.erp_id}
        data["code"] = self.code
        if self.binding is not None:
            data["shop_id"] = self.binding.shop_id
        if self.reason:
            data["reason"] = self.reason
        return data


def fingerprint(article: Article, category_ids: Iterable[str] = ()) -> str:
    """A stable hash of everything an export sends for ``article``.

    Two runs over unchanged OSM data give the same fingerprint, so a second
    run writes nothing; any field the shop would show changes it.
    """
    data: dict[str, Any] = {}
    for spec in fields(article):
        # The quantity is compared with the shop's own figure instead: the
        # shop changes it by itself with every sale.
        if spec.name in ("erp_id", "updated_at", "quantity"):
            continue
        data[spec.name] = getattr(article, spec.name)
    data["images"] = [image.sha256 for image in article.images]
    data["category_ids"] = sorted(category_ids)
    text = json.dumps(data, default=_plain, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def plan_articles(
    articles: Iterable[Article],
    bindings: Mapping[str, Binding],
    *,
    checked: Iterable[str],
    category_ids: Mapping[str, tuple[str, ...]],
    disable_zero_quantity: bool,
    full: bool = False,
) -> list[Action]:
    """Decide the action for every article checked in this run.

    ``articles`` are the checked articles still in scope; ``checked`` the OSM
    ids looked at (in scope or not). A bound article that was checked and is
    no longer in scope is hidden, never deleted (rule 4). A product is shown
    again only if osmsyncd hid it, so one hidden by hand stays hidden.
    """
    actions: list[Action] = []
    seen: set[str] = set()

    for article in articles:
        key = str(article.erp_id)
        seen.add(key)
        binding = bindings.get(key)
        wanted_hidden = disable_zero_quantity and article.quantity <= 0
        stamp = fingerprint(article, category_ids.get(key, ()))

        if binding is None:
            visibility = Visibility.HIDE if wanted_hidden else Visibility.SHOW
            actions.append(
                Action(Act.CREATE, key, article.code, article, None, visibility, stamp)
            )
            continue

        hidden_by_us = bool(binding.values.get(HIDDEN_BY_US))
        visibility = Visibility.KEEP
        act = Act.UPDATE
        if wanted_hidden and not hidden_by_us:
            visibility, act = Visibility.HIDE, Act.HIDE
        elif not wanted_hidden and hidden_by_us:
            visibility, act = Visibility.SHOW, Act.SHOW
        elif (
            stamp == binding.hash
            and binding.values.get(QUANTITY) == article.quantity
            and not full
        ):
            act = Act.SKIP
        actions.append(
            Action(act, key, article.code, article, binding, visibility, stamp)
        )

    for key in sorted(set(checked) - seen, key=_numeric):
        binding = bindings.get(key)
        if binding is None or binding.values.get(HIDDEN_BY_US):
            continue
        code = str(binding.values.get("code", ""))
        actions.append(
            Action(
                Act.HIDE,
                key,
                code,
                None,
                binding,
                Visibility.HIDE,
                reason="left the sync set",
            )
        )

    return actions


def _numeric(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (0, key)

"""From OSM articles to PrestaShop products, with the shop's text rules.

- Names lose the characters PrestaShop refuses (``< > ; = # { }``), each
  replaced by a space, and are cut to 128 code points on a character
  boundary, without trailing spaces or punctuation (BR-01, BR-03).
- The friendly URL is always ours: ASCII, ``^[a-z0-9]+(-[a-z0-9]+)*$``, at
  most 128 characters, from the OSM friendly URL or the name, else the
  lowercased code (BR-02); the same input gives the same slug every run.
- Every multi-language field carries every active language of the shop,
  each with the same text, so that no language is blanked (BR-06).
- Prices are net with six decimals; the tax rules group is the shop's group
  for the article's VAT rate in Italy.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from osmsyncd.provider import ProductWrite
from osmsyncd.provider import Visibility
from osmsyncd.records import Article
from osmsyncd_prestashop.facts import ShopFacts
from osmsyncd_prestashop.facts import language_values
from osmsyncd_prestashop.facts import rate_key
from osmsyncd_prestashop.xml import Associations
from osmsyncd_prestashop.xml import Entity
from osmsyncd_prestashop.xml import FieldValue

NAME_LIMIT = 128
SLUG_LIMIT = 128
FORBIDDEN_IN_NAMES = re.compile(r"[<>;=#{}]")
MICRO = Decimal("0.000001")

# Letters NFKD does not reduce to ASCII on its own.
_TRANSLITERATE = str.maketrans(
    {
        "µ": "u", "μ": "u", "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe",
        "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "þ": "th",
        "ð": "d", "ı": "i",
    }
)  # fmt: skip
_TRAILING = " \t\n.,;:-–—_/\\|+*&(["

_DANGEROUS_BLOCKS = re.compile(
    r"<\s*(script|iframe|object|embed|form)\b.*?<\s*/\s*\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
_DANGEROUS_TAGS = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|form|input)\b[^>]*>", re.IGNORECASE
)
_EVENTS = re.compile(r"\s+on[a-z]+\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_SCRIPT_URLS = re.compile(r"javascript\s*:", re.IGNORECASE)


def clean_name(text: str) -> str:
    """A product or category name PrestaShop accepts (BR-01, BR-03)."""
    spaced = FORBIDDEN_IN_NAMES.sub(" ", text)
    collapsed = re.sub(r"\s+", " ", spaced).strip()
    if len(collapsed) > NAME_LIMIT:
        collapsed = collapsed[:NAME_LIMIT].rstrip(_TRAILING)
    return collapsed


def slug(text: str) -> str:
    """An ASCII friendly URL: letters transliterated, the rest as separators."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    result = "-".join(words)
    if len(result) > SLUG_LIMIT:
        result = result[:SLUG_LIMIT].rstrip("-")
    return result


def link_rewrite(article: Article) -> str:
    """The article's friendly URL, else one from its name, else from its code."""
    for source in (article.slug, article.name):
        made = slug(source)
        if made:
            return made
    return slug(article.code.lower()) or f"article-{article.erp_id}"


def valid_ean13(code: str) -> bool:
    """Thirteen digits whose last is the EAN check digit."""
    if not re.fullmatch(r"\d{13}", code):
        return False
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == digits[12]


def clean_html(text: str) -> str:
    """HTML PrestaShop's ``isCleanHtml`` accepts: no scripts, frames or events."""
    text = _DANGEROUS_BLOCKS.sub("", text)
    text = _DANGEROUS_TAGS.sub("", text)
    text = _EVENTS.sub("", text)
    return _SCRIPT_URLS.sub("", text)


def decimal_text(value: Decimal) -> str:
    return str(Decimal(value).quantize(MICRO, rounding=ROUND_HALF_UP))


def comparable_text(text: str) -> str:
    """Text as it compares across the shop's round trip (entities, spaces)."""
    unescaped = html.unescape(text or "").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", unescaped).strip()


def comparable_number(text: object) -> Decimal | None:
    try:
        return Decimal(str(text).strip() or "0")
    except InvalidOperation:
        return None


def every_language(text: str, facts: ShopFacts) -> dict[int, str]:
    return {lang: text for lang in facts.languages}


class ProductPlan:
    """The product fields osmsyncd owns for one write, and how they compare."""

    def __init__(self, write: ProductWrite, facts: ShopFacts) -> None:
        article = write.article
        self.write = write
        self.facts = facts
        self.notes: list[str] = []
        name = clean_name(article.name) or clean_name(article.code) or article.code
        if name != re.sub(r"\s+", " ", article.name).strip():
            self.notes.append("name_cleaned")
        self.name = name
        self.link = link_rewrite(article)
        self.ean = article.barcode if valid_ean13(article.barcode.strip()) else ""
        if article.barcode.strip() and not self.ean:
            self.notes.append("barcode_dropped")
        self.tax_group = facts.tax_groups.get(rate_key(article.vat_rate))
        categories = [str(c) for c in write.category_ids if str(c).strip()]
        self.categories = categories or [str(facts.home_category)]

    def i18n(self) -> dict[str, dict[int, str]]:
        article = self.write.article
        description = clean_html(article.description)
        return {
            "name": every_language(self.name, self.facts),
            "link_rewrite": every_language(self.link, self.facts),
            "description": every_language(description, self.facts),
            "description_short": every_language(
                clean_html(article.short_description), self.facts
            ),
        }

    def scalars(self) -> dict[str, str]:
        article = self.write.article
        values = {
            "reference": article.code,
            "ean13": self.ean,
            "price": decimal_text(article.price),
            "wholesale_price": decimal_text(article.purchase_price),
            "weight": decimal_text(article.weight),
            "id_category_default": self.categories[0],
            "state": "1",
        }
        if self.tax_group is not None:
            values["id_tax_rules_group"] = str(self.tax_group)
        return values

    def active(self, creating: bool) -> str | None:
        visibility = self.write.visibility
        if visibility is Visibility.HIDE:
            return "0"
        if visibility is Visibility.SHOW or creating:
            return "1"
        return None

    def creation(self) -> Entity:
        fields: dict[str, FieldValue] = dict(self.scalars())
        fields.update(
            {
                "active": self.active(creating=True) or "1",
                "visibility": "both",
                "available_for_order": "1",
                "show_price": "1",
                "minimal_quantity": "1",
                "condition": "new",
                "id_shop_default": str(self.facts.shop_id),
            }
        )
        fields.update(self.i18n())
        return Entity("product", fields, self._categories())

    def _categories(self) -> Associations:
        return {"categories": ("category", [{"id": c} for c in self.categories])}

    def changes(self, current: Mapping[str, Any]) -> Entity | None:
        """The PATCH that brings ``current`` (a JSON product) in line, or None."""
        fields: dict[str, FieldValue] = {}
        for name, wanted in self.scalars().items():
            if not _same_scalar(name, current.get(name), wanted):
                fields[name] = wanted
        active = self.active(creating=False)
        if active is not None and str(current.get("active") or "0") != active:
            fields["active"] = active
        for name, wanted_texts in self.i18n().items():
            have = language_values(current.get(name), self.facts.languages)
            if any(
                not _same_text(name, have.get(lang, ""), text)
                for lang, text in wanted_texts.items()
            ):
                fields[name] = wanted_texts
        assocs = current.get("associations") or {}
        have_categories = {str(item.get("id")) for item in assocs.get("categories", [])}
        associations: Associations = {}
        if have_categories != set(self.categories):
            associations = self._categories()
        if not fields and not associations:
            return None
        fields = {"id": str(current["id"]), **fields}
        return Entity("product", fields, associations)


def _same_scalar(name: str, have: object, wanted: str) -> bool:
    if name in ("price", "wholesale_price", "weight"):
        return comparable_number(have) == comparable_number(wanted)
    if name in ("id_category_default", "id_tax_rules_group", "state"):
        return comparable_number(have or "0") == comparable_number(wanted)
    return str(have or "") == wanted


def _same_text(name: str, have: str, wanted: str) -> bool:
    if name == "link_rewrite":
        return have == wanted
    return comparable_text(have) == comparable_text(wanted)

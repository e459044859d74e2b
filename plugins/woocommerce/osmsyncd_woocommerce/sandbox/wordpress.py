"""What WordPress does to text on its way into the database.

A faithful sandbox must hand back names and slugs as the real shop does:
HTML-escaped ampersands, ``<script>`` tags dropped but their text kept,
accents folded in slugs and other characters percent-encoded.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation
from urllib.parse import quote
from urllib.parse import unquote

_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_BARE_AMPERSAND = re.compile(r"&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_SCRIPT_TAG = re.compile(r"</?script\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
_TERM_TAGS = frozenset(
    "a abbr acronym b blockquote cite code del em i q s strike strong".split()
)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z0-9]+)")

# Letters NFKD does not split into a base letter and a mark.
_FOLDED = {
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "œ": "oe",
    "Œ": "OE",
    "đ": "d",
    "Đ": "D",
    "ł": "l",
    "Ł": "L",
    "þ": "th",
    "µ": "u",
}
# Typographic marks WordPress drops from slugs, and the dashes it keeps.
_DROPPED = "«»‹›‘’‚‛“”„‟…¡¿•·°©®™§¶"
_DASHES = "–—―‒"


def normalize_entities(text: str) -> str:
    """Escape bare ampersands, keeping entities that are already written."""
    return _BARE_AMPERSAND.sub("&amp;", text)


def clean_post_title(text: str) -> str:
    """A product or line name as stored: no script tags, ``&`` escaped."""
    return normalize_entities(_SCRIPT_TAG.sub("", text)).strip()


def clean_post_content(text: str) -> str:
    """A description as stored: script tags removed, their text kept."""
    return normalize_entities(_SCRIPT_TAG.sub("", text))


def clean_term_description(text: str) -> str:
    """A category description: only inline tags survive."""

    def keep_inline(match: re.Match[str]) -> str:
        name = _TAG_NAME.match(match.group(0))
        if name and name.group(1).lower() in _TERM_TAGS:
            return match.group(0)
        return ""

    return normalize_entities(_ANY_TAG.sub(keep_inline, text)).strip()


def fold_accents(text: str) -> str:
    """Latin letters without their accents, as ``remove_accents`` does."""
    text = "".join(_FOLDED.get(char, char) for char in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def sanitize_title(title: str) -> str:
    """The slug WordPress derives from a title, non-ASCII percent-encoded."""
    text = _ANY_TAG.sub("", title)
    text = _ENTITY.sub("", text)
    text = fold_accents(text).lower()
    for char in _DASHES:
        text = text.replace(char, "-")
    for char in _DROPPED:
        text = text.replace(char, "")
    text = text.replace(".", "-")

    encoded = []
    for char in text:
        if char.isascii():
            encoded.append(char)
        else:
            encoded.append(quote(char, safe="").lower())
    text = "".join(encoded)

    text = re.sub(r"%(?![0-9a-f]{2})", "", text)
    text = re.sub(r"[^%a-z0-9 _-]", "", text)
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"-+", "-", text)
    return text.strip("-")


def decoded_slug(slug: str) -> str:
    """The slug with its percent-escapes decoded (``generated_slug``)."""
    return unquote(slug)


def format_decimal(value: object, decimal_separator: str = ",") -> str:
    """A price as ``wc_format_decimal`` stores it; "" when not a number."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        text = value.strip().replace(decimal_separator, ".")
    else:
        return ""
    if text == "":
        return ""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return ""
    if not number.is_finite():
        return ""
    if isinstance(value, str):
        return text
    # JSON numbers are stored as PHP prints them: 31 stays "31".
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def money(value: Decimal) -> str:
    """A Decimal rounded to cents, as the REST API prints totals."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(abs(rounded) if rounded == 0 else rounded)


def to_decimal(text: object) -> Decimal:
    """A stored price or amount as a Decimal, 0 when empty or bad."""
    try:
        return Decimal(str(text)) if text not in ("", None) else Decimal("0")
    except InvalidOperation:
        return Decimal("0")


def display_price(value: Decimal, thousands: str = ".", decimals: str = ",") -> str:
    """A price formatted as the shop shows it (``15,25``)."""
    whole, _, cents = money(value).partition(".")
    negative = whole.startswith("-")
    digits = whole.lstrip("-")
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ("-" if negative else "") + thousands.join(groups) + decimals + cents


def price_html(amount: Decimal | None, regular: Decimal | None = None) -> str:
    """The storefront price markup; "" for a product without a price.

    With a ``regular`` price above ``amount`` the product is on sale and the
    markup strikes the regular price through.
    """
    if amount is None:
        return ""
    if regular is not None and regular > amount:
        was, now = display_price(regular), display_price(amount)
        return (
            f'<del aria-hidden="true">{_amount(regular)}</del> '
            f'<span class="screen-reader-text">Original price was: {was}&nbsp;'
            "&euro;.</span>"
            f'<ins aria-hidden="true">{_amount(amount)}</ins>'
            f'<span class="screen-reader-text">Current price is: {now}&nbsp;'
            "&euro;.</span>"
        )
    return _amount(amount)


def _amount(amount: Decimal) -> str:
    return (
        '<span class="woocommerce-Price-amount amount"><bdi>'
        f"{display_price(amount)}&nbsp;"
        '<span class="woocommerce-Price-currencySymbol">&euro;</span>'
        "</bdi></span>"
    )


_BLOCK = "p|ul|ol|li|div|h[1-6]|blockquote|table|thead|tbody|tr|td|th|pre|hr|dl|dt|dd"
_BLOCK_OPEN = re.compile(rf"(<(?:{_BLOCK})[\s/>])", re.IGNORECASE)
_BLOCK_CLOSE = re.compile(rf"(</(?:{_BLOCK})>)", re.IGNORECASE)
_BLOCK_START = re.compile(rf"^</?(?:{_BLOCK})[\s/>]", re.IGNORECASE)


def autop(text: str) -> str:
    """Paragraphs as WordPress's ``wpautop`` shows content in view context."""
    if not text.strip():
        return ""
    spaced = _BLOCK_CLOSE.sub(r"\1\n", _BLOCK_OPEN.sub(r"\n\1", text))
    chunks = [chunk.strip() for chunk in spaced.split("\n") if chunk.strip()]
    wrapped = [c if _BLOCK_START.match(c) else f"<p>{c}</p>" for c in chunks]
    return "\n".join(wrapped) + "\n"

"""PrestaShop's value rules: validators, its slug function and HTML cleaning.

The validators follow the behaviour the recordings show (for instance ``;``
is refused in a product name but accepted in a description); where nothing
was recorded they follow PrestaShop's ``Validate`` class as documented.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from datetime import date

Validator = Callable[[str], bool]

_EVENTS = re.compile(r"\bon[a-z]+\s*=", re.IGNORECASE)
_SCRIPT = re.compile(r"<\s*script|script\s*:", re.IGNORECASE)
_EMBEDS = re.compile(r"<\s*(i?frame|form|input|embed|object)", re.IGNORECASE)


def _match(pattern: str, flags: int = 0) -> Validator:
    compiled = re.compile(pattern, flags)
    return lambda value: compiled.fullmatch(value) is not None


def _number(value: str, *, signed: bool, integer: bool) -> bool:
    sign = "-?" if signed else ""
    fraction = "" if integer else r"(\.\d+)?"
    return re.fullmatch(rf"{sign}\d+{fraction}", value) is not None


def _is_date(value: str) -> bool:
    found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})( \d{2}:\d{2}:\d{2})?", value)
    if found is None:
        return False
    try:
        date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return False
    return True


def _is_birth_date(value: str) -> bool:
    if value in ("", "0000-00-00"):
        return True
    return _is_date(value) and value[:10] <= date.today().isoformat()


def _is_clean_html(value: str) -> bool:
    return not (_SCRIPT.search(value) or _EVENTS.search(value) or _EMBEDS.search(value))


def _is_unsigned_id(value: str) -> bool:
    return value.isdigit() and int(value) <= 4294967295


VALIDATORS: dict[str, Validator] = {
    "isUnsignedId": _is_unsigned_id,
    "isUnsignedInt": _is_unsigned_id,
    "isNullOrUnsignedId": _is_unsigned_id,
    "isPositiveInt": lambda v: v.isdigit(),
    "isInt": lambda v: _number(v, signed=True, integer=True),
    "isBool": lambda v: v in ("0", "1", "true", "false"),
    "isFloat": lambda v: _number(v, signed=True, integer=False),
    "isUnsignedFloat": lambda v: _number(v, signed=False, integer=False),
    "isPrice": _match(r"\d{1,10}(\.\d{1,9})?"),
    "isReference": _match(r"[^<>;={}]*"),
    "isEan13": _match(r"\d{0,13}"),
    "isUpc": _match(r"\d{0,12}"),
    "isIsbn": _match(r"[0-9-]{0,32}"),
    "isMpn": lambda v: len(v) <= 40,
    "isCatalogName": _match(r"[^<>;=#{}]*"),
    "isGenericName": _match(r"[^<>={}]*"),
    "IsGenericName": _match(r"[^<>={}]*"),
    "isLinkRewrite": _match(r"[_a-zA-Z0-9\-]+"),
    "isCleanHtml": _is_clean_html,
    "isEmail": _match(
        r"[a-z\p{L}0-9!#$%&'*+/=?^`{}|~_-]+[.a-z0-9!#$%&'*+/=?^`{}|~_-]*"
        r"@[a-z0-9]+[._a-z0-9-]*\.[a-z0-9]+".replace(r"\p{L}", "À-ÿ"),
        re.IGNORECASE,
    ),
    "isHashedPassword": lambda v: 0 < len(v) <= 255,
    "isCustomerName": _match(r"""[^0-9!<>,;?=+()/\\@#"°*`{}_^$%:¤\[\]|]*"""),
    "isName": _match(r"""[^0-9!<>,;?=+()@#"°{}_$%:¤|]*"""),
    "isAddress": _match(r"[^!<>?=+@{}_$%]*"),
    "isPostCode": _match(r"[a-zA-Z 0-9-]*"),
    "isCityName": _match(r"""[^!<>;?=+@#"°{}_$%]*"""),
    "isMessage": _match(r"[^<>{}]*", re.DOTALL),
    "isPhoneNumber": _match(r"[+0-9. ()/-]*"),
    "isDniLite": _match(r"[0-9A-Za-z.-]{0,16}"),
    "isMd5": _match(r"[a-fA-F0-9]{32}"),
    "isSha1": _match(r"[a-fA-F0-9]{40}"),
    "isDate": _is_date,
    "isDateOrNull": lambda v: v in ("", "0000-00-00 00:00:00") or _is_date(v),
    "isDateFormat": _match(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?"),
    "isBirthDate": _is_birth_date,
    "isProductVisibility": lambda v: v in ("both", "catalog", "search", "none"),
    "isModuleName": _match(r"[a-zA-Z0-9_-]+"),
    "isUrl": _match(r"[~:#,%&_=()./?+\-\w]*"),
    "isApe": _match(r"\d{3,4}[a-zA-Z]"),
    "isString": lambda v: True,
}


def is_valid(fmt: str, value: str) -> bool:
    """Whether ``value`` passes PrestaShop's validator ``fmt`` (unknown: yes)."""
    check = VALIDATORS.get(fmt)
    return True if check is None else check(value)


_SPECIAL_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
     "ł": "l", "Ł": "L", "œ": "oe", "Œ": "OE", "þ": "th", "ð": "d"}
)  # fmt: skip


def replace_accented(text: str) -> str:
    """Latin letters without their accents, as PrestaShop's URL helper does."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def str2url(text: str) -> str:
    """PrestaShop's own slug of ``text`` (accented URLs off)."""
    text = replace_accented(text.strip())
    text = re.sub(r"[^a-zA-Z0-9\s':/\[\]-]", "", text)
    text = re.sub(r"[\s':/\[\]-]+", " ", text)
    return text.strip().replace(" ", "-").lower()


_KEEP_ENTITIES = re.compile(r"&(amp|lt|gt|quot);")


def purify_html(text: str) -> str:
    """Decode entities other than the four XML ones, as the HTML purifier does.

    PrestaShop stores ``13&nbsp;mm`` as ``13\u00a0mm`` but keeps ``&amp;``.
    """

    def decode(match: re.Match[str]) -> str:
        entity = match.group(0)
        if _KEEP_ENTITIES.fullmatch(entity):
            return entity
        return html.unescape(entity)

    return re.sub(r"&#?\w+;", decode, text)


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (char_a != char_b),
                )
            )
        previous = current
    return previous[-1]


def closest(word: str, candidates: Iterable[str]) -> str:
    """The candidate nearest to ``word``; on a tie the last one, like PHP's loop."""
    best, shortest = "", -1
    for candidate in candidates:
        distance = levenshtein(word, candidate)
        if shortest < 0 or distance <= shortest:
            best, shortest = candidate, distance
    return best

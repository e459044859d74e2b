"""The fault suite's catalogue: a dozen plain OSM articles, each with a photo.

Small on purpose: every crash scenario exports it and sells from it, so the
number of requests a run makes stays in the tens.
"""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal

from osmsyncd.erp.seed import SeedArticle

CATEGORY = "Caffè"


def png(shade: int) -> bytes:
    """A tiny valid PNG whose pixels differ by ``shade``."""
    rows = b"".join(b"\x00" + bytes((shade, 90, 160)) * 4 for _ in range(4))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        crc = struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + body + crc

    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def article(n: int, **values: object) -> SeedArticle:
    base: dict[str, object] = {
        "code": f"FLT-{n:03d}",
        "name": f"Miscela di prova {n}",
        "price": Decimal("8.50") + n,
        "purchase_price": Decimal("3.00") + n,
        "stock": Decimal(30 + n),
        "category": CATEGORY,
        "images": ((f"flt-{n:03d}.png", png(n * 17 % 256)),),
    }
    base.update(values)
    return SeedArticle(**base)  # type: ignore[arg-type]


ARTICLES = tuple(article(n) for n in range(1, 13))
CODES = tuple(a.code for a in ARTICLES)
STOCK = {a.code: a.stock for a in ARTICLES}
# Runs that pay for every fault they meet (a 1 s Retry-After, a 1 s timeout)
# export only the first few articles.
SMALL = 4

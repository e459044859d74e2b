"""Small product pictures for the demo, drawn without an imaging library."""

from __future__ import annotations

import struct
import zlib


def png(colour: tuple[int, int, int], size: int = 64) -> bytes:
    """A square PNG in ``colour`` with a lighter diagonal band."""
    red, green, blue = colour
    light = (min(red + 60, 255), min(green + 60, 255), min(blue + 60, 255))
    rows = bytearray()
    for y in range(size):
        rows.append(0)
        for x in range(size):
            rows.extend(light if abs(x - y) < size // 8 else colour)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (
            struct.pack(">I", len(data))
            + body
            + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )

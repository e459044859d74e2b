"""Request bodies that always parse, and responses read even when they don't.

PrestaShop reads writes with SimpleXML, so a body must be well-formed XML
1.0: text goes in CDATA sections, a ``]]>`` inside the text is split across
two sections, and the characters XML 1.0 forbids (most C0 controls, U+FFFE,
U+FFFF, lone surrogates) become a space. PrestaShop writes its answers by
concatenation, so an answer may hold such characters raw: they are replaced
before parsing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from osmsyncd.errors import ShopError

ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
XLINK_NS = "http://www.w3.org/1999/xlink"

# A field's value: plain text, or one text per language id.
FieldValue = str | Mapping[int, str]
# Association name to the node name of its items and the items.
Associations = dict[str, tuple[str, Sequence[Mapping[str, str]]]]


def clean(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by a space."""
    return ILLEGAL.sub(" ", text)


def cdata(text: str) -> str:
    """``text`` as CDATA sections that survive a ``]]>`` inside it."""
    return "<![CDATA[" + clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class Entity:
    """One object to write: its fields and the associations to replace."""

    node: str
    fields: dict[str, FieldValue] = field(default_factory=dict)
    associations: Associations = field(default_factory=dict)


def render_entity(entity: Entity) -> str:
    lines = [f"<{entity.node}>"]
    for name, value in entity.fields.items():
        if isinstance(value, str):
            lines.append(f"<{name}>{cdata(value)}</{name}>")
        else:
            languages = "".join(
                f'<language id="{lang}">{cdata(text)}</language>'
                for lang, text in value.items()
            )
            lines.append(f"<{name}>{languages}</{name}>")
    if entity.associations:
        lines.append("<associations>")
        for name, (node, items) in entity.associations.items():
            lines.append(f"<{name}>")
            for item in items:
                inner = "".join(f"<{k}>{cdata(v)}</{k}>" for k, v in item.items())
                lines.append(f"<{node}>{inner}</{node}>")
            lines.append(f"</{name}>")
        lines.append("</associations>")
    lines.append(f"</{entity.node}>")
    return "\n".join(lines)


def body(*entities: Entity) -> bytes:
    """A request body holding ``entities`` under ``<prestashop>``."""
    inner = "\n".join(render_entity(entity) for entity in entities)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<prestashop xmlns:xlink="{XLINK_NS}">\n{inner}\n</prestashop>\n'
    )
    return text.encode("utf-8")


def sanitize(content: bytes) -> str:
    """A response's text with the characters XML 1.0 forbids replaced."""
    return clean(content.decode("utf-8", errors="replace"))


def parse(content: bytes) -> ET.Element:
    """Parse a response, recovering from forbidden characters."""
    try:
        return ET.fromstring(sanitize(content))
    except ET.ParseError as exc:
        raise ShopError(
            f"the shop's answer is not readable XML ({exc})", code="xml", transient=True
        ) from exc


def texts(element: ET.Element) -> dict[str, str]:
    """The text of each child of ``element`` (CDATA already unwrapped)."""
    return {child.tag: (child.text or "") for child in element}

"""Reading request bodies the way PrestaShop's SimpleXML does.

A body that does not parse gives the 500 answer with error 127 (preceded by
PHP warnings that repeat the parser's complaint, as PHP 8 adds them).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field

from osmsyncd_prestashop.sandbox.query import WsError

_PHP_FILE = "(/var/www/shop/classes/webservice/WebserviceRequest.php, line 1544)"


@dataclass
class Entity:
    """One element under ``<prestashop>``: its fields and associations.

    A multi-language field is a dict of language id to text.
    """

    node: str
    values: dict[str, str | dict[int, str]] = field(default_factory=dict)
    assocs: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def parse_body(body: bytes) -> list[Entity]:
    """The entities of a write request, or the error PrestaShop gives."""
    text = body.decode("utf-8", errors="replace")
    if text.startswith("xml="):
        text = text[4:]
    if not text.strip():
        raise _unparsable(text, [])
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise _unparsable(text, _warnings(text, exc)) from exc
    return [_entity(element) for element in root]


def _entity(element: ET.Element) -> Entity:
    entity = Entity(element.tag)
    for child in element:
        if child.tag == "associations":
            for assoc in child:
                entity.assocs[assoc.tag] = [
                    {sub.tag: (sub.text or "") for sub in item} for item in assoc
                ]
            continue
        languages = child.findall("language")
        if languages:
            entity.values[child.tag] = {
                int(lang.get("id", "0")): lang.text or "" for lang in languages
            }
        else:
            entity.values[child.tag] = child.text or ""
    return entity


def _unparsable(text: str, warnings: list[tuple[int, str]]) -> WsError:
    size = len(text.encode("utf-8"))
    message = (
        "XML error : String could not be parsed as XML\n"
        f"XML length : {size}\nOriginal XML : {text}"
    )
    return WsError(500, [*warnings, (127, message)])


def _warnings(text: str, exc: ET.ParseError) -> list[tuple[int, str]]:
    line, column = exc.position
    source = text.splitlines()[line - 1] if text.splitlines() else ""
    reason = str(exc).split(":")[0]
    if reason == "no element found":
        opened = _unclosed(text)
        reason = f"Premature end of data in tag {opened} line 1" if opened else reason
    prefix = "[PHP Warning #2] SimpleXMLElement::__construct(): "
    return [
        (3, f"{prefix}Entity: line {line}: parser error : {reason} {_PHP_FILE}"),
        (3, f"{prefix}{source} {_PHP_FILE}"),
        (3, f"{prefix}{' ' * column}^ {_PHP_FILE}"),
    ]


def _unclosed(text: str) -> str:
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([A-Za-z_][\w.-]*)[^>]*?(?<!/)>", text):
        if closing:
            if stack and stack[-1] == name:
                stack.pop()
        else:
            stack.append(name)
    return stack[0] if stack else ""

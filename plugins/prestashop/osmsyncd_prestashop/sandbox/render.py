"""Turning rows into PrestaShop's XML and JSON documents, byte for byte.

PrestaShop writes XML by string concatenation: values go inside CDATA
without escaping (so a value holding ``]]>`` or a control character yields a
broken document, as on a real shop), one tab of indentation, a newline after
each element. Its JSON escapes ``/`` and leaves other characters as UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from osmsyncd_prestashop.sandbox.schema import Assoc
from osmsyncd_prestashop.sandbox.schema import Field
from osmsyncd_prestashop.sandbox.schema import ResourceDef
from osmsyncd_prestashop.sandbox.store import ASSOC
from osmsyncd_prestashop.sandbox.store import Row

XML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n'
)
XML_TAIL = "</prestashop>\n"
XML_TYPE = "text/xml;charset=utf-8"
JSON_TYPE = "application/json"

# Links PrestaShop prints even when the value is empty.
ALWAYS_LINKED = frozenset(
    {("orders", "current_state"), ("order_details", "product_attribute_id")}
)


@dataclass
class View:
    """What to show of each row.

    ``fields`` None shows every field; ``assocs`` None shows every
    association, otherwise association name to the sub-fields asked for.
    ``languages`` restricts multi-language values; ``unlinked`` names the
    multi-language fields printed without ``xlink:href`` (a write's echo
    shows them so when the request did not send them); ``extra`` holds the
    virtual price fields, per row id.
    """

    fields: Sequence[str] | None = None
    assocs: Mapping[str, Sequence[str]] | None = None
    languages: Sequence[int] = ()
    unlinked: frozenset[str] = frozenset()
    extra: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    single_language: bool = False


def php_empty(value: Any) -> bool:
    """PHP's ``empty()``: what a JSON item leaves out."""
    return value is None or value is False or value in ("", "0", 0)


def json_text(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("/", "\\/")


class Renderer:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    # -- XML ---------------------------------------------------------------

    def xml_document(self, inner: str) -> str:
        return XML_HEAD + inner + XML_TAIL

    def xml_errors(self, errors: Iterable[tuple[int, str]]) -> str:
        parts = ["<errors>\n"]
        for code, message in errors:
            parts.append(
                f"<error>\n<code><![CDATA[{code}]]></code>\n"
                f"<message><![CDATA[{message}]]></message>\n</error>\n"
            )
        parts.append("</errors>\n")
        return self.xml_document("".join(parts))

    def xml_entity(self, definition: ResourceDef, row: Row, view: View) -> str:
        lines = [f"<{definition.node}>\n"]
        for spec in self._shown(definition, view):
            lines.append(self._xml_field(definition, spec, row, view))
        for name, value in view.extra.get(int(row["id"] or 0), {}).items():
            lines.append(f"\t<{name}><![CDATA[{value}]]></{name}>\n")
        if definition.assocs and (view.assocs is None or view.assocs):
            lines.append(self._xml_assocs(definition, row, view))
        lines.append(f"</{definition.node}>\n")
        return "".join(lines)

    def xml_list(
        self, definition: ResourceDef, rows: Sequence[Row], view: View | None
    ) -> str:
        parts = [f"<{definition.name}>\n"]
        for row in rows:
            if view is None:
                href = f"{self.base}/{definition.name}/{row['id']}"
                parts.append(
                    f'<{definition.node} id="{row["id"]}" xlink:href="{href}"/>\n'
                )
            else:
                parts.append(self.xml_entity(definition, row, view))
        parts.append(f"</{definition.name}>\n")
        return self.xml_document("".join(parts))

    def _shown(self, definition: ResourceDef, view: View) -> list[Field]:
        if view.fields is None:
            return list(definition.fields)
        wanted = set(view.fields)
        return [spec for spec in definition.fields if spec.name in wanted]

    def _xml_field(
        self, definition: ResourceDef, spec: Field, row: Row, view: View
    ) -> str:
        value = row.get(spec.name)
        if spec.i18n:
            languages = view.languages or sorted(value or {})
            linked = spec.name not in view.unlinked
            inner = "".join(
                self._xml_language(lang, (value or {}).get(lang, ""), linked)
                for lang in languages
            )
            return f"\t<{spec.name}>{inner}</{spec.name}>\n"
        attributes = ""
        href = self._href(definition, spec, row)
        if href is not None:
            attributes += f' xlink:href="{href}"'
        if spec.not_filterable:
            attributes += ' notFilterable="true"'
        return f"\t<{spec.name}{attributes}><![CDATA[{scalar(value)}]]></{spec.name}>\n"

    def _xml_language(self, lang: int, text: str, linked: bool) -> str:
        link = f' xlink:href="{self.base}/languages/{lang}"' if linked else ""
        return f'<language id="{lang}"{link}><![CDATA[{text}]]></language>'

    def _href(self, definition: ResourceDef, spec: Field, row: Row) -> str | None:
        value = scalar(row.get(spec.name))
        if definition.name == "products" and spec.name == "id_default_image":
            return f"{self.base}/images/products/{row['id']}/{value}" if value else None
        if (definition.name, spec.name) in ALWAYS_LINKED:
            return f"{self.base}/{spec.link}/{value}"
        if spec.link and value not in ("", "0"):
            return f"{self.base}/{spec.link}/{value}"
        return None

    def _xml_assocs(self, definition: ResourceDef, row: Row, view: View) -> str:
        parts = ["<associations>\n"]
        stored: Mapping[str, list[dict[str, str]]] = row.get(ASSOC, {})
        for assoc in definition.assocs:
            if view.assocs is not None and assoc.name not in view.assocs:
                continue
            sub = None if view.assocs is None else view.assocs[assoc.name]
            parts.append(self._xml_assoc(assoc, row, stored.get(assoc.name, []), sub))
        parts.append("</associations>\n")
        return "".join(parts)

    def _xml_assoc(
        self,
        assoc: Assoc,
        row: Row,
        items: Sequence[Mapping[str, str]],
        sub: Sequence[str] | None,
    ) -> str:
        if assoc.api:
            opening = f'<{assoc.name} nodeType="{assoc.node}" api="{assoc.api}"'
        else:
            opening = f'<{assoc.name} nodeType="{assoc.node}" virtualEntity="true"'
        if not items:
            return opening + "/>\n"
        parts = [opening + ">\n"]
        for item in items:
            link = ""
            if assoc.name == "images":
                href = f"{self.base}/images/products/{row['id']}/{item['id']}"
                link = f' xlink:href="{href}"'
            elif assoc.link:
                link = f' xlink:href="{self.base}/{assoc.link}/{item.get("id", "")}"'
            parts.append(f"\t<{assoc.node}{link}>\n")
            for name, target in assoc.fields:
                if name not in item or (sub is not None and name not in sub):
                    continue
                href = (
                    f' xlink:href="{self.base}/{target}/{item[name]}"' if target else ""
                )
                parts.append(f"\t<{name}{href}><![CDATA[{item[name]}]]></{name}>\n")
            parts.append(f"\t</{assoc.node}>\n")
        parts.append(f"</{assoc.name}>\n")
        return "".join(parts)

    # -- JSON --------------------------------------------------------------

    def json_entity(
        self, definition: ResourceDef, row: Row, view: View, *, item: bool
    ) -> dict[str, Any]:
        """One row as JSON; an ``item`` leaves out PHP-empty scalars."""
        data: dict[str, Any] = {}
        for spec in self._shown(definition, view):
            value = row.get(spec.name)
            if spec.name == "id":
                data["id"] = value if isinstance(value, str) else int(value or 0)
                continue
            if spec.i18n:
                shown = self._json_languages(value or {}, view)
                if not (item and isinstance(shown, str) and shown == ""):
                    data[spec.name] = shown
                continue
            if item and php_empty(value):
                continue
            data[spec.name] = value
        for name, text in view.extra.get(int(row["id"] or 0), {}).items():
            data[name] = text
        associations = self._json_assocs(definition, row, view)
        if associations:
            data["associations"] = associations
        return data

    def _json_languages(self, values: Mapping[int, str], view: View) -> Any:
        languages = list(view.languages) or sorted(values)
        if view.single_language and len(languages) == 1:
            return values.get(languages[0], "")
        return [{"id": str(lang), "value": values.get(lang, "")} for lang in languages]

    def _json_assocs(
        self, definition: ResourceDef, row: Row, view: View
    ) -> dict[str, list[dict[str, str]]]:
        stored: Mapping[str, list[dict[str, str]]] = row.get(ASSOC, {})
        result: dict[str, list[dict[str, str]]] = {}
        for assoc in definition.assocs:
            if view.assocs is not None and assoc.name not in view.assocs:
                continue
            items = stored.get(assoc.name, [])
            if not items:
                continue
            sub = None if view.assocs is None else view.assocs[assoc.name]
            names = [n for n, _ in assoc.fields if sub is None or n in sub]
            result[assoc.name] = [
                {name: item[name] for name in names if name in item} for item in items
            ]
        return result

    # -- index ---------------------------------------------------------------

    def xml_index(
        self, shop_name: str, resources: Sequence[tuple[str, str, Mapping[str, bool]]]
    ) -> str:
        parts = [f'<api shopName="{shop_name}">\n']
        for name, description, rights in resources:
            flags = " ".join(
                f'{method}="{"true" if allowed else "false"}"'
                for method, allowed in rights.items()
            )
            href = f"{self.base}/{name}"
            parts.append(f'<{name} xlink:href="{href}" {flags}>\n')
            parts.append(f'<description xlink:href="{href}" {flags}>\n{description}')
            parts.append("</description>\n")
            if name != "images":
                for kind in ("blank", "synopsis"):
                    parts.append(
                        f'<schema xlink:href="{href}?schema={kind}" type="{kind}"/>\n'
                    )
            parts.append(f"</{name}>\n")
        parts.append("</api>\n")
        return self.xml_document("".join(parts))


def scalar(value: Any) -> str:
    if value is None or value is False:
        return ""
    return str(value)

"""The webservice itself: routing, reads, writes and their echoes.

A write follows PrestaShop's order of checks: the body must parse (127), a
POST must not carry an id (91) and a PUT or PATCH must (90) and name an
existing object (92, and the body's id wins over the URL's), read-only
fields are refused (93), required fields must be present except on PATCH
(41), then plain fields are validated (85) before multi-language ones (84).
A PUT or POST sets every field it does not carry to NULL; a multi-language
field blanks the languages a request leaves out, PATCH included.
"""

from __future__ import annotations

import copy
import random
import re
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from osmsyncd_prestashop.sandbox.base import VERSION
from osmsyncd_prestashop.sandbox.base import Clock
from osmsyncd_prestashop.sandbox.base import Request
from osmsyncd_prestashop.sandbox.base import Response
from osmsyncd_prestashop.sandbox.catalog import CatalogMixin
from osmsyncd_prestashop.sandbox.images import ImagesMixin
from osmsyncd_prestashop.sandbox.query import LIST_WARNINGS
from osmsyncd_prestashop.sandbox.query import Display
from osmsyncd_prestashop.sandbox.query import WsError
from osmsyncd_prestashop.sandbox.query import matches
from osmsyncd_prestashop.sandbox.query import parse_display
from osmsyncd_prestashop.sandbox.query import parse_filters
from osmsyncd_prestashop.sandbox.query import parse_languages
from osmsyncd_prestashop.sandbox.query import parse_limit
from osmsyncd_prestashop.sandbox.query import parse_sort
from osmsyncd_prestashop.sandbox.query import sort_rows
from osmsyncd_prestashop.sandbox.reader import Entity
from osmsyncd_prestashop.sandbox.reader import parse_body
from osmsyncd_prestashop.sandbox.render import XML_TYPE
from osmsyncd_prestashop.sandbox.render import View
from osmsyncd_prestashop.sandbox.rules import closest
from osmsyncd_prestashop.sandbox.rules import is_valid
from osmsyncd_prestashop.sandbox.sales import SalesMixin
from osmsyncd_prestashop.sandbox.schema import GRANTED
from osmsyncd_prestashop.sandbox.schema import KNOWN
from osmsyncd_prestashop.sandbox.schema import RESOURCES
from osmsyncd_prestashop.sandbox.schema import ResourceDef
from osmsyncd_prestashop.sandbox.seed import SHOP_NAME
from osmsyncd_prestashop.sandbox.seed import seed
from osmsyncd_prestashop.sandbox.store import ASSOC
from osmsyncd_prestashop.sandbox.store import Row
from osmsyncd_prestashop.sandbox.store import Store

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
RIGHTS = ("get", "put", "post", "patch", "delete", "head")

# Synopsis attributes of association sub-fields, where PrestaShop prints some.
_REQUIRED = ' required="true"'
SYNOPSIS_SUBFIELDS = {
    ("categories", "id"): _REQUIRED,
    ("combinations", "id"): _REQUIRED,
    ("product_option_values", "id"): _REQUIRED,
    ("product_features", "id"): _REQUIRED,
    (
        "product_features",
        "id_feature_value",
    ): ' xlink:href="{base}/product_feature_values/"' + _REQUIRED,
    ("tags", "id"): _REQUIRED,
    ("stock_availables", "id"): _REQUIRED,
    ("stock_availables", "id_product_attribute"): _REQUIRED,
    ("attachments", "id"): _REQUIRED,
    ("accessories", "id"): ' xlink:href="{base}/products/"' + _REQUIRED,
    ("product_bundle", "id"): _REQUIRED,
    ("order_rows", "product_id"): ' xlink:href="{base}/products/"' + _REQUIRED,
    ("order_rows", "product_attribute_id"): _REQUIRED,
    ("order_rows", "product_quantity"): _REQUIRED,
    ("order_rows", "id_customization"): ' xlink:href="{base}/customizations/"',
}
_READ_ONLY_ROW = ' read_only="true" readOnly="true"'
for _name in ("name", "reference", "ean13", "isbn", "upc", "price"):
    SYNOPSIS_SUBFIELDS[("order_rows", f"product_{_name}")] = _READ_ONLY_ROW
for _name in ("unit_price_tax_incl", "unit_price_tax_excl"):
    SYNOPSIS_SUBFIELDS[("order_rows", _name)] = _READ_ONLY_ROW


class Shop(CatalogMixin, SalesMixin, ImagesMixin):
    """A PrestaShop 8.2.1 webservice held in memory."""

    def __init__(
        self,
        base_url: str,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        version: str = VERSION,
    ) -> None:
        super().__init__(Store(), base_url, clock)
        self.version = version
        self.category_products = {}
        self.ordered_carts = set()
        self.rng = rng or random.Random()
        seed(self.store, self.now())

    # -- entry point ---------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self.store.lock:
            try:
                return self._dispatch(request)
            except WsError as error:
                return self.error_response(request, error)

    def _dispatch(self, request: Request) -> Response:
        patchless = self.version.split(".")[0] in ("1",)
        if request.method not in METHODS or (patchless and request.method == "PATCH"):
            # PATCH came with PrestaShop 8: older shops do not know the method.
            raise WsError(405, [(23, f"Method {request.method} is not valid")])
        if not request.parts:
            return self._index(request)
        name = request.parts[0]
        if name == "images":
            return self.images(request)
        if name not in GRANTED:
            if name in KNOWN:
                raise WsError(
                    401,
                    [(26, f'Resource of type "{name}" is not allowed with this '
                          "authentication key")],
                )  # fmt: skip
            listing = ", ".join(f'"{known}"' for known in KNOWN)
            raise WsError(
                400,
                [(27, f'Resource of type "{name}" does not exists. Did you mean: '
                      f'"{closest(name, KNOWN)}"? The full list is: {listing}')],
            )  # fmt: skip
        definition = RESOURCES[name]
        if request.method not in definition.methods:
            raise WsError(
                405,
                [
                    (
                        101,
                        f"Method {request.method} is not allowed for the resource "
                        f"{name}",
                    )
                ],
            )
        row_id = request.parts[1] if len(request.parts) > 1 else None
        if request.method in ("GET", "HEAD"):
            if "schema" in request.params:
                return self._schema(request, definition)
            if row_id is not None:
                return self._item(request, definition, row_id)
            return self._list(request, definition)
        if request.method == "DELETE":
            return self._delete(definition, row_id)
        return self._write(request, definition)

    # -- index and schemas ---------------------------------------------------------

    def _index(self, request: Request) -> Response:
        if request.json:
            return Response(500, b"", "text/html; charset=utf-8", versioned=False)
        entries = []
        for name in sorted(GRANTED):
            description = (
                "The images" if name == "images" else RESOURCES[name].description
            )
            entries.append((name, description, {right: True for right in RIGHTS}))
        body = self.renderer.xml_index(SHOP_NAME, entries)
        return Response(200, body.encode(), XML_TYPE)

    def _schema(self, request: Request, definition: ResourceDef) -> Response:
        kind = request.params["schema"]
        if kind not in ("blank", "synopsis"):
            raise WsError(
                500,
                [
                    (
                        28,
                        "Please select a schema of type 'synopsis' to get the whole "
                        "schema informations (which fields are required, which kind of "
                        "content...) or 'blank' to get an empty schema to fill before "
                        "using POST request",
                    ),
                    *LIST_WARNINGS,
                ],
            )
        data: Any
        if definition.assocs:
            data = {
                definition.node: {
                    "associations": {
                        a.name: [{sub: None for sub, _ in a.fields}]
                        for a in definition.assocs
                    }
                }
            }
        else:
            data = {definition.node: []}
        return self.document(request, self._schema_xml(definition, kind), data)

    def _schema_xml(self, definition: ResourceDef, kind: str) -> str:
        synopsis = kind == "synopsis"
        base = self.renderer.base
        lines = [f"<{definition.node}>\n"]
        for spec in definition.fields:
            if synopsis and spec.name == "id":
                continue
            if not synopsis and spec.read_only:
                continue
            attributes = ""
            if synopsis:
                if spec.required:
                    attributes += _REQUIRED
                if spec.size is not None:
                    attributes += f' maxSize="{spec.size}"'
                if spec.fmt:
                    attributes += f' format="{spec.fmt}"'
                if spec.not_filterable:
                    attributes += ' notFilterable="true"'
                if spec.read_only:
                    attributes += _READ_ONLY_ROW if spec.virtual else ' readOnly="true"'
            if spec.i18n:
                link = ' xlink:href="{base}/languages/{lang}" format="isUnsignedId" '
                inner = "".join(
                    f'<language id="{lang}"'
                    + (link.format(base=base, lang=lang) if synopsis else "")
                    + "><![CDATA[]]></language>"
                    for lang in self.languages()
                )
                lines.append(f"\t<{spec.name}{attributes}>{inner}</{spec.name}>\n")
            else:
                lines.append(f"\t<{spec.name}{attributes}><![CDATA[]]></{spec.name}>\n")
        if definition.assocs:
            lines.append("<associations>\n")
            for assoc in definition.assocs:
                head = ""
                if synopsis:
                    head = (
                        f' nodeType="{assoc.node}" api="{assoc.api}"'
                        if assoc.api
                        else f' nodeType="{assoc.node}" virtualEntity="true"'
                    )
                lines.append(f"<{assoc.name}{head}>\n\t<{assoc.node}>\n")
                for sub, _ in assoc.fields:
                    extra = ""
                    if synopsis:
                        extra = SYNOPSIS_SUBFIELDS.get((assoc.name, sub), "").format(
                            base=base
                        )
                    lines.append(f"\t<{sub}{extra}><![CDATA[]]></{sub}>\n")
                lines.append(f"\t</{assoc.node}>\n</{assoc.name}>\n")
            lines.append("</associations>\n")
        lines.append(f"</{definition.node}>\n")
        return "".join(lines)

    # -- reads ---------------------------------------------------------------------

    def rendered(self, definition: ResourceDef, row: Row, echo: bool = False) -> Row:
        """The row with its getter fields, as the webservice shows it."""
        hook = getattr(self, f"computed_{definition.name}", None)
        shown = dict(row)
        if hook is not None:
            shown.update(hook(row, echo))
        return shown

    def _view(self, request: Request, display: Display | None) -> View:
        languages = parse_languages(request.params.get("language"), self.languages())
        if display is None:
            return View(
                languages=languages, single_language="language" in request.params
            )
        return View(
            fields=display.fields,
            assocs=display.assocs if display.fields is not None else None,
            languages=languages,
            single_language="language" in request.params,
        )

    def _prices(self, request: Request, rows: list[Row]) -> dict[int, dict[str, str]]:
        wanted: dict[str, bool] = {}
        for key, value in request.params.items():
            found = re.fullmatch(r"price\[(\w+)\]\[use_tax\]", key)
            if found:
                wanted[found[1]] = value == "1"
        result: dict[int, dict[str, str]] = {}
        for row in rows:
            price = Decimal(str(row.get("price") or "0"))
            rate = self.tax_rate(int(row.get("id_tax_rules_group") or 0))
            result[int(row["id"])] = {
                name: str(
                    (price * (1 + rate / 100) if use_tax else price)
                    .quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                    .quantize(Decimal("0.000001"))
                )
                for name, use_tax in wanted.items()
            }
        return result

    def _item(self, request: Request, definition: ResourceDef, row_id: str) -> Response:
        row = self.store.get(definition.name, int(row_id)) if row_id.isdigit() else None
        if row is None:
            return Response(404)
        display = parse_display(definition, request.params.get("display"))
        if display is not None and display.fields is not None:
            return self._render_list(request, definition, [row], display)
        view = self._view(request, Display(None, None))
        if definition.name == "products":
            view.extra = self._prices(request, [row])
        shown = self.rendered(definition, row)
        xml = self.renderer.xml_entity(definition, shown, view)
        data = {
            definition.node: self.renderer.json_entity(
                definition, shown, view, item=True
            )
        }
        return self.document(request, xml, data)

    def _list(self, request: Request, definition: ResourceDef) -> Response:
        params = request.params
        dates = params.get("date") == "1"
        display = parse_display(definition, params.get("display"))
        conditions = parse_filters(definition, params, dates)
        keys = parse_sort(definition, params.get("sort"), dates)
        limit = parse_limit(params.get("limit"))
        languages = parse_languages(params.get("language"), self.languages())

        rows = [
            r
            for r in self.store.rows(definition.name)
            if matches(r, conditions, languages)
        ]
        rows = sort_rows(rows, keys, self.default_language())
        if limit is None:
            rows = []
        else:
            offset, count = limit
            rows = rows[offset : None if count is None else offset + count]
        return self._render_list(request, definition, rows, display)

    def _render_list(
        self,
        request: Request,
        definition: ResourceDef,
        rows: list[Row],
        display: Display | None,
    ) -> Response:
        if request.json and not rows:
            return self.document(request, "", [])
        shown = [self.rendered(definition, row) for row in rows]
        if display is None:
            xml = self.renderer.xml_list(definition, shown, None)
            data = {definition.name: [{"id": int(row["id"])} for row in rows]}
            return self._raw_document(request, xml, data)
        view = self._view(request, display)
        if display.fields is None and definition.name == "products":
            view.extra = self._prices(request, rows)
        xml = self.renderer.xml_list(definition, shown, view)
        data = {
            definition.name: [
                self.renderer.json_entity(definition, row, view, item=False)
                for row in shown
            ]
        }
        return self._raw_document(request, xml, data)

    def _raw_document(self, request: Request, xml: str, data: Any) -> Response:
        response = self.document(request, "", data)
        if not request.json:
            response.body = xml.encode()
        return response

    # -- deletes -------------------------------------------------------------------

    def _delete(self, definition: ResourceDef, row_id: str | None) -> Response:
        if row_id is None:
            warning = (
                "[PHP Warning #2] Undefined array key 1 "
                "(/var/www/shop/classes/webservice/WebserviceRequest.php, line 1485)"
            )
            raise WsError(404, [(3, warning), (87, "Id(s) not exists: 0")])
        row = self.store.get(definition.name, int(row_id)) if row_id.isdigit() else None
        if row is None:
            raise WsError(404, [(87, f"Id(s) not exists: {row_id}")])
        hook = getattr(self, f"delete_{definition.name}", None)
        if hook is not None:
            hook(row)
        self.store.delete(definition.name, int(row_id))
        return Response(200)

    # -- writes --------------------------------------------------------------------

    def _write(self, request: Request, definition: ResourceDef) -> Response:
        entities = parse_body(request.body)
        method = request.method
        if method in ("PUT", "PATCH") and len(entities) > 1:
            ids = [str(e.values.get("id", "")) for e in entities]
            if len(set(ids)) != len(ids):
                raise WsError(400, [(89, "id is duplicate in request")])

        echoes: list[tuple[Row, frozenset[str]]] = []
        for entity in entities:
            outcome = self._save(method, definition, entity)
            if isinstance(outcome, Response):
                return outcome
            echoes.append(outcome)

        view_languages = self.languages()
        xml_parts, json_items = [], []
        for row, unlinked in echoes:
            view = View(languages=view_languages, unlinked=unlinked)
            xml_parts.append(self.renderer.xml_entity(definition, row, view))
            json_items.append(
                self.renderer.json_entity(definition, row, view, item=True)
            )
        data: Any = (
            {definition.node: json_items[0]}
            if len(json_items) == 1
            else {definition.name: json_items}
        )
        return self.document(
            request, "".join(xml_parts), data, 201 if method == "POST" else 200
        )

    def _hook(self, phase: str, name: str, *args: Any) -> Any:
        hook = getattr(self, f"{phase}_{name}", None)
        return hook(*args) if hook is not None else None

    def _save(
        self, method: str, definition: ResourceDef, entity: Entity
    ) -> tuple[Row, frozenset[str]] | Response:
        name = definition.name
        sent = entity.values
        raw: Row = {ASSOC: {}}
        if method == "POST":
            if "id" in sent:
                raise WsError(400, [(91, "id is forbidden when adding a new resource")])
            raw.update(self._hook("defaults", name, method) or {})
        else:
            body_id = sent.get("id")
            if not isinstance(body_id, str) or not body_id:
                raise WsError(400, [(90, "id is required when modifying a resource")])
            stored = self.store.get(name, int(body_id)) if body_id.isdigit() else None
            if stored is None:
                raise WsError(404, [(92, "Invalid ID")])
            if method == "PUT":
                raw[ASSOC] = copy.deepcopy(stored[ASSOC])
                raw.update(self._hook("defaults", name, method) or {})
            else:
                raw = copy.deepcopy(stored)
            raw["id"] = body_id

        self._check_presence(method, definition, sent)
        self._assign(definition, raw, entity)
        self._hook("prepare", name, method, raw, sent)
        self._validate(definition, raw)
        self._hook("check", name, method, raw)

        if name == "orders" and method == "POST":
            stored_order, death = self.create_order(raw)
            if death is not None:
                return death
            raw["id"] = stored_order["id"]
            echo = dict(raw)
            echo.update(self.computed_orders(stored_order, True))
            return echo, frozenset()

        now = self.now()
        fields = definition.by_name
        if "date_add" in fields and (method == "POST" or not raw.get("date_add")):
            raw["date_add"] = now
        if "date_upd" in fields:
            raw["date_upd"] = now
        row = self.store.normalized(name, raw)
        if method == "POST":
            row["id"] = None
            raw["id"] = self.store.insert(name, row)
        else:
            row["id"] = int(str(raw["id"]))
            self.store.tables[name][row["id"]] = row
        self._hook("saved", name, method, row, sent)

        if method == "PATCH":
            shown = self.rendered(definition, row)
            shown["id"] = raw["id"]
            return shown, frozenset()
        unlinked = frozenset(
            spec.name
            for spec in definition.fields
            if spec.i18n and spec.name not in sent
        )
        return self.rendered(definition, raw, echo=True), unlinked

    def _check_presence(
        self, method: str, definition: ResourceDef, sent: dict[str, Any]
    ) -> None:
        for spec in definition.fields[1:]:
            present = spec.name in sent
            if present and spec.read_only:
                raise WsError(
                    400,
                    [(93, f'parameter "{spec.name}" not writable. Please remove this '
                          "attribute of this XML")],
                )  # fmt: skip
            if not present and spec.required and method != "PATCH":
                raise WsError(400, [(41, f'parameter "{spec.name}" required')])

    def _assign(self, definition: ResourceDef, raw: Row, entity: Entity) -> None:
        languages = self.languages()
        for key, value in entity.values.items():
            spec = definition.field(key)
            if spec is None or key == "id" or spec.virtual:
                continue
            if spec.i18n:
                given = value if isinstance(value, dict) else {}
                raw[key] = {lang: given.get(lang, "") for lang in languages}
            else:
                raw[key] = value if isinstance(value, str) else ""
        for assoc_name, items in entity.assocs.items():
            assoc = definition.assoc(assoc_name)
            if assoc is None or not assoc.writable:
                continue
            known = {sub for sub, _ in assoc.fields}
            raw[ASSOC][assoc_name] = [
                {key: text for key, text in item.items() if key in known}
                for item in items
            ]

    def _validate(self, definition: ResourceDef, raw: Row) -> None:
        klass = definition.klass
        for spec in definition.fields[1:]:
            if spec.i18n or spec.virtual:
                continue
            value = raw.get(spec.name)
            if value is None or value == "":
                continue
            problem = _problem(klass, spec.name, str(value), spec.size, spec.fmt)
            if problem:
                raise WsError(400, [(85, problem)])
        default = self.default_language()
        for spec in definition.fields:
            if not spec.i18n:
                continue
            values: dict[int, str] = raw.get(spec.name) or {}
            if spec.required and not values.get(default):
                message = (
                    f"Property {klass}-&gt;{spec.name} is empty for default language"
                )
                raise WsError(400, [(84, f'Validation error: "{message}"')])
            for text in values.values():
                if text:
                    problem = _problem(klass, spec.name, text, spec.size, spec.fmt)
                    if problem:
                        raise WsError(400, [(84, problem)])

    # -- inspection for tests -------------------------------------------------------

    def renumber_languages(self, ids: dict[int, int], default: int) -> None:
        """Give the languages new ids (old id to new), as shops installed otherwise."""
        with self.store.lock:
            for name, rows in self.store.tables.items():
                i18n = [spec.name for spec in RESOURCES[name].fields if spec.i18n]
                for row in rows.values():
                    for key in i18n:
                        values = row.get(key) or {}
                        row[key] = {
                            ids.get(lang, lang): text for lang, text in values.items()
                        }
            languages = self.store.tables["languages"]
            moved = {ids.get(lang, lang): row for lang, row in languages.items()}
            for lang, row in moved.items():
                row["id"] = lang
            self.store.tables["languages"] = moved
            self.store.set_config("PS_LANG_DEFAULT", str(default))

    def row(self, resource: str, row_id: int) -> Row | None:
        with self.store.lock:
            found = self.store.get(resource, row_id)
            return copy.deepcopy(found) if found is not None else None


def _problem(klass: str, name: str, text: str, size: int | None, fmt: str) -> str:
    if size is not None and len(text) > size:
        return (
            "Validation error: "
            f'"The length of property {klass}-&gt;{name} is currently '
            f'{len(text)} chars. It must be between 0 and {size} chars."'
        )
    if fmt and not is_valid(fmt, text):
        return f'Validation error: "Property {klass}-&gt;{name} is not valid"'
    return ""

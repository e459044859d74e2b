"""A thin PrestaShop webservice client on osmsyncd's shared HTTP client.

Reads ask for JSON (``output_format=JSON``), which escapes every character
properly; writes send XML, the only body PrestaShop reads, and ask for the
echo in JSON too. The images tree and the resource index only answer XML.
The key travels as the Basic user name; when the web server strips the
Authorization header (a plain-text 401) and ``auth`` is ``auto``, the key
moves to the ``ws_key`` parameter for the rest of the session.
"""

from __future__ import annotations

import html
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

import requests
import structlog

from osmsyncd.config import ConnectionSettings
from osmsyncd.errors import ShopError
from osmsyncd.errors import ShopUnavailable
from osmsyncd.httpclient import HttpClient
from osmsyncd_prestashop import __version__
from osmsyncd_prestashop import xml
from osmsyncd_prestashop.xml import Entity

log = structlog.get_logger(__name__)

XML_BODY = {"Content-Type": "application/xml; charset=utf-8"}
PAGE = 100
# Characters a filter value cannot carry: they are PrestaShop's filter syntax.
FILTER_SYNTAX = frozenset("[]|%,<>!")

AUTH_FIX = (
    "the web server drops the Authorization header before PHP sees it: add to "
    "the shop's .htaccess "
    "'RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]' "
    "(or 'SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1', or enable "
    "'CGI mode for PHP' under Advanced Parameters > Webservice), or set "
    'auth = "query" on the connection'
)


def version_tuple(text: str | None) -> tuple[int, ...]:
    parts = []
    for piece in (text or "").split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)


def ps_errors(response: requests.Response) -> list[tuple[str, str]]:
    """The (code, message) pairs of a PrestaShop error document, if any."""
    content = response.content
    kind = response.headers.get("Content-Type", "")
    found: list[tuple[str, str]] = []
    if not content:
        return found
    if "json" in kind:
        try:
            data = json.loads(content)
        except ValueError:
            return found
        if isinstance(data, dict):
            for error in data.get("errors", []) or []:
                found.append((str(error.get("code")), str(error.get("message", ""))))
        return found
    if "xml" in kind:
        try:
            root = ET.fromstring(xml.sanitize(content))
        except ET.ParseError:
            return found
        for error in root.iter("error"):
            found.append(
                (error.findtext("code") or "", error.findtext("message") or "")
            )
    return found


def stripped_auth(response: requests.Response) -> bool:
    """Whether a 401 is the web server's, before PrestaShop saw any key."""
    return (
        response.status_code == 401
        and "PSWS-Version" not in response.headers
        and not ps_errors(response)
    )


def _expect_json(response: requests.Response) -> str | None:
    if not response.content:
        return "empty body"
    if "json" not in response.headers.get("Content-Type", ""):
        return f"expected JSON, got {response.headers.get('Content-Type') or 'nothing'}"
    try:
        json.loads(response.content)
    except ValueError:
        return "truncated or invalid JSON"
    return None


def _expect_xml(response: requests.Response) -> str | None:
    if "xml" not in response.headers.get("Content-Type", ""):
        return f"expected XML, got {response.headers.get('Content-Type') or 'nothing'}"
    try:
        root = ET.fromstring(xml.sanitize(response.content))
    except ET.ParseError:
        return "truncated or invalid XML"
    return None if root.tag == "prestashop" else f"unexpected root <{root.tag}>"


def bracket(values: Sequence[str]) -> str:
    """``[a|b|c]``: a filter matching any of ``values``."""
    return "[" + "|".join(values) + "]"


class PrestaShopClient:
    """Calls to one shop's webservice, with its key, version and auth mode."""

    def __init__(self, settings: ConnectionSettings, stop: threading.Event) -> None:
        if settings.auth not in ("auto", "basic", "query"):
            raise ShopError(
                f"auth = {settings.auth!r} does not apply to PrestaShop; set the "
                'connection\'s auth to "auto", "basic" or "query"'
            )
        self.settings = settings
        self.key = settings.token
        self.mode = settings.auth
        self.version: tuple[int, ...] = ()
        self.header_stripped = False
        self.http = HttpClient(
            settings.url.rstrip("/") + "/api",
            timeout=settings.timeout,
            verify=settings.verify_tls,
            max_requests_per_second=settings.max_requests_per_second,
            concurrency=settings.concurrency,
            debug=settings.debug,
            secrets=[settings.token],
            stop=stop,
            user_agent=f"osmsyncd-prestashop/{__version__}",
        )

    @property
    def patch_supported(self) -> bool:
        """PATCH exists from PrestaShop 8.0; before, updates are whole PUTs."""
        return not self.version or self.version >= (8,)

    def close(self) -> None:
        self.http.close()

    # -- transport -------------------------------------------------------------------

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: bytes | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        expect: str = "json",
        ok_statuses: Sequence[int] = (),
    ) -> requests.Response:
        """One call, authenticated, with PrestaShop's errors raised as ShopError."""
        query = dict(params or {})
        if expect == "json":
            query["output_format"] = "JSON"
        check = {"json": _expect_json, "xml": _expect_xml}.get(expect)
        accepted = {404, *ok_statuses}
        if method in ("PUT", "PATCH", "DELETE"):
            # PrestaShop answers many refusals with 500: read them, do not retry.
            accepted.add(500)

        response = self._call(
            method, path, query, data, files, headers, check, accepted
        )
        if stripped_auth(response) and self.mode == "auto" and not self.header_stripped:
            self.header_stripped = True
            log.warning("prestashop_auth_header_stripped", fix=AUTH_FIX)
            response = self._call(
                method, path, query, data, files, headers, check, accepted
            )
        version = response.headers.get("PSWS-Version")
        if version and version != "0":
            self.version = version_tuple(version)
        if response.status_code >= 400 and response.status_code not in ok_statuses:
            raise self.error(response)
        return response

    def _call(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        data: bytes | None,
        files: Any,
        headers: Mapping[str, str] | None,
        check: Any,
        accepted: set[int],
    ) -> requests.Response:
        auth: tuple[str, str] | None = (self.key, "")
        if self.mode == "query" or self.header_stripped:
            query = {**query, "ws_key": self.key}
            auth = None
        return self.http.request(
            method,
            path,
            params=query,
            data=data,
            files=files,
            headers=headers,
            auth=auth,
            check=check if method != "DELETE" else None,
            ok_statuses=accepted,
        )

    def error(self, response: requests.Response) -> ShopError:
        """The ShopError for an error answer, in the shop's own words."""
        status = response.status_code
        errors = [(c, html.unescape(m)) for c, m in ps_errors(response) if c != "3"]
        if stripped_auth(response):
            return ShopError(
                "the shop refused the request without reading the key",
                status=status,
                code="401",
                hint=AUTH_FIX,
            )
        if errors:
            code, message = errors[0]
            text = "; ".join(f"{m} (code {c})" for c, m in errors)
            hint = ""
            if code in ("17", "18", "19", "20", "21"):
                hint = (
                    "check the connection's token: it must be an active 32-character "
                    "webservice key (Advanced Parameters > Webservice)"
                )
            elif code in ("25", "26"):
                hint = (
                    "grant this resource to the key under Advanced Parameters > "
                    "Webservice"
                )
            elif code == "22":
                hint = "enable the webservice under Advanced Parameters > Webservice"
            return ShopError(text, status=status, code=code, hint=hint)
        if status >= 500 or status == 429:
            return ShopUnavailable(f"the shop failed with HTTP {status}", status=status)
        kind = response.headers.get("Content-Type", "nothing")
        return ShopError(
            f"the web server answered HTTP {status} with {kind} instead of the "
            "webservice",
            status=status,
            code="server",
            hint="a firewall or mod_security rule may block this request; check the "
            "web server's logs",
        )

    # -- reads -----------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """A JSON read; None when the object does not exist (404, empty body)."""
        response = self.send("GET", path, params=params, ok_statuses=(404,))
        if response.status_code == 404:
            if response.content:
                raise self.error(response)
            return None
        return json.loads(response.content)

    def select(
        self,
        resource: str,
        *,
        display: str = "full",
        filters: Mapping[str, str] | None = None,
        sort: str | None = None,
        limit: str | None = None,
        dates: bool = False,
    ) -> list[dict[str, Any]]:
        params: dict[str, str] = {"display": display}
        for name, value in (filters or {}).items():
            params[f"filter[{name}]"] = value
        if sort:
            params["sort"] = sort
        if limit:
            params["limit"] = limit
        if dates:
            params["date"] = "1"
        data = self.get(resource, params)
        if not isinstance(data, dict):
            return []
        rows = data.get(resource, [])
        return [row for row in rows if isinstance(row, dict)]

    def by_ids(
        self, resource: str, ids: Sequence[str | int], display: str = "full"
    ) -> list[dict[str, Any]]:
        """Rows with these ids, in requests of at most a page of ids."""
        unique = sorted({int(i) for i in ids if str(i).isdigit() and int(i) > 0})
        rows: list[dict[str, Any]] = []
        for start in range(0, len(unique), PAGE):
            chunk = [str(i) for i in unique[start : start + PAGE]]
            rows.extend(
                self.select(resource, display=display, filters={"id": bracket(chunk)})
            )
        return rows

    def pages(
        self,
        resource: str,
        *,
        display: str = "full",
        filters: Mapping[str, str] | None = None,
        after: int = 0,
        size: int = PAGE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of rows by increasing id, keyset-paged on the id."""
        last = after
        while True:
            wanted = {**(filters or {}), "id": f">[{last}]"}
            rows = self.select(
                resource,
                display=display,
                filters=wanted,
                sort="[id_ASC]",
                limit=str(size),
            )
            if rows:
                yield rows
                last = max(int(row["id"]) for row in rows)
            if len(rows) < size:
                return

    def index(self) -> ET.Element:
        response = self.send("GET", "", expect="xml")
        return xml.parse(response.content)

    # -- writes ----------------------------------------------------------------------

    def create(self, resource: str, entity: Entity) -> dict[str, Any]:
        response = self.send(
            "POST", resource, data=xml.body(entity), headers=XML_BODY, ok_statuses=()
        )
        return self._echo(response, entity.node)

    def patch(self, resource: str, entity: Entity) -> dict[str, Any]:
        response = self.send("PATCH", resource, data=xml.body(entity), headers=XML_BODY)
        return self._echo(response, entity.node)

    def put(self, resource: str, entity: Entity) -> dict[str, Any]:
        response = self.send("PUT", resource, data=xml.body(entity), headers=XML_BODY)
        return self._echo(response, entity.node)

    def patch_many(
        self, resource: str, entities: Sequence[Entity]
    ) -> list[dict[str, Any]]:
        """One PATCH carrying several objects; PrestaShop saves them in turn."""
        response = self.send(
            "PATCH", resource, data=xml.body(*entities), headers=XML_BODY
        )
        data = json.loads(response.content)
        if len(entities) == 1 and isinstance(data, dict):
            single = data.get(entities[0].node)
            return [single] if isinstance(single, dict) else []
        rows = data.get(resource, []) if isinstance(data, dict) else []
        return [row for row in rows if isinstance(row, dict)]

    def delete(self, path: str) -> None:
        self.send("DELETE", path, expect="none")

    def _echo(self, response: requests.Response, node: str) -> dict[str, Any]:
        data = json.loads(response.content)
        echo = data.get(node) if isinstance(data, dict) else None
        if not isinstance(echo, dict):
            raise ShopError(f"the shop's answer holds no <{node}>", code="echo")
        return echo

    # -- images ------------------------------------------------------------------------

    def upload_image(
        self, product_id: str, content: bytes, filename: str, mime: str
    ) -> str:
        files = {"image": (filename, content, mime)}
        response = self.send(
            "POST", f"images/products/{product_id}", files=files, expect="xml"
        )
        image = xml.parse(response.content).find("image")
        image_id = image.findtext("id") if image is not None else None
        if not image_id:
            raise ShopError(
                "the shop's answer to an image upload holds no id", code="echo"
            )
        return image_id

    def delete_image(self, product_id: str, image_id: str) -> None:
        self.delete(f"images/products/{product_id}/{image_id}")

    def download(self, url: str) -> bytes:
        response = self.send("GET", url, expect="none", ok_statuses=(404,))
        if response.status_code == 404:
            raise ShopError(
                f"the image {self.http.redact.url(url)} does not exist", status=404
            )
        return response.content

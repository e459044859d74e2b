"""A thin WooCommerce REST client on osmsyncd's shared HTTP client.

It owns how the key travels (Basic, query-string keys or OAuth 1.0a
signatures), the ``auto`` choice between them, error answers turned into
:class:`~osmsyncd.errors.ShopError`, and paging. Every request goes through
:class:`osmsyncd.httpclient.HttpClient`, which owns retries and redaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import quote
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests
import structlog

from osmsyncd.config import ConnectionSettings
from osmsyncd.errors import ShopError
from osmsyncd.errors import ShopUnavailable
from osmsyncd.httpclient import HttpClient
from osmsyncd.httpclient import expect_json
from osmsyncd_woocommerce import __version__

log = structlog.get_logger(__name__)

API = "/wp-json/wc/v3"
PAGE = 100
MODES = ("basic", "query", "oauth1")
HEADER_FIX = (
    "the web server drops the Authorization header before WordPress sees it: "
    "for Apache add 'SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1' "
    "(or 'CGIPassAuth On') to the shop's configuration, or set "
    'auth = "query" on the connection'
)
KEY_FIX = (
    "check token (consumer key and secret, read_write) in WooCommerce > "
    "Settings > Advanced > REST API"
)
OAUTH_FIX = (
    "check token, the machine's clock, and that url is the shop's home URL "
    "exactly as WordPress knows it (www., port, http or https)"
)


def _encode(text: str) -> str:
    return quote(text, safe="-._~")


class OAuth1(requests.auth.AuthBase):
    """One-legged OAuth 1.0a, HMAC-SHA256, parameters in the query string.

    A fresh nonce and timestamp are made for every attempt, so the shared
    client's retries are never refused as replays.
    """

    def __init__(self, key: str, secret: str, scheme: str | None = None) -> None:
        self.key = key
        self.secret = secret
        self.scheme = scheme

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        oauth = {
            "oauth_consumer_key": self.key,
            "oauth_timestamp": str(int(time.time())),
            "oauth_nonce": secrets.token_hex(16),
            "oauth_signature_method": "HMAC-SHA256",
        }
        params = {**dict(pairs), **oauth}
        normal = "&".join(
            f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items())
        )
        # WooCommerce rebuilds the URL with the scheme WordPress believes in.
        scheme = self.scheme or parts.scheme
        base_url = urlunsplit((scheme, parts.netloc, parts.path, "", ""))
        text = "&".join([(request.method or "GET").upper(), _encode(base_url)])
        text += "&" + _encode(normal)
        digest = hmac.new(
            f"{self.secret}&".encode(), text.encode(), hashlib.sha256
        ).digest()
        oauth["oauth_signature"] = base64.b64encode(digest).decode()
        query = urlencode([*pairs, *oauth.items()], quote_via=quote)
        request.url = urlunsplit(parts._replace(query=query))
        return request


class QueryKeys(requests.auth.AuthBase):
    """``consumer_key`` and ``consumer_secret`` as query parameters (HTTPS)."""

    def __init__(self, key: str, secret: str) -> None:
        self.key = key
        self.secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        pairs += [("consumer_key", self.key), ("consumer_secret", self.secret)]
        request.url = urlunsplit(
            parts._replace(query=urlencode(pairs, quote_via=quote))
        )
        return request


class PinnedVerify(requests.adapters.HTTPAdapter):
    """Certificate checks as configured, whatever the environment says.

    requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` replace a
    session's ``verify`` (a CA file, or False) on every request; this adapter
    puts the connection's own choice back.
    """

    def __init__(self, verify: bool | str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.verify = verify

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        kwargs["verify"] = self.verify
        return super().send(request, **kwargs)


def shop_error(response: requests.Response, what: str) -> ShopError:
    """The shop's error answer as a ShopError with its code and a fix."""
    code = None
    message = f"HTTP {response.status_code}"
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = str(body.get("code") or "") or None
        message = str(body.get("message") or message)
    hint = ""
    if response.status_code == 401 and code == "woocommerce_rest_cannot_view":
        hint = KEY_FIX
    elif code == "woocommerce_rest_authentication_error":
        hint = (
            OAUTH_FIX if "signature" in message or "timestamp" in message else KEY_FIX
        )
    elif code == "rest_no_route":
        hint = "check url and that WordPress permalinks are not 'Plain'"
    if response.status_code in (403, 404, 405, 501) and body is None:
        hint = (
            "the answer is not WooCommerce's: a firewall (mod_security, WAF) may "
            "block this request"
        )
    return ShopError(
        f"{what}: {message}", status=response.status_code, code=code, hint=hint
    )


def json_body(response: requests.Response) -> str | None:
    """Like ``expect_json``, and also refuses HTML pages dressed as 200."""
    return expect_json(response)


class WooClient:
    """The REST API of one shop, with the auth mode chosen once per life."""

    def __init__(self, settings: ConnectionSettings, stop: threading.Event) -> None:
        self.settings = settings
        key, _, secret = settings.token.partition(":")
        if not key or not secret:
            raise ShopError(
                "the WooCommerce token must be consumer_key:consumer_secret",
                hint="set token (or token_file) to ck_…:cs_… of a REST API key",
            )
        self.key = key
        self.secret = secret
        verify: bool | str = settings.verify_tls
        ca_file = settings.extra.get("ca_file")
        if verify and ca_file:
            verify = str(ca_file)
        self.http = HttpClient(
            settings.url,
            timeout=settings.timeout,
            verify=verify,
            max_requests_per_second=settings.max_requests_per_second,
            concurrency=settings.concurrency,
            debug=settings.debug,
            secrets=[settings.token, settings.media_password],
            stop=stop,
            user_agent=f"osmsyncd-woocommerce/{__version__}",
        )
        pool = max(settings.concurrency, 1) * 2
        self.http.session.mount(
            "https://", PinnedVerify(verify, pool_connections=2, pool_maxsize=pool)
        )
        self.secure = settings.url.lower().startswith("https://")
        self.mode: str | None = settings.auth if settings.auth in MODES else None
        self.header_stripped = False
        self.sign_scheme: str | None = None
        self._lock = threading.Lock()

    # -- authentication --------------------------------------------------

    def auth_for(self, mode: str) -> Any:
        if mode == "basic":
            return requests.auth.HTTPBasicAuth(self.key, self.secret)
        if mode == "query":
            return QueryKeys(self.key, self.secret)
        return OAuth1(self.key, self.secret, self.sign_scheme)

    def auth_mode(self) -> str:
        """The mode in use; with ``auto`` it is probed once and remembered."""
        with self._lock:
            if self.mode is None:
                self.mode = self._probe_mode()
            return self.mode

    def _probe_mode(self) -> str:
        if not self.secure:
            return "oauth1"
        answer = self._raw("GET", "products", {"per_page": 1, "_fields": "id"}, "basic")
        if answer.status_code != 401:
            return "basic"
        probe = {"per_page": 1, "_fields": "id"}
        if self._raw("GET", "products", probe, "query").status_code < 400:
            self.header_stripped = True
            log.warning(
                "authorization_header_stripped",
                connection=self.settings.name,
                fix=HEADER_FIX,
            )
            return "query"

        # Behind a TLS proxy that does not tell WordPress, the shop thinks the
        # request is plain HTTP: only OAuth counts, signed for http://.
        for scheme in (None, "http"):
            self.sign_scheme = scheme
            if self._raw("GET", "products", probe, "oauth1").status_code < 400:
                log.warning(
                    "shop_sees_plain_http",
                    connection=self.settings.name,
                    signed_for=scheme or "https",
                )
                return "oauth1"
        self.sign_scheme = None
        return "basic"

    # -- requests --------------------------------------------------------

    def _raw(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        mode: str,
        body: Any = None,
        retry: bool | None = None,
    ) -> requests.Response:
        return self.http.request(
            method,
            f"{API}/{path.lstrip('/')}",
            params=params,
            json_body=body,
            auth=self.auth_for(mode),
            retry=retry,
            check=json_body,
        )

    def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        *,
        retry: bool | None = None,
        what: str = "",
    ) -> requests.Response:
        """One API request; an error answer raises ShopError."""
        answer = self._raw(method, path, params, self.auth_mode(), body, retry)
        if answer.status_code >= 400:
            error = shop_error(answer, what or f"{method} {path}")
            if answer.status_code >= 500:
                raise ShopUnavailable(str(error), status=answer.status_code)
            raise error
        return answer

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.call("GET", path, params).json()

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[list[Any]]:
        """Every page of a collection, ``per_page`` 100, until a short page."""
        page = 1
        while True:
            answer = self.call("GET", path, {**params, "per_page": PAGE, "page": page})
            items = answer.json()
            if not isinstance(items, list):
                raise ShopError(
                    f"GET {path}: expected a list, got {type(items).__name__}"
                )
            yield items
            total = int(answer.headers.get("X-WP-TotalPages") or 0)
            if len(items) < PAGE or page >= total:
                return
            page += 1

    def upload_media(self, filename: str, data: bytes, mime: str) -> dict[str, Any]:
        """``POST wp/v2/media`` with the WordPress application password."""
        user = self.settings.media_user or ""
        password = self.settings.media_password or ""
        answer = self.http.request(
            "POST",
            "/wp-json/wp/v2/media",
            data=data,
            headers={
                "Content-Type": mime,
                "Content-Disposition": f'attachment; filename="{filename}"; '
                f"filename*=UTF-8''{quote(filename)}",
            },
            auth=(user, password),
            check=json_body,
        )
        if answer.status_code >= 400:
            raise shop_error(answer, f"upload of {filename}")
        body: dict[str, Any] = answer.json()
        return body

    def close(self) -> None:
        self.http.close()

"""Who a request is, decided as WooCommerce and WordPress decide it.

Over plain HTTP only OAuth 1.0a one-legged signatures count (query string
or ``Authorization: OAuth``); over HTTPS Basic ``ck:cs`` and the
``consumer_key``/``consumer_secret`` query pair work too, and WordPress
application passwords authenticate the admin user. A Basic key the shop
does not know is treated as no credentials at all (fixture 16).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import quote
from urllib.parse import unquote
from urllib.parse import urlsplit

from osmsyncd_woocommerce.sandbox.errors import RestError
from osmsyncd_woocommerce.sandbox.messages import Principal

ADMIN_ID = 1
ADMIN_LOGIN = "shopadmin"
NONCE_WINDOW = 15 * 60


@dataclass
class ApiKey:
    consumer_key: str
    consumer_secret: str
    permissions: str = "read_write"
    nonces: dict[str, float] = field(default_factory=dict)
    # The same nonces by timestamp, oldest first: expiring them then reads
    # only the expired ones, not the whole window on every request.
    nonce_times: list[tuple[float, str]] = field(default_factory=list)


def new_key(permissions: str = "read_write") -> ApiKey:
    """A fresh key pair in WooCommerce's format (``ck_`` and ``cs_`` + 40 hex)."""
    return ApiKey(
        "ck_" + secrets.token_hex(20), "cs_" + secrets.token_hex(20), permissions
    )


def _encode(text: str) -> str:
    return quote(text, safe="-._~")


def base_string(method: str, url: str, params: dict[str, str]) -> str:
    """OAuth 1.0a signature base string, parameters sorted by name."""
    pairs = sorted(params.items(), key=lambda kv: kv[0])
    joined = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)
    return "&".join([method.upper(), _encode(url), _encode(joined)])


def sign(method: str, url: str, params: dict[str, str], secret: str, algo: str) -> str:
    digest = hashlib.sha256 if algo == "HMAC-SHA256" else hashlib.sha1
    text = base_string(method, url, params)
    mac = hmac.new(f"{secret}&".encode(), text.encode(), digest).digest()
    return base64.b64encode(mac).decode()


def _header_params(header: str) -> dict[str, str]:
    if not header.startswith("OAuth "):
        return {}
    found = re.findall(r'(oauth_[a-z_-]*)=(?:"([^"]*)"|([^,]*))', header)
    return {name: unquote(quoted or bare) for name, quoted, bare in found}


@dataclass
class Authenticator:
    """The shop's API keys and application password, and their checks."""

    keys: list[ApiKey] = field(default_factory=list)
    app_password: str | None = None
    clock_skew: float = 0.0
    # Requests are checked in their own threads, before the shop's lock.
    nonce_lock: threading.Lock = field(default_factory=threading.Lock)

    def key(self, consumer_key: str) -> ApiKey | None:
        for key in self.keys:
            if hmac.compare_digest(key.consumer_key, consumer_key):
                return key
        return None

    def authenticate(
        self,
        method: str,
        home: str,
        path: str,
        pairs: list[tuple[str, str]],
        headers: dict[str, str],
        secure: bool,
    ) -> Principal | None:
        """The request's principal; None means anonymous; errors raise."""
        authorization = headers.get("authorization", "")
        query = dict(pairs)

        if secure and authorization.startswith("Basic "):
            user, password = _basic(authorization)
            if user == ADMIN_LOGIN:
                if self.app_password and hmac.compare_digest(
                    password.replace(" ", ""), self.app_password.replace(" ", "")
                ):
                    return Principal(ADMIN_ID, via="app-password")
                raise RestError(
                    401,
                    "incorrect_password",
                    "The provided password is an invalid application password.",
                )

        if secure:
            principal = self._basic_key(query, authorization)
            if principal is not None:
                return principal
        return self._oauth(method, home, path, query, authorization)

    def _basic_key(self, query: dict[str, str], authorization: str) -> Principal | None:
        consumer_key = query.get("consumer_key", "")
        consumer_secret = query.get("consumer_secret", "")
        if not (consumer_key and consumer_secret) and authorization.startswith(
            "Basic "
        ):
            consumer_key, consumer_secret = _basic(authorization)
        if not consumer_key or not consumer_secret:
            return None
        key = self.key(consumer_key)
        if key is None:
            return None
        if not hmac.compare_digest(key.consumer_secret, consumer_secret):
            raise RestError(
                401,
                "woocommerce_rest_authentication_error",
                "Consumer secret is invalid.",
            )
        return _principal(key, "basic")

    def _oauth(
        self,
        method: str,
        home: str,
        path: str,
        query: dict[str, str],
        authorization: str,
    ) -> Principal | None:
        params = dict(query)
        params.update(_header_params(authorization))
        required = (
            "oauth_consumer_key",
            "oauth_timestamp",
            "oauth_nonce",
            "oauth_signature",
            "oauth_signature_method",
        )
        missing = [name for name in required if not params.get(name)]
        if len(missing) == len(required):
            return None
        if missing:
            noun = "parameter" if len(missing) == 1 else "parameters"
            raise RestError(
                401,
                "woocommerce_rest_authentication_missing_parameter",
                f"Missing OAuth {noun} {', '.join(missing)}",
            )

        key = self.key(params["oauth_consumer_key"])
        if key is None:
            raise RestError(
                401, "woocommerce_rest_authentication_error", "Consumer key is invalid."
            )

        given = params.pop("oauth_signature").replace(" ", "+")
        algo = params["oauth_signature_method"]
        if algo not in ("HMAC-SHA1", "HMAC-SHA256"):
            raise RestError(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature - signature method is invalid.",
            )
        # The base URL is rebuilt from the home URL, not from the request.
        parts = urlsplit(home)
        url = f"{parts.scheme}://{parts.netloc}{path}"
        expected = sign(method, url, params, key.consumer_secret, algo)
        if not hmac.compare_digest(expected, given):
            raise RestError(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature - provided signature does not match.",
            )

        now = time.time() + self.clock_skew
        try:
            stamp = int(params["oauth_timestamp"])
        except ValueError:
            stamp = 0
        if abs(now - stamp) > NONCE_WINDOW:
            raise RestError(
                401, "woocommerce_rest_authentication_error", "Invalid timestamp."
            )
        with self.nonce_lock:
            times = key.nonce_times
            while times and times[0][0] <= now - NONCE_WINDOW:
                key.nonces.pop(heapq.heappop(times)[1], None)
            nonce = params["oauth_nonce"]
            if nonce in key.nonces:
                raise RestError(
                    401,
                    "woocommerce_rest_authentication_error",
                    "Invalid nonce - nonce has already been used.",
                )
            key.nonces[nonce] = float(stamp)
            heapq.heappush(times, (float(stamp), nonce))
        return _principal(key, "oauth1")


def _principal(key: ApiKey, via: str) -> Principal:
    return Principal(
        ADMIN_ID,
        can_read=key.permissions in ("read", "read_write"),
        can_write=key.permissions in ("write", "read_write"),
        via=via,
    )


def _basic(header: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return "", ""
    user, _, password = decoded.partition(":")
    return user, password


def check_permission(principal: Principal | None, method: str) -> None:
    """Refuse what a read-only or write-only key may not do."""
    if principal is None or principal.via == "app-password":
        return
    if method in ("POST", "PUT", "PATCH", "DELETE") and not principal.can_write:
        raise RestError(
            401,
            "woocommerce_rest_authentication_error",
            "The API key provided does not have write permissions.",
        )
    if method in ("GET", "HEAD", "OPTIONS") and not principal.can_read:
        raise RestError(
            401,
            "woocommerce_rest_authentication_error",
            "The API key provided does not have read permissions.",
        )

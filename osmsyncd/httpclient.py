"""The one HTTP client every provider talks through.

It owns timeouts, the request rate ceiling, retries with backoff (only where
repeating a request cannot write twice), ``Retry-After``, the body checks
that tell a real answer from a proxy's error page, request counting and the
redaction of secrets from everything it logs or raises.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests
import structlog
import urllib3

from osmsyncd.errors import Interrupted
from osmsyncd.errors import ShopError
from osmsyncd.errors import ShopUnavailable

log = structlog.get_logger("osmsyncd.http")

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SECRET_PARAMS = frozenset(
    {"ws_key", "consumer_key", "consumer_secret", "oauth_signature", "key"}
)
MAX_RETRY_AFTER = 120.0


class Redactor:
    """Removes known secrets from any text before it is logged or raised."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if not secret:
            return

        # A WooCommerce token is "ck:cs"; each half leaks on its own too.
        for part in {secret, *secret.split(":")}:
            if len(part) >= 4 and part not in self._secrets:
                self._secrets.append(part)
        self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def url(self, url: str) -> str:
        """The URL without query parameters that carry credentials."""
        parts = urlsplit(url)
        kept = [
            pair
            for pair in parts.query.split("&")
            if pair and pair.split("=", 1)[0] not in SECRET_PARAMS
        ]
        return self(urlunsplit(parts._replace(query="&".join(kept))))


class RateLimit:
    """Spaces requests so that no more than ``per_second`` start each second."""

    def __init__(self, per_second: float | None) -> None:
        self._gap = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, stop: threading.Event) -> None:
        if not self._gap:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._gap
        if start > now and stop.wait(start - now):
            raise Interrupted("stopping while waiting for the rate limit")


BodyCheck = Callable[[requests.Response], str | None]


def expect_json(response: requests.Response) -> str | None:
    """Why a response that should carry JSON does not, or None when it does."""
    if not response.content:
        return "empty body"
    kind = response.headers.get("Content-Type", "")
    if "json" not in kind:
        return f"expected JSON, got {kind or 'no content type'}"
    try:
        json.loads(response.content)
    except ValueError:
        return "truncated or invalid JSON"
    return None


def _may_have_arrived(exc: requests.RequestException) -> bool:
    """Whether the shop may have received (and applied) the request.

    Only a connection that never opened proves it did not: a reset or an
    aborted connection after the request went out may follow a write the
    shop already made, so a create is not sent again on that.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return not isinstance(reason, urllib3.exceptions.NewConnectionError)
    return True


class HttpClient:
    """A requests session with osmsyncd's rules for talking to one shop."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        verify: bool | str = True,
        max_requests_per_second: float | None = None,
        concurrency: int = 4,
        debug: bool = False,
        secrets: Iterable[str | None] = (),
        attempts: int = 5,
        backoff: float = 0.5,
        stop: threading.Event | None = None,
        user_agent: str = "osmsyncd",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.debug = debug
        self.attempts = attempts
        self.backoff = backoff
        self.stop = stop or threading.Event()
        self.redact = Redactor(secrets)
        self.requests: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self._rate = RateLimit(max_requests_per_second)
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers["User-Agent"] = user_agent
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=2, pool_maxsize=max(concurrency, 1) * 2
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        auth: Any = None,
        retry: bool | None = None,
        check: BodyCheck | None = None,
        ok_statuses: Iterable[int] = (),
    ) -> requests.Response:
        """Send one request, retrying transient failures where that is safe.

        ``retry`` defaults to whether the method is idempotent: a POST that
        timed out may have been applied, so it is never sent twice unless the
        caller knows it cannot create anything. A 429 is retried for every
        method, since the shop refused it before doing anything. ``check``
        returns why a 2xx body is unusable (an HTML page, a truncated body);
        such an answer is treated as transient.
        """
        method = method.upper()
        url = self.url(path)
        safe = method in IDEMPOTENT if retry is None else retry
        accepted = set(ok_statuses)
        last: ShopError | None = None

        for attempt in range(1, self.attempts + 1):
            self._rate.wait(self.stop)
            started = time.monotonic()
            with self._count_lock:
                self.requests[method] += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    data=data,
                    headers=headers,
                    files=files,
                    auth=auth,
                    timeout=self.timeout,
                    allow_redirects=method in ("GET", "HEAD"),
                    # Per request, so that REQUESTS_CA_BUNDLE in the
                    # environment cannot override verify_tls or a CA file.
                    verify=self.session.verify,
                )
            except requests.RequestException as exc:
                last = ShopUnavailable(self._describe(exc))
                sent = _may_have_arrived(exc)
                self._log_failure(method, url, attempt, str(last))
                if isinstance(exc, requests.exceptions.SSLError):
                    # A certificate refused now is refused on every retry:
                    # the fix is in the config, not in waiting.
                    raise last from exc
                if sent and not safe:
                    raise last from exc
                if attempt < self.attempts:
                    self._sleep(self._delay(attempt, None))
                continue

            elapsed = time.monotonic() - started
            if self.debug:
                log.debug(
                    "http_request",
                    method=method,
                    url=self.redact.url(response.url),
                    status=response.status_code,
                    ms=round(elapsed * 1000),
                )

            if 300 <= response.status_code < 400 and method not in ("GET", "HEAD"):
                raise ShopError(
                    "the shop redirected a write",
                    status=response.status_code,
                    code="redirect",
                    hint=f"set the connection's url to the address it redirects "
                    f"to ({self.redact.url(response.headers.get('Location', '?'))})",
                )

            status = response.status_code
            problem = None
            if 200 <= status < 300 and check is not None and status not in accepted:
                problem = check(response)
            if problem is None and (status not in RETRY_STATUSES or status in accepted):
                return response

            text = problem or f"HTTP {status}"
            last = ShopUnavailable(f"the shop answered {text}", status=status)
            self._log_failure(method, url, attempt, text)
            if status != 429 and not safe:
                if problem is not None:
                    raise last
                return response
            if attempt < self.attempts:
                self._sleep(self._delay(attempt, response.headers.get("Retry-After")))

        assert last is not None
        raise last

    def close(self) -> None:
        self.session.close()

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), MAX_RETRY_AFTER)
            except ValueError:
                pass
        base = self.backoff * 2 ** (attempt - 1)
        return float(base + random.uniform(0, base))

    def _sleep(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise Interrupted("stopping during a retry wait")

    def _describe(self, exc: requests.RequestException) -> str:
        if isinstance(exc, requests.Timeout):
            return f"the shop did not answer within {self.timeout:g} s"
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            # The shop answered, but the connection closed before the body
            # was whole: a crashed PHP worker or proxy, not an unreachable shop.
            return "the shop's answer was cut short (truncated body)"
        if isinstance(exc, requests.exceptions.SSLError):
            return (
                "the shop's TLS certificate was not accepted: install its CA, "
                "or set verify_tls = false on the connection"
            )
        where = urlsplit(self.base_url).netloc
        text = str(exc).lower()
        reason = type(exc).__name__
        for clue, said in (
            ("refused", "connection refused (is the shop's web server running?)"),
            ("name or service not known", "its host name does not resolve"),
            ("nodename nor servname", "its host name does not resolve"),
            ("reset by peer", "the connection was reset"),
            ("aborted", "the connection was closed"),
        ):
            if clue in text:
                reason = said
                break
        return self.redact(f"could not reach the shop at {where}: {reason}")

    def _log_failure(self, method: str, url: str, attempt: int, what: str) -> None:
        log.warning(
            "http_retry" if attempt < self.attempts else "http_failed",
            method=method,
            url=self.redact.url(url),
            attempt=attempt,
            reason=self.redact(what),
        )

"""HTTP plumbing shared by the connector clients: one place for timeouts, transport errors and JSON parsing.

Only method, path, status and the marketplace request id are ever logged: query strings and bodies carry
tokens and signatures.
"""

import logging
import math
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from .base import RequestHook, RetryableError

logger = logging.getLogger("syncing.connectors")

USER_AGENT = "ListingManager/1.0 (+connectors)"
SECRET_PARAMS = re.compile(
    r"((?:access_token|refresh_token|sign|app_secret|client_secret|partner_key|code|auth_code)=)[^&\s\"]+"
)


class RedactSecrets(logging.Filter):
    """Mask token and signature query parameters in urllib3's debug lines ("GET /path?access_token=...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = SECRET_PARAMS.sub(r"\1***", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


logging.getLogger("urllib3.connectionpool").addFilter(RedactSecrets())


_adapter: tuple[int, HTTPAdapter] | None = None


def shared_adapter() -> HTTPAdapter:
    """One connection pool per process, shared by every client it builds (a worker builds one per push).

    Connections are kept alive from one push to the next instead of a TCP (and, on a real marketplace, TLS)
    handshake per push. Cookies and headers stay on each client's own session. A forked process builds its
    own pool: sockets are never shared between processes.
    """
    global _adapter
    if _adapter is None or _adapter[0] != os.getpid():
        _adapter = (os.getpid(), HTTPAdapter(pool_connections=16, pool_maxsize=4))
    return _adapter[1]


class HttpClient:
    """A `requests.Session` with an explicit timeout that turns transport failures into RetryableError.

    `before_request` (the connector's hook) is called before every request, so the caller can rate-limit it.
    """

    def __init__(self, marketplace: str, timeout: float, *, before_request: RequestHook | None = None) -> None:
        self.marketplace = marketplace
        self.timeout = timeout
        self.before_request = before_request
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.mount("https://", shared_adapter())
        self.session.mount("http://", shared_adapter())

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        path = urlsplit(url).path
        if self.before_request is not None:
            self.before_request(1)
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            logger.warning("%s %s %s timed out after %ss", self.marketplace, method, path, self.timeout)
            raise RetryableError(
                f"{self.marketplace}: no answer within {self.timeout:g} s ({method} {path}).", code="timeout"
            ) from exc
        except requests.ConnectionError as exc:
            logger.warning("%s %s %s connection failed", self.marketplace, method, path)
            raise RetryableError(
                f"{self.marketplace}: connection failed or closed without an answer ({method} {path}).",
                code="connection_error",
            ) from exc
        logger.info("%s %s %s -> %s", self.marketplace, method, path, response.status_code)
        return response


def json_body(response: requests.Response, marketplace: str, request_id: str = "") -> Any:
    """The parsed JSON body; a body that is not JSON is a RetryableError (proxies and half-written answers)."""
    try:
        return response.json()
    except ValueError as exc:
        if response.status_code >= 500:
            message = f"{marketplace}: server error {response.status_code}."
        else:
            message = f"{marketplace}: the answer (HTTP {response.status_code}) is not valid JSON."
        raise RetryableError(
            message, code="malformed_response", http_status=response.status_code, request_id=request_id
        ) from exc


def retry_after(value: str | None, default: float = 1.0) -> float:
    """Seconds from a Retry-After header (numeric form); `default` when absent or unreadable."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        return default
    return seconds if math.isfinite(seconds) and seconds >= 0 else default


EARLY_REFRESH_SECONDS = 60.0  # refresh this long before a known expiry, so a call never races the deadline
EXPIRES_AT = "access_token_expires_at"  # optional credential: absolute Unix time, saved with refreshed tokens


def token_due(credentials: Mapping[str, str], now: float) -> bool:
    """True when the stored access-token expiry is known and (almost) reached."""
    try:
        expires_at = float(credentials.get(EXPIRES_AT) or 0)
    except ValueError:
        return False
    return bool(expires_at) and now >= expires_at - EARLY_REFRESH_SECONDS


def expires_at(expires_in: Any, now: float) -> str:
    """The absolute expiry to store for a token that lives `expires_in` seconds ("" when unknown)."""
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError):
        return ""
    return f"{now + seconds:.0f}" if seconds > 0 else ""

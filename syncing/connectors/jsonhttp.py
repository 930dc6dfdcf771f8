"""Small HTTP helpers shared by the TikTok, Etsy and Amazon clients.

They turn transport failures and unreadable bodies into our error classes, so each client only has to interpret
the marketplace's own error shapes. Nothing here logs headers or bodies (tokens travel in both).
"""

import json
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from .base import Rejected, RetryableError

logger = logging.getLogger(__name__)


def send(
    session: requests.Session, method: str, url: str, *, timeout: float, marketplace: str, **kwargs: Any
) -> requests.Response:
    """One HTTP exchange with an explicit timeout; timeouts and dropped connections become RetryableError."""
    logger.debug("%s %s %s", marketplace, method, url.split("?", 1)[0])
    try:
        return session.request(method, url, timeout=timeout, **kwargs)
    except requests.Timeout as exc:
        raise RetryableError(f"{marketplace}: no answer within {timeout:g} s ({method} {_path(url)}).") from exc
    except requests.ConnectionError as exc:
        raise RetryableError(f"{marketplace}: connection failed ({method} {_path(url)}).") from exc
    except requests.RequestException as exc:
        raise RetryableError(f"{marketplace}: request failed ({method} {_path(url)}): {type(exc).__name__}.") from exc


def json_body(resp: requests.Response, *, marketplace: str, request_id: str = "") -> Any:
    """The decoded JSON body; an empty or malformed body becomes RetryableError (a proxy or a half-sent reply)."""
    try:
        return json.loads(resp.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RetryableError(
            f"{marketplace}: unreadable response (HTTP {resp.status_code}, not JSON).",
            request_id=request_id,
            http_status=resp.status_code,
        ) from exc


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header (seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def fetch_image(session: requests.Session, url: str, *, timeout: float, marketplace: str) -> tuple[str, bytes, str]:
    """Download one of our product images so it can be uploaded to a marketplace that wants the file itself."""
    resp = send(session, "GET", url, timeout=timeout, marketplace=marketplace)
    if resp.status_code >= 500:
        raise RetryableError(f"{marketplace}: image {url} answered HTTP {resp.status_code}.")
    if resp.status_code != 200 or not resp.content:
        raise Rejected(
            f"Image {url} could not be downloaded (HTTP {resp.status_code}).", field_errors={"images": [url]}
        )
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "image.jpg"
    content_type = resp.headers.get("content-type", "image/jpeg").split(";", 1)[0]
    return name, resp.content, content_type


def _path(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1].split("?", 1)[0] if "/" in rest else "/"

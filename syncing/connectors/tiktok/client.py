"""TikTok Shop Open API (202309+) over HTTP: signing, the common envelope, token refresh, error translation.

docs/marketplaces/tiktok.md. Every call carries `app_key`, `timestamp` and `sign` in the query and the access
token in the `x-tts-access-token` header (never signed, never logged). Shop-scoped calls add `shop_cipher`.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from ..base import (
    AuthExpired,
    ConnectorError,
    InvalidCredentials,
    NotFound,
    RateLimited,
    Rejected,
    RequestHook,
    RetryableError,
)
from ..http import HttpClient, json_body, retry_after
from .mapping import field_for_code

MARKETPLACE = "TikTok Shop"
LIVE_API_HOST = "open-api.tiktokglobalshop.com"
LIVE_AUTH_BASE = "https://auth.tiktok-shops.com"
LIVE_AUTHORIZE_ROW = "https://services.tiktokshop.com/open/authorize"
LIVE_AUTHORIZE_US = "https://services.tiktokshops.us/open/authorize"

# Codes from docs/marketplaces/tiktok.md#errors.
CODE_TOKEN_EXPIRED = 105002
CODE_THROTTLED = 36009002
RETRYABLE_CODES = frozenset({36009002, 36009007, 12001000})
CREDENTIAL_CODES = frozenset({106001, 36009004})  # bad sign; invalid app key / timestamp / token / shop cipher
NOT_FOUND_CODES = frozenset({12052700})  # [U] our sandbox's code (docs/marketplaces/tiktok.md#errors)


def sign(app_secret: str, path: str, query: dict[str, str], body: bytes = b"") -> str:
    """HMAC-SHA256 over secret + path + sorted key/value pairs + body + secret, lowercase hex
    (docs/marketplaces/tiktok.md#signing)."""
    parts = [path]
    for key in sorted(k for k in query if k not in ("sign", "access_token")):
        parts.append(f"{key}{query[key]}")
    if body:
        parts.append(body.decode("utf-8"))
    wrapped = app_secret + "".join(parts) + app_secret
    return hmac.new(app_secret.encode("utf-8"), wrapped.encode("utf-8"), hashlib.sha256).hexdigest()


class TokenExpired(Exception):
    """Internal signal: the access token expired (code 105002); the connector refreshes once."""


class TiktokClient:
    def __init__(
        self,
        *,
        base_url: str,
        app_key: str,
        app_secret: str,
        access_token: str,
        shop_cipher: str,
        timeout: float,
        before_request: RequestHook | None = None,
        auth_base_url: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_key = app_key
        self.app_secret = app_secret
        self.access_token = access_token
        self.shop_cipher = shop_cipher
        self.timeout = timeout
        self.auth_base_url = (auth_base_url or _auth_base_for(self.base_url)).rstrip("/")
        self.clock = clock
        self.http = HttpClient(MARKETPLACE, timeout, before_request=before_request)
        self.session = self.http.session

    # --- calls ---

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        shop_scoped: bool = True,
    ) -> dict[str, Any]:
        """One signed API call; returns the envelope's `data` (a dict) or raises one of our errors."""
        params: dict[str, str] = {"app_key": self.app_key, "timestamp": str(int(self.clock()))}
        if shop_scoped:
            params["shop_cipher"] = self.shop_cipher
        params.update(query or {})
        raw = b"" if body is None else json.dumps(body).encode("utf-8")
        params["sign"] = sign(self.app_secret, path, params, raw)
        headers = {"content-type": "application/json", "x-tts-access-token": self.access_token}
        resp = self.http.request(
            method,
            self.base_url + path,
            params=params,
            data=raw or None,
            headers=headers,
        )
        return self._interpret(resp)

    def upload_image(self, filename: str, content: bytes, content_type: str) -> str:
        """Upload Product Image (multipart, body not signed); returns the `uri` to use in `main_images`."""
        path = "/product/202309/images/upload"
        params = {"app_key": self.app_key, "timestamp": str(int(self.clock()))}
        params["sign"] = sign(self.app_secret, path, params)
        resp = self.http.request(
            "POST",
            self.base_url + path,
            params=params,
            files={"data": (filename, content, content_type)},
            data={"use_case": "MAIN_IMAGE"},
            headers={"x-tts-access-token": self.access_token},
        )
        data = self._interpret(resp)
        uri = data.get("uri")
        if not isinstance(uri, str) or not uri:
            raise RetryableError(f"{MARKETPLACE}: image upload answered without a uri.")
        return uri

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """Token refresh (docs/marketplaces/tiktok.md#credentials); any refusal means the seller must authorise
        again (AuthExpired)."""
        return self._token("/api/v2/token/refresh", {"refresh_token": refresh_token, "grant_type": "refresh_token"})

    def get_token(self, auth_code: str) -> dict[str, Any]:
        """End of the authorisation: the `code` from the redirect (30 min, single use) -> tokens
        (docs/marketplaces/tiktok.md#credentials)."""
        return self._token("/api/v2/token/get", {"auth_code": auth_code, "grant_type": "authorized_code"})

    def _token(self, path: str, grant: dict[str, str]) -> dict[str, Any]:
        params = {"app_key": self.app_key, "app_secret": self.app_secret, **grant}
        resp = self.http.request("GET", self.auth_base_url + path, params=params)
        if resp.status_code >= 500:
            raise RetryableError(f"{MARKETPLACE}: the token endpoint answered HTTP {resp.status_code}.")
        payload = json_body(resp, marketplace=MARKETPLACE)
        request_id = str(payload.get("request_id", "")) if isinstance(payload, dict) else ""
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(payload, dict) or payload.get("code") != 0 or not isinstance(data, dict):
            code = str(payload.get("code", "")) if isinstance(payload, dict) else ""
            message = str(payload.get("message", "")) if isinstance(payload, dict) else ""
            raise AuthExpired(
                f"{MARKETPLACE}: no token ({message or 'no reason given'}); authorise the shop again.",
                code=code,
                request_id=request_id,
                http_status=resp.status_code,
            )
        self.access_token = str(data["access_token"])
        return data

    # --- responses ---

    def _interpret(self, resp: requests.Response) -> dict[str, Any]:
        status = resp.status_code
        if status == 429:
            payload = _try_json(resp)
            raise RateLimited(
                f"{MARKETPLACE}: too many requests.",
                retry_after=retry_after(resp.headers.get("retry-after"), 1.0),
                code=str(payload.get("code", CODE_THROTTLED)),
                request_id=str(payload.get("request_id", "")),
                http_status=status,
            )
        if status >= 500:
            payload = _try_json(resp)
            raise RetryableError(
                f"{MARKETPLACE}: server error HTTP {status}.",
                retry_after=retry_after(resp.headers.get("retry-after"), 0.0) or None,
                code=str(payload.get("code", "")),
                request_id=str(payload.get("request_id", "")),
                http_status=status,
            )
        payload = json_body(resp, marketplace=MARKETPLACE)
        if not isinstance(payload, dict) or "code" not in payload:
            raise RetryableError(f"{MARKETPLACE}: response without the usual envelope.", http_status=status)
        code = payload.get("code")
        request_id = str(payload.get("request_id", ""))
        message = str(payload.get("message", ""))
        data = payload.get("data")
        if code == 0:
            return data if isinstance(data, dict) else {}
        if code == CODE_TOKEN_EXPIRED:
            raise TokenExpired(request_id)
        error_kwargs: dict[str, Any] = {"code": str(code), "request_id": request_id, "http_status": status}
        if code == CODE_THROTTLED:
            raise RateLimited(f"{MARKETPLACE}: too many requests.", retry_after=1.0, **error_kwargs)
        if code in RETRYABLE_CODES:
            raise RetryableError(f"{MARKETPLACE}: {message} (code {code}).", **error_kwargs)
        if code in CREDENTIAL_CODES:
            raise InvalidCredentials(
                f"{MARKETPLACE}: {message} (code {code}); check the app key and secret.", **error_kwargs
            )
        if code in NOT_FOUND_CODES:
            raise NotFound(f"{MARKETPLACE}: {message}.", **error_kwargs)
        if isinstance(code, int) and (12019000 <= code < 12020000 or 12052000 <= code < 12053000):
            field = field_for_code(code, message)
            raise Rejected(
                f"{MARKETPLACE} refused the listing: {message}", field_errors={field: [message]}, **error_kwargs
            )
        raise ConnectorError(f"{MARKETPLACE}: {message or 'error'} (code {code}).", **error_kwargs)


def authorize_url(base_url: str, *, service_id: str, state: str, us: bool = False) -> str:
    """Where to send the seller to authorise the app (docs/marketplaces/tiktok.md#credentials); the redirect URL
    is the one set in Partner Center."""
    if urlsplit(base_url).hostname == LIVE_API_HOST:
        host = LIVE_AUTHORIZE_US if us else LIVE_AUTHORIZE_ROW
    else:
        host = base_url.rstrip("/") + "/open/authorize"
    return host + "?" + urlencode({"service_id": service_id, "state": state})


def _auth_base_for(base_url: str) -> str:
    """Live API host -> the separate live auth host; anything else (the sandbox) serves both under one prefix."""
    return LIVE_AUTH_BASE if urlsplit(base_url).hostname == LIVE_API_HOST else base_url


def _try_json(resp: requests.Response) -> dict[str, Any]:
    try:
        payload = json.loads(resp.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}

"""Lazada Open Platform HTTP client: HMAC-SHA256 signing, token refresh, error translation.

Facts: docs/marketplaces/lazada.md.
"""

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from ..base import (
    AuthExpired,
    ChannelConfig,
    ConnectorError,
    InvalidCredentials,
    NotFound,
    RateLimited,
    Rejected,
    RequestHook,
    RetryableError,
    TokenSaver,
    require_credentials,
)
from ..http import EXPIRES_AT, HttpClient, expires_at, json_body, token_due
from .mapping import field_errors

GATEWAYS = {
    "sg": "https://api.lazada.sg/rest",
    "my": "https://api.lazada.com.my/rest",
    "vn": "https://api.lazada.vn/rest",
    "th": "https://api.lazada.co.th/rest",
    "ph": "https://api.lazada.com.ph/rest",
    "id": "https://api.lazada.co.id/rest",
}
AUTH_GATEWAY = "https://auth.lazada.com/rest"  # token create/refresh (docs/marketplaces/lazada.md#credentials)
THROTTLE_CODES = {"ApiCallLimit", "901", "E901", "4154", "SYS_REQUEST_TOO_FAST"}
RETRYABLE_CODES = {"E006", "1000", "4147", "ServiceUnavailable", "InternalError"}
TOKEN_CODES = {"IllegalAccessToken", "InvalidAccessToken", "AccessTokenExpired", "IllegalAccessTokenError"}
CREDENTIAL_CODES = {"IncompleteSignature", "InvalidAppKey", "InvalidSignMethod", "AppKeyNotExist"}
BAN_SECONDS = re.compile(r"ban will last (\d+(?:\.\d+)?) seconds?")
DEFAULT_THROTTLE_WAIT = 1.0  # "retry next second" (docs/marketplaces/lazada.md#rate-limits)


def sign(app_secret: str, api_path: str, params: dict[str, str]) -> str:
    """HMAC-SHA256(app_secret, api_path + k1 + v1 + k2 + v2 ... sorted by key), 64 uppercase hex characters.

    `params` are every system and business parameter except `sign` itself; values are signed raw (not
    URL-encoded) and an empty value is signed as the bare key, like the official Python SDK.
    """
    text = api_path + "".join(f"{key}{params[key]}" for key in sorted(params))
    return hmac.new(app_secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest().upper()


class _TokenInvalid(Exception):
    pass


class PartialFailure(Rejected):
    """Some SKUs of a batch failed; `failed` maps SellerSku -> message (the others were applied)."""

    def __init__(self, message: str, *, failed: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.failed = dict(failed)


class LazadaClient:
    def __init__(
        self, config: ChannelConfig, on_tokens: TokenSaver | None = None, before_request: RequestHook | None = None
    ) -> None:
        self.base_url = (config.base_url or GATEWAYS.get(config.country.lower(), GATEWAYS["sg"])).rstrip("/")
        host = urlsplit(self.base_url).hostname or ""
        # Live: tokens come from the auth gateway. Sandbox or proxy: the same base URL serves /auth/*.
        self.auth_url = AUTH_GATEWAY if host.startswith("api.lazada.") else self.base_url
        self.credentials = dict(config.credentials)
        self.on_tokens = on_tokens
        self.http = HttpClient("Lazada", config.timeout, before_request=before_request)
        self.clock: Callable[[], float] = time.time

    def call(self, method: str, api_path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Call a seller API; refresh the access token once when Lazada says it is invalid (or it is known to be)."""
        if self.credentials.get("refresh_token") and token_due(self.credentials, self.clock()):
            self.refresh_tokens()
        try:
            return self._send(method, self.base_url, api_path, dict(params or {}), with_token=True)
        except _TokenInvalid:
            self.refresh_tokens()
        try:
            return self._send(method, self.base_url, api_path, dict(params or {}), with_token=True)
        except _TokenInvalid:
            raise AuthExpired("Lazada refused the refreshed access token; authorise the seller again.") from None

    def _send(self, method: str, base: str, api_path: str, params: dict[str, str], with_token: bool) -> dict[str, Any]:
        require_credentials("Lazada", self.credentials, ("app_key", "app_secret", "access_token"))
        params.update(
            app_key=self.credentials["app_key"], timestamp=str(int(self.clock() * 1000)), sign_method="sha256"
        )
        if with_token:
            params["access_token"] = self.credentials.get("access_token", "")
        params["sign"] = sign(self.credentials["app_secret"], api_path, params)
        if method == "GET":
            response = self.http.request("GET", base + api_path, params=params)
        else:
            response = self.http.request("POST", base + api_path, data=params)
        return self._check(response)

    def _check(self, response: requests.Response) -> dict[str, Any]:
        data = json_body(response, "Lazada")
        if not isinstance(data, dict):
            raise RetryableError("Lazada: unexpected answer shape.", code="malformed_response")
        code, message = str(data.get("code", "")), str(data.get("message") or "")
        kwargs: dict[str, Any] = {
            "code": code or str(response.status_code),
            "request_id": str(data.get("request_id") or ""),
            "http_status": response.status_code,
        }
        if code == "0" and response.status_code < 400:
            return data  # the SDK treats code "0" as success whatever the status; a 4xx/5xx with "0" is odd
        if code in THROTTLE_CODES:
            match = BAN_SECONDS.search(message)
            wait = float(match.group(1)) if match else DEFAULT_THROTTLE_WAIT
            raise RateLimited(f"Lazada throttled the call: {message}", retry_after=wait, **kwargs)
        if response.status_code >= 500 or code in RETRYABLE_CODES or data.get("type") in ("ISP", "SYSTEM"):
            raise RetryableError(f"Lazada server error: {message or response.status_code}", **kwargs)
        if code in TOKEN_CODES:
            raise _TokenInvalid
        if code in CREDENTIAL_CODES:
            raise InvalidCredentials(f"Lazada refused the request ({message}); check app_key and app_secret.", **kwargs)
        if code == "ITEM_NOT_FOUND":
            raise NotFound(f"Lazada: {message}", **kwargs)
        detail = data.get("detail")
        if isinstance(detail, list) and detail and all(isinstance(d, dict) and "seller_sku" in d for d in detail):
            failed = {str(d["seller_sku"]): str(d.get("message") or message) for d in detail}
            raise PartialFailure(f"Lazada: {message}", failed=failed, **kwargs)
        fields = field_errors(code, message, detail)
        if fields:
            raise Rejected(f"Lazada rejected the listing: {message}", field_errors=fields, **kwargs)
        raise ConnectorError(f"Lazada error {code}: {message}", **kwargs)

    def refresh_tokens(self) -> None:
        """Get a new access token with the refresh token (whose own lifetime does not grow) and report it."""
        refresh_token = self.credentials.get("refresh_token", "")
        if not refresh_token:
            raise AuthExpired("Lazada access token expired and no refresh token is stored; authorise the seller again.")
        try:
            data = self._send("POST", self.auth_url, "/auth/token/refresh", {"refresh_token": refresh_token}, False)
        except InvalidCredentials:
            raise
        except RetryableError:
            raise
        except (ConnectorError, _TokenInvalid) as exc:
            raise AuthExpired("Lazada refused the refresh token; authorise the seller again.") from exc
        new = {
            "access_token": str(data["access_token"]),
            "refresh_token": str(data.get("refresh_token") or refresh_token),
            EXPIRES_AT: expires_at(data.get("expires_in"), self.clock()),
        }
        self.credentials.update(new)
        if self.on_tokens is not None:
            self.on_tokens(new)

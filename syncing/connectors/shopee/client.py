"""Shopee Open Platform v2 HTTP client: partner signing, token refresh, error translation.

Facts: docs/marketplaces/shopee.md.
"""

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from typing import Any

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
from ..http import EXPIRES_AT, HttpClient, expires_at, json_body, retry_after, token_due
from .mapping import field_errors

LIVE_BASE_URL = "https://partner.shopeemobile.com"
REFRESH_PATH = "/api/v2/auth/access_token/get"
RETRYABLE_ERRORS = {"error_inner", "error_server", "error_system_busy", "error_network", "error_get_shop_fail"}
# Shopee documents no throttle signal: placeholder names (docs/marketplaces/shopee.md#rate-limits)
THROTTLE_ERRORS = {"error_too_many_request", "error_rate_limit"}
DEFAULT_THROTTLE_WAIT = 1.0  # seconds, when no Retry-After comes with a 429


def sign(
    partner_key: str,
    partner_id: int | str,
    api_path: str,
    timestamp: int,
    access_token: str = "",
    shop_id: int | str = "",
) -> str:
    """HMAC-SHA256(partner_key, partner_id + api_path + timestamp [+ access_token + shop_id]), lowercase hex.

    Public APIs (auth) sign the first three parts only; shop APIs add the token and shop id; merchant APIs pass
    the merchant id as `shop_id`.
    """
    base = f"{partner_id}{api_path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode("utf-8"), base.encode("utf-8"), hashlib.sha256).hexdigest()


class _TokenInvalid(Exception):
    pass


class ShopeeClient:
    def __init__(
        self, config: ChannelConfig, on_tokens: TokenSaver | None = None, before_request: RequestHook | None = None
    ) -> None:
        self.base_url = (config.base_url or LIVE_BASE_URL).rstrip("/")
        self.shop_id = config.shop_id
        self.credentials = dict(config.credentials)
        self.on_tokens = on_tokens
        self.http = HttpClient("Shopee", config.timeout, before_request=before_request)
        self.clock: Callable[[], float] = time.time

    def call(
        self,
        method: str,
        api_path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Call a shop API; refresh the access token once when Shopee says it is invalid (or it is known to be)."""
        if self.credentials.get("refresh_token") and token_due(self.credentials, self.clock()):
            self.refresh_tokens()
        try:
            return self._send(method, api_path, params, body, files)
        except _TokenInvalid:
            self.refresh_tokens()
        try:
            return self._send(method, api_path, params, body, files)
        except _TokenInvalid:
            raise AuthExpired("Shopee refused the refreshed access token; authorise the shop again.") from None

    def call_public(
        self,
        method: str,
        api_path: str,
        *,
        body: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Call a public API (partner signature only), e.g. media_space/upload_image."""
        try:
            return self._send(method, api_path, None, body, files, public=True)
        except _TokenInvalid:
            raise AuthExpired("Shopee refused the partner credentials.") from None

    def download(self, url: str) -> tuple[bytes, str]:
        """Fetch one of our images (Shopee only accepts uploaded files, not URLs)."""
        response = self.http.request("GET", url)
        if response.status_code >= 500:
            raise RetryableError(f"Image {url} could not be fetched (HTTP {response.status_code}).", code="image_fetch")
        if response.status_code >= 400:
            raise Rejected(
                f"Image {url} could not be fetched (HTTP {response.status_code}).",
                field_errors={"images": [f"{url} is not reachable (HTTP {response.status_code})."]},
                code="image_fetch",
            )
        return response.content, response.headers.get("Content-Type", "image/jpeg")

    def _send(
        self,
        method: str,
        api_path: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        files: Mapping[str, Any] | None,
        public: bool = False,
    ) -> dict[str, Any]:
        require_credentials("Shopee", self.credentials, ("partner_id", "partner_key", "access_token"))
        if not str(self.credentials["partner_id"]).isdigit() or not str(self.shop_id).isdigit():
            raise InvalidCredentials("Shopee partner_id and shop id are numbers.", code="invalid_credentials")
        timestamp = int(self.clock())
        query: dict[str, Any] = {"partner_id": self.credentials["partner_id"], "timestamp": timestamp}
        if public:
            query["sign"] = sign(self.credentials["partner_key"], query["partner_id"], api_path, timestamp)
        else:
            token = self.credentials.get("access_token", "")
            query.update(access_token=token, shop_id=self.shop_id)
            query["sign"] = sign(
                self.credentials["partner_key"], query["partner_id"], api_path, timestamp, token, self.shop_id
            )
        query.update(params or {})
        response = self.http.request(method, self.base_url + api_path, params=query, json=body, files=files)
        return self._check(response)

    def _check(self, response: requests.Response) -> dict[str, Any]:
        request_id = ""
        data = json_body(response, "Shopee")
        if not isinstance(data, dict):
            raise RetryableError("Shopee: unexpected answer shape.", code="malformed_response")
        request_id = str(data.get("request_id") or "")
        error, message = str(data.get("error") or ""), str(data.get("message") or "")
        status = response.status_code
        kwargs: dict[str, Any] = {"code": error or str(status), "request_id": request_id, "http_status": status}
        if status == 429 or error in THROTTLE_ERRORS:
            wait = retry_after(response.headers.get("Retry-After"), DEFAULT_THROTTLE_WAIT)
            raise RateLimited(
                f"Shopee throttled the shop: {message or 'too many requests'}", retry_after=wait, **kwargs
            )
        if not error and status < 400:
            return data
        if status >= 500 or error in RETRYABLE_ERRORS:
            raise RetryableError(f"Shopee server error: {message or status}", **kwargs)
        if error == "error_auth" and "access_token" in message:
            raise _TokenInvalid
        if error == "error_sign" or (error == "error_param" and "partner_id" in message):
            raise InvalidCredentials(
                f"Shopee refused the signature ({message}); check partner_id and partner_key.", **kwargs
            )
        if error == "error_auth":
            raise AuthExpired(f"Shopee refused the call: {message}", **kwargs)
        if error.endswith("error_item_not_found"):
            raise NotFound(f"Shopee: {message}", **kwargs)
        fields = field_errors(error, message)
        if fields:
            raise Rejected(f"Shopee rejected the listing: {message}", field_errors=fields, **kwargs)
        raise ConnectorError(f"Shopee error {error}: {message}", **kwargs)

    def refresh_tokens(self) -> None:
        """Trade the single-use refresh token for a new pair, store it, and tell the caller (`on_tokens`)."""
        refresh_token = self.credentials.get("refresh_token", "")
        if not refresh_token:
            raise AuthExpired("Shopee access token expired and no refresh token is stored; authorise the shop again.")
        body = {
            "refresh_token": refresh_token,
            "partner_id": int(self.credentials["partner_id"]),
            "shop_id": int(self.shop_id),
        }
        try:
            data = self._send("POST", REFRESH_PATH, None, body, None, public=True)
        except InvalidCredentials:
            raise
        except (_TokenInvalid, AuthExpired, Rejected) as exc:
            raise AuthExpired("Shopee refused the refresh token; authorise the shop again.") from exc
        except ConnectorError as exc:
            if isinstance(exc, RetryableError):
                raise
            raise AuthExpired(f"Shopee token refresh failed: {exc.message}", code=exc.code) from exc
        new = {
            "access_token": str(data["access_token"]),
            "refresh_token": str(data["refresh_token"]),
            EXPIRES_AT: expires_at(data.get("expire_in"), self.clock()),
        }
        self.credentials.update(new)
        if self.on_tokens is not None:
            self.on_tokens(new)

"""Shopify Admin GraphQL client: access-token header, cost throttling, token refresh (docs/marketplaces/shopify.md)."""

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

import requests

from ..base import (
    AuthExpired,
    ChannelConfig,
    ConnectorError,
    RateLimited,
    RequestHook,
    RetryableError,
    TokenSaver,
    require_credentials,
)
from ..http import EXPIRES_AT, HttpClient, expires_at, json_body, retry_after, token_due

API_VERSION = "2026-01"  # GraphQL Admin API; inventorySetQuantities needs @idempotent from 2026-04 (sent already)
DEFAULT_THROTTLE_WAIT = 1.0


def oauth_hmac(query: dict[str, str], client_secret: str) -> str:
    """HMAC-SHA256 (lowercase hex) of an OAuth redirect query: pairs without `hmac`/`signature`, sorted, `k=v&...`.

    Compare it with the query's `hmac` using `hmac.compare_digest` before trusting `code` and `shop`.
    """
    pairs = sorted((k, v) for k, v in query.items() if k not in ("hmac", "signature"))
    message = "&".join(f"{k}={v}" for k, v in pairs)
    return hmac.new(client_secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def shop_base_url(config: ChannelConfig) -> str:
    if config.base_url:
        return config.base_url.rstrip("/")
    shop = config.shop_id.removesuffix(".myshopify.com")
    return f"https://{shop}.myshopify.com"


class _TokenInvalid(Exception):
    pass


class ShopifyClient:
    def __init__(
        self, config: ChannelConfig, on_tokens: TokenSaver | None = None, before_request: RequestHook | None = None
    ) -> None:
        self.base_url = shop_base_url(config)
        self.credentials = dict(config.credentials)
        self.on_tokens = on_tokens
        self.http = HttpClient("Shopify", config.timeout, before_request=before_request)
        self.api_version = API_VERSION
        self.throttle_status: Mapping[str, Any] = {}  # last extensions.cost.throttleStatus seen

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run one query or mutation and return `data`; refresh an expiring token once on 401 (or when due)."""
        if self.credentials.get("refresh_token") and token_due(self.credentials, time.time()):
            self.refresh_tokens()
        try:
            return self._send(query, variables or {})
        except _TokenInvalid:
            self.refresh_tokens()
        try:
            return self._send(query, variables or {})
        except _TokenInvalid:
            raise AuthExpired("Shopify refused the refreshed access token; install the app again.") from None

    def _send(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        require_credentials("Shopify", self.credentials, ("access_token",))
        url = f"{self.base_url}/admin/api/{self.api_version}/graphql.json"
        headers = {
            "X-Shopify-Access-Token": self.credentials.get("access_token", ""),
            "Content-Type": "application/json",
        }
        response = self.http.request("POST", url, json={"query": query, "variables": dict(variables)}, headers=headers)
        return self._check(response)

    def _check(self, response: requests.Response) -> dict[str, Any]:
        request_id = response.headers.get("X-Request-Id", "")
        status = response.status_code
        kwargs: dict[str, Any] = {"request_id": request_id, "http_status": status}
        if status == 401:
            raise _TokenInvalid
        if status == 429:
            wait = retry_after(response.headers.get("Retry-After"), DEFAULT_THROTTLE_WAIT)
            raise RateLimited("Shopify throttled the app (HTTP 429).", retry_after=wait, code="THROTTLED", **kwargs)
        body = json_body(response, "Shopify", request_id)
        if status >= 500:
            raise RetryableError(f"Shopify server error {status}.", code=str(status), **kwargs)
        if not isinstance(body, dict):
            raise RetryableError("Shopify: unexpected answer shape.", code="malformed_response", **kwargs)
        cost = (body.get("extensions") or {}).get("cost") or {}
        self.throttle_status = cost.get("throttleStatus") or {}
        errors = body.get("errors")
        if errors:
            self._raise_errors(errors, cost, status, kwargs)
        if status >= 400 or not isinstance(body.get("data"), dict):
            raise ConnectorError(f"Shopify answered HTTP {status} without data.", code=str(status), **kwargs)
        return dict(body["data"])

    def _raise_errors(self, errors: Any, cost: Mapping[str, Any], status: int, kwargs: dict[str, Any]) -> None:
        if not isinstance(errors, list):
            raise ConnectorError(f"Shopify error (HTTP {status}): {errors}", code=str(status), **kwargs)
        codes = [str((e.get("extensions") or {}).get("code") or "") for e in errors if isinstance(e, dict)]
        messages = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
        if "THROTTLED" in codes:
            raise RateLimited(
                f"Shopify throttled the query: {messages}", retry_after=throttle_wait(cost), code="THROTTLED", **kwargs
            )
        if "INTERNAL_SERVER_ERROR" in codes:
            raise RetryableError(f"Shopify internal error: {messages}", code="INTERNAL_SERVER_ERROR", **kwargs)
        if "ACCESS_DENIED" in codes:
            raise AuthExpired(f"Shopify denied access: {messages}", code="ACCESS_DENIED", **kwargs)
        raise ConnectorError(f"Shopify GraphQL error: {messages}", code=codes[0] if codes else "GRAPHQL", **kwargs)

    def refresh_tokens(self) -> None:
        """Expiring offline tokens: trade the refresh token (it rotates) for a new pair and report it."""
        refresh_token = self.credentials.get("refresh_token", "")
        client_id, client_secret = self.credentials.get("client_id", ""), self.credentials.get("client_secret", "")
        if not (refresh_token and client_id and client_secret):
            raise AuthExpired("Shopify refused the access token and it cannot be refreshed; install the app again.")
        body = {
            "client_id": client_id,
            "client_secret": client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        response = self.http.request("POST", f"{self.base_url}/admin/oauth/access_token", json=body)
        if response.status_code >= 500:
            raise RetryableError(
                f"Shopify token refresh failed with HTTP {response.status_code}.", http_status=response.status_code
            )
        data = json_body(response, "Shopify")
        if response.status_code >= 400 or not isinstance(data, dict) or "access_token" not in data:
            error = data.get("error", "") if isinstance(data, dict) else ""
            raise AuthExpired(
                f"Shopify refused the refresh token ({error or response.status_code}); install the app again.",
                code=str(error),
                http_status=response.status_code,
            )
        new = {"access_token": str(data["access_token"]), EXPIRES_AT: expires_at(data.get("expires_in"), time.time())}
        if data.get("refresh_token"):
            new["refresh_token"] = str(data["refresh_token"])
        self.credentials.update(new)
        if self.on_tokens is not None:
            self.on_tokens(new)


def throttle_wait(cost: Mapping[str, Any]) -> float:
    """Seconds until the bucket holds the requested cost: (requested - available) / restore rate."""
    status = cost.get("throttleStatus") or {}
    try:
        requested = float(cost.get("requestedQueryCost") or 0)
        available = float(status.get("currentlyAvailable") or 0)
        rate = float(status.get("restoreRate") or 0)
    except (TypeError, ValueError):
        return DEFAULT_THROTTLE_WAIT
    if rate <= 0:
        return DEFAULT_THROTTLE_WAIT
    return max(0.0, round((requested - available) / rate, 3))

"""Shopify Admin GraphQL client: access-token header, cost throttling, token refresh (docs/marketplaces/shopify.md)."""

import hashlib
import hmac
import threading
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
DEFAULT_QUERY_COST = 10.0  # a mutation's; a query's own is learnt from its answers


class CostMirror:
    """This process's picture of one store's cost bucket (docs/marketplaces/shopify.md#rate-limits), from the
    `throttleStatus` of the last answer, restored at `restoreRate` since: a request waits until the bucket holds
    what the same query cost last time instead of being refused as THROTTLED (which the engine would answer by
    halving the channel's rate). The threads of a process share it and take their cost out when they send."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.available: float | None = None
        self.maximum = 0.0
        self.rate = 0.0
        self.at = 0.0
        self.costs: dict[str, float] = {}

    def wait_for(self, query: str) -> float:
        """Seconds to wait before sending `query`; its expected cost is taken out of the picture now."""
        with self.lock:
            if self.available is None or self.rate <= 0:
                return 0.0
            now = time.monotonic()
            self.available = min(self.maximum, self.available + (now - self.at) * self.rate)
            self.at = now
            cost = self.costs.get(query, DEFAULT_QUERY_COST)
            wait = max(0.0, (cost - self.available) / self.rate)
            self.available -= cost
            return wait

    def seen(self, query: str, cost: Mapping[str, Any]) -> None:
        status = cost.get("throttleStatus") or {}
        try:
            available = float(status["currentlyAvailable"])
            maximum = float(status.get("maximumAvailable") or available)
            rate = float(status.get("restoreRate") or 0)
            requested = float(cost.get("requestedQueryCost") or DEFAULT_QUERY_COST)
        except (KeyError, TypeError, ValueError):
            return
        with self.lock:
            self.available, self.maximum, self.rate, self.at = available, maximum, rate, time.monotonic()
            self.costs[query] = requested


_mirrors: dict[str, CostMirror] = {}
_mirrors_lock = threading.Lock()


def cost_mirror(store_url: str) -> CostMirror:
    with _mirrors_lock:
        return _mirrors.setdefault(store_url, CostMirror())


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
        self.mirror = cost_mirror(self.base_url)

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
        wait = self.mirror.wait_for(query)
        if wait > 0:
            time.sleep(wait)
        response = self.http.request("POST", url, json={"query": query, "variables": dict(variables)}, headers=headers)
        return self._check(response, query)

    def _check(self, response: requests.Response, query: str = "") -> dict[str, Any]:
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
        if query:
            self.mirror.seen(query, cost)
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

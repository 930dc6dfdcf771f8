"""Amazon SP-API (Listings Items 2021-08-01) over HTTP: LWA tokens, errors, rate-limit headers.

docs/marketplaces/amazon.md. No request signing since 2023-10 (SigV4 dropped): each call carries the LWA access token in
`x-amz-access-token`. The access token (1 h) comes from exchanging the seller's long-lived refresh token.
"""

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

MARKETPLACE = "Amazon"
LIVE_LWA_URL = "https://api.amazon.com/auth/o2/token"
LWA_PATH = "/auth/o2/token"
EARLY_REFRESH_SECONDS = 60.0
LWA_RETRYABLE = frozenset({"server_error", "temporarily_unavailable"})
LWA_REAUTHORISE = frozenset({"invalid_grant", "access_denied", "unauthorized_client"})


class TokenExpired(Exception):
    """Internal signal: 403 saying the access token is expired or invalid; the connector gets a new one once."""


class AmazonClient:
    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        timeout: float,
        before_request: RequestHook | None = None,
        access_token: str = "",
        expires_at: float = 0.0,
        lwa_url: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.timeout = timeout
        self.access_token = access_token
        self.expires_at = expires_at
        self.lwa_url = lwa_url or _lwa_url_for(self.base_url)
        self.clock = clock
        self.http = HttpClient(MARKETPLACE, timeout, before_request=before_request)
        self.session = self.http.session

    @property
    def token_is_fresh(self) -> bool:
        return bool(self.access_token) and (
            not self.expires_at or self.clock() < self.expires_at - EARLY_REFRESH_SECONDS
        )

    def exchange(self) -> dict[str, Any]:
        """LWA: refresh token -> access token (docs/marketplaces/amazon.md#credentials)."""
        return self._lwa({"grant_type": "refresh_token", "refresh_token": self.refresh_token})

    def exchange_code(self, code: str, redirect_uri: str) -> dict[str, Any]:
        """End of the authorisation: `spapi_oauth_code` -> the seller's long-lived refresh token (+ access)."""
        payload = self._lwa({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})
        self.refresh_token = str(payload.get("refresh_token") or self.refresh_token)
        return payload

    def _lwa(self, grant: dict[str, str]) -> dict[str, Any]:
        resp = self.http.request(
            "POST", self.lwa_url, data={**grant, "client_id": self.client_id, "client_secret": self.client_secret}
        )
        request_id = resp.headers.get("x-amzn-RequestId", "")
        if resp.status_code == 429 or resp.status_code >= 500:
            raise RetryableError(
                f"{MARKETPLACE}: Login with Amazon answered HTTP {resp.status_code}.",
                retry_after=retry_after(resp.headers.get("retry-after"), 0.0) or None,
                request_id=request_id,
                http_status=resp.status_code,
            )
        payload = json_body(resp, marketplace=MARKETPLACE, request_id=request_id)
        if resp.status_code == 200 and isinstance(payload, dict) and payload.get("access_token"):
            self.access_token = str(payload["access_token"])
            self.expires_at = self.clock() + float(payload.get("expires_in") or 3600)
            return payload
        error = str(payload.get("error", "")) if isinstance(payload, dict) else ""
        description = str(payload.get("error_description", "")) if isinstance(payload, dict) else ""
        kwargs: dict[str, Any] = {"code": error, "request_id": request_id, "http_status": resp.status_code}
        text = f"{MARKETPLACE}: Login with Amazon refused the token exchange ({error}: {description})."
        if error in LWA_RETRYABLE:
            raise RetryableError(text, **kwargs)
        if error in LWA_REAUTHORISE:
            raise AuthExpired(text + " The seller must authorise the app again.", **kwargs)
        raise InvalidCredentials(text + " Check the LWA client id and secret.", **kwargs)

    def call(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None, json: Any = None
    ) -> dict[str, Any]:
        headers = {"x-amz-access-token": self.access_token, "accept": "application/json"}
        if json is not None:
            headers["content-type"] = "application/json"
        resp = self.http.request(
            method,
            self.base_url + path,
            params=params,
            json=json,
            headers=headers,
        )
        return self._interpret(resp)  # type: ignore[no-any-return]

    def call_array(self, method: str, path: str, *, json: Any) -> list[Any]:
        """A call whose success body is a bare JSON array (Product Fees' batch); errors as for `call`."""
        headers = {
            "x-amz-access-token": self.access_token,
            "accept": "application/json",
            "content-type": "application/json",
        }
        resp = self.http.request(method, self.base_url + path, json=json, headers=headers)
        return self._interpret(resp, array=True)  # type: ignore[no-any-return]

    def _interpret(self, resp: requests.Response, *, array: bool = False) -> Any:
        status = resp.status_code
        request_id = resp.headers.get("x-amzn-RequestId", "")
        if status == 429:
            code, message = _first_error(resp)
            raise RateLimited(
                f"{MARKETPLACE}: {message or 'the frequency of requests was greater than allowed'}.",
                retry_after=_rate_wait(resp),
                code=code or "QuotaExceeded",
                request_id=request_id,
                http_status=status,
            )
        if status >= 500:
            code, message = _first_error(resp)
            raise RetryableError(
                f"{MARKETPLACE}: server error HTTP {status} {message}".rstrip() + ".",
                retry_after=retry_after(resp.headers.get("retry-after"), 0.0) or None,
                code=code,
                request_id=request_id,
                http_status=status,
            )
        payload = json_body(resp, marketplace=MARKETPLACE, request_id=request_id)
        if 200 <= status < 300:
            if array and isinstance(payload, list):
                return payload
            if not isinstance(payload, dict):
                raise RetryableError(f"{MARKETPLACE}: unexpected response shape.", request_id=request_id)
            return payload
        errors = payload.get("errors") if isinstance(payload, dict) else None
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        code = str(first.get("code", ""))
        message = str(first.get("message", ""))
        details = str(first.get("details", ""))
        kwargs: dict[str, Any] = {"code": code or str(status), "request_id": request_id, "http_status": status}
        if status == 403 and "token" in f"{message} {details}".lower():
            raise TokenExpired(details or message)
        if status == 403:
            raise InvalidCredentials(
                f"{MARKETPLACE}: access denied for seller/marketplace ({message} {details}".rstrip() + ").", **kwargs
            )
        if status == 404:
            raise NotFound(f"{MARKETPLACE}: {message or 'not found'}.", **kwargs)
        if status == 400:
            raise Rejected(
                f"{MARKETPLACE} refused the request: {message} {details}".rstrip(),
                field_errors={"__all__": [f"{message} {details}".strip() or "Invalid input."]},
                **kwargs,
            )
        raise ConnectorError(f"{MARKETPLACE}: HTTP {status}: {message} {details}".rstrip(), **kwargs)


def consent_url(seller_central: str, *, application_id: str, state: str, beta: bool = False) -> str:
    """Seller Central consent page of the seller's region (website authorisation workflow,
    docs/marketplaces/amazon.md#credentials);
    Amazon redirects back with `spapi_oauth_code`, `state` and `selling_partner_id`."""
    query = {"application_id": application_id, "state": state}
    if beta:
        query["version"] = "beta"
    return seller_central.rstrip("/") + "/apps/authorize/consent?" + urlencode(query)


def _lwa_url_for(base_url: str) -> str:
    """Live SP-API hosts use the live LWA endpoint; anything else (the sandbox) serves it under its own prefix."""
    host = urlsplit(base_url).hostname or ""
    return LIVE_LWA_URL if host.endswith(".amazon.com") else base_url + LWA_PATH


def _first_error(resp: requests.Response) -> tuple[str, str]:
    try:
        payload = resp.json()
        first = payload["errors"][0]
        return str(first.get("code", "")), str(first.get("message", ""))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return "", ""


def _rate_wait(resp: requests.Response) -> float:
    """Retry-After if given, else one token of the bucket: 1 / x-amzn-RateLimit-Limit seconds, else 1 s."""
    if resp.headers.get("retry-after"):
        return retry_after(resp.headers.get("retry-after"))
    try:
        rate = float(resp.headers.get("x-amzn-RateLimit-Limit", ""))
    except ValueError:
        return 1.0
    return 1.0 / rate if rate > 0 else 1.0

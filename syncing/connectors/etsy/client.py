"""Etsy Open API v3 over HTTP: OAuth 2.0 bearer tokens + x-api-key, refresh, rate-limit headers, errors.

docs/marketplaces/etsy.md. No request signing; the authorisation code grant uses PKCE (S256), see `pkce_challenge`.
"""

import base64
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

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
from .mapping import field_errors_from_message

MARKETPLACE = "Etsy"
API_PREFIX = "/v3/application"
TOKEN_PATH = "/v3/public/oauth/token"
LIVE_API_HOST = "api.etsy.com"
LIVE_CONNECT_URL = "https://www.etsy.com/oauth/connect"
LISTING_SCOPES = ("listings_r", "listings_w", "listings_d", "shops_r")
REQUEST_ID_HEADERS = ("x-request-id", "x-etsy-request-uuid")


def pkce_challenge(verifier: str) -> str:
    """S256 code challenge: base64url(sha256(verifier)) without padding (docs/marketplaces/etsy.md#signing)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_verifier() -> str:
    """A fresh code verifier: 43 characters of base64url from 32 random bytes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")


def authorize_url(
    base_url: str, *, client_id: str, redirect_uri: str, scopes: Sequence[str], state: str, verifier: str
) -> str:
    """Where to send the seller to authorise the app (docs/marketplaces/etsy.md#credentials); keep `state` and
    `verifier` for the callback."""
    base = base_url.rstrip("/")
    connect = LIVE_CONNECT_URL if urlsplit(base).hostname == LIVE_API_HOST else base + "/oauth/connect"
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return connect + "?" + urlencode(query, quote_via=quote)


class TokenExpired(Exception):
    """Internal signal: HTTP 401 on an API call; the connector refreshes once."""


class EtsyClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        shared_secret: str,
        access_token: str,
        timeout: float,
        before_request: RequestHook | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.shared_secret = shared_secret
        self.access_token = access_token
        self.timeout = timeout
        self.http = HttpClient(MARKETPLACE, timeout, before_request=before_request)
        self.session = self.http.session
        self.last_rate: dict[str, str] = {}

    @property
    def api_key_header(self) -> str:
        """`keystring:shared_secret` as Etsy now requires; the keystring alone when no secret is stored."""
        return f"{self.api_key}:{self.shared_secret}" if self.shared_secret else self.api_key

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
    ) -> Any:
        """One API call under /v3/application; returns the decoded body (None for 204)."""
        headers = {"x-api-key": self.api_key_header, "authorization": f"Bearer {self.access_token}"}
        resp = self.http.request(
            method,
            self.base_url + API_PREFIX + path,
            params=params,
            data=form,
            json=json,
            files=files,
            headers=headers,
        )
        return self._interpret(resp)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """grant_type=refresh_token at the token endpoint; a refusal means the seller must authorise again."""
        return self._token({"grant_type": "refresh_token", "client_id": self.api_key, "refresh_token": refresh_token})

    def exchange_code(self, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        """End of the authorisation: the `code` from the redirect + the PKCE verifier -> access/refresh tokens."""
        return self._token(
            {
                "grant_type": "authorization_code",
                "client_id": self.api_key,
                "redirect_uri": redirect_uri,
                "code": code,
                "code_verifier": verifier,
            }
        )

    def _token(self, form: dict[str, str]) -> dict[str, Any]:
        resp = self.http.request("POST", self.base_url + TOKEN_PATH, data=form)
        request_id = _request_id(resp)
        if resp.status_code == 429 or resp.status_code >= 500:
            raise RetryableError(
                f"{MARKETPLACE}: the token endpoint answered HTTP {resp.status_code}.",
                retry_after=retry_after(resp.headers.get("retry-after"), 0.0) or None,
                request_id=request_id,
                http_status=resp.status_code,
            )
        payload = json_body(resp, marketplace=MARKETPLACE, request_id=request_id)
        if resp.status_code != 200 or not isinstance(payload, dict) or "access_token" not in payload:
            error = str(payload.get("error", "")) if isinstance(payload, dict) else ""
            description = str(payload.get("error_description", "")) if isinstance(payload, dict) else ""
            kwargs: dict[str, Any] = {"code": error, "request_id": request_id, "http_status": resp.status_code}
            if error == "invalid_client":
                raise InvalidCredentials(f"{MARKETPLACE}: {description or error}; check the keystring.", **kwargs)
            raise AuthExpired(
                f"{MARKETPLACE}: no token ({description or error or resp.status_code}); authorise the shop again.",
                **kwargs,
            )
        self.access_token = str(payload["access_token"])
        return payload

    def _interpret(self, resp: requests.Response) -> Any:
        status = resp.status_code
        request_id = _request_id(resp)
        self.last_rate = {k: v for k, v in resp.headers.items() if k.lower().startswith(("x-limit-", "x-remaining-"))}
        if status == 204:
            return None
        if status == 429:
            raise RateLimited(
                f"{MARKETPLACE}: rate limit reached.",
                retry_after=_rate_wait(resp),
                code="429",
                request_id=request_id,
                http_status=status,
            )
        if status >= 500:
            raise RetryableError(
                f"{MARKETPLACE}: server error HTTP {status}.",
                retry_after=retry_after(resp.headers.get("retry-after"), 0.0) or None,
                code=str(status),
                request_id=request_id,
                http_status=status,
            )
        payload = json_body(resp, marketplace=MARKETPLACE, request_id=request_id)
        if status < 300:
            return payload
        message = ""
        if isinstance(payload, dict):
            message = str(payload.get("error_description") or payload.get("error") or "")
        kwargs: dict[str, Any] = {"code": str(status), "request_id": request_id, "http_status": status}
        if status == 401:
            raise TokenExpired(message)
        if status == 400:
            raise Rejected(
                f"{MARKETPLACE} refused the request: {message}",
                field_errors=field_errors_from_message(message),
                **kwargs,
            )
        if status == 403 and any(word in message.lower() for word in ("api key", "shared secret")):
            raise InvalidCredentials(f"{MARKETPLACE}: {message}; check the keystring and shared secret.", **kwargs)
        if status == 404:
            raise NotFound(f"{MARKETPLACE}: {message or 'not found'}.", **kwargs)
        raise ConnectorError(f"{MARKETPLACE}: HTTP {status}: {message or 'error'}", **kwargs)


def _request_id(resp: requests.Response) -> str:
    for name in REQUEST_ID_HEADERS:
        if resp.headers.get(name):
            return str(resp.headers[name])
    return ""


def _rate_wait(resp: requests.Response) -> float:
    """Retry-After if sent; a spent daily quota waits an hour (the sliding window frees buckets); else 1 s."""
    if resp.headers.get("retry-after"):
        return retry_after(resp.headers.get("retry-after"))
    if resp.headers.get("x-remaining-today") == "0":
        return 3600.0
    return 1.0

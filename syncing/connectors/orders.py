"""What every connector's order code shares: money parsing, safe status mapping and webhook verification.

Webhook verifiers are pure functions (no Django, no network): the receiving endpoint hands them the raw body and
the request headers and gets a `WebhookEvent`, or `WebhookRejected` when the signature is missing or wrong or the
body is not what the marketplace sends (docs/marketplaces/<code>.md#orders).
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .base import ORDER_STATUSES, ConnectorError

# A raw status no table knows is kept as the raw status and read as "paid": the order happened and its units stay
# committed until a later, known status says otherwise (docs/marketplaces/<code>.md#orders).
SAFE_UNKNOWN_STATUS = "paid"


class WebhookRejected(ConnectorError):
    """A webhook with a missing or bad signature, or a body that cannot be read: answer 401 and keep nothing."""


@dataclass(frozen=True)
class WebhookEvent:
    """One verified webhook: the order it is about and what happened (the marketplace's own words)."""

    order_id: str
    event: str  # topic / message type / push code, as the marketplace names it
    raw_status: str = ""
    delivery_id: str = ""  # the marketplace's dedupe id where it sends one
    shop_id: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)


def money(value: Any) -> Decimal:
    """A marketplace amount (string, number or None) as a Decimal; 0 when absent or unreadable."""
    if value in (None, ""):
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("0")


def map_status(table: Mapping[str, str], raw: str) -> str:
    """The normalised status of a raw one; SAFE_UNKNOWN_STATUS for a value the table does not know."""
    status = table.get(raw, SAFE_UNKNOWN_STATUS)
    return status if status in ORDER_STATUSES else SAFE_UNKNOWN_STATUS


def address(**fields: Any) -> dict[str, str]:
    """A shipping address in RemoteOrder's keys (name, line1, line2, city, region, postcode, country, phone); each
    value as text, "" when absent."""
    keys = ("name", "line1", "line2", "city", "region", "postcode", "country", "phone")
    return {key: str(fields.get(key) or "") for key in keys}


def header(headers: Mapping[str, str], name: str) -> str:
    """A header value, case-insensitively (HTTP/2 lowercases names); "" when absent."""
    wanted = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == wanted), "")


def hmac_sha256(key: str, message: bytes) -> bytes:
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).digest()


def check_signature(marketplace: str, given: str, expected_hex_or_b64: str) -> None:
    """Raise WebhookRejected unless `given` equals the expected signature (constant-time)."""
    if not given:
        raise WebhookRejected(f"{marketplace} webhook without a signature.", code="missing_signature")
    if not hmac.compare_digest(given.strip().encode(), expected_hex_or_b64.encode()):
        raise WebhookRejected(f"{marketplace} webhook signature does not match.", code="bad_signature")


def hex_signature(key: str, message: bytes) -> str:
    return hmac_sha256(key, message).hex()


def b64_signature(key: str, message: bytes) -> str:
    return base64.b64encode(hmac_sha256(key, message)).decode()


def standard_webhook_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks `whsec_…` secret: its base64 part decoded (the raw text otherwise)."""
    raw = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return raw.encode()


def json_payload(marketplace: str, raw_body: bytes) -> dict[str, Any]:
    """The verified body as a JSON object, or WebhookRejected."""
    try:
        data = json.loads(raw_body)
    except ValueError:
        raise WebhookRejected(f"{marketplace} webhook body is not JSON.", code="malformed_body") from None
    if not isinstance(data, dict):
        raise WebhookRejected(f"{marketplace} webhook body is not a JSON object.", code="malformed_body")
    return data


def authorization_signed_json(
    marketplace: str, raw_body: bytes, headers: Mapping[str, str], key: str, prefix: bytes
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A push signed in its `Authorization` header with hex HMAC-SHA256(key, prefix + raw body), as Shopee and
    TikTok Shop sign theirs: the verified JSON body and its `data` object ({} when it has none). Raises
    WebhookRejected."""
    check_signature(marketplace, header(headers, "Authorization"), hex_signature(key, prefix + raw_body))
    data = json_payload(marketplace, raw_body)
    return data, data["data"] if isinstance(data.get("data"), dict) else {}

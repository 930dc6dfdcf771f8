"""Connector instances for a channel, and the rate-limit/circuit-breaker state around each call."""

import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.models import Channel
from syncing import ratelimit
from syncing.conf import sync_setting
from syncing.connectors import get_connector_class
from syncing.connectors.base import ChannelConfig, Connector

from .listing_bridge import channel_credentials_save

# A run of this many retryable failures (5xx, timeouts, dropped connections) in a row opens the channel's
# circuit: no calls for CIRCUIT_OPEN_SECONDS, then one trial call decides (half-open).
CIRCUIT_FAILURE_THRESHOLD = 5
CIRCUIT_OPEN_SECONDS = 300.0
# The longest a worker sleeps for a rate-limit token before it reschedules the work instead.
TOKEN_MAX_WAIT_SECONDS = 10.0
# Mid-operation (between the requests of one connector call) a worker waits up to this long for a token.
REQUEST_MAX_WAIT_SECONDS = 120.0
# Fraction of the channel's configured rate the engine uses, so network jitter cannot push the marketplace's
# bucket over its limit (sandbox benchmark: 0.97 of 50 req/s gave 0 throttles).
RATE_SAFETY = 0.97
# A token taken by `channel_token_acquire` is used by the next request on that channel within this long after
# its time slot; an unused one is dropped (the bucket then runs slightly under the rate, never over).
PREPAID_ATTR = "_sync_prepaid_token_at"
PREPAID_GRACE_SECONDS = 2.0


def connector_for(channel: Channel) -> Connector:
    """A connector for `channel` whose refreshed tokens are saved back, encrypted, on the channel."""
    config = ChannelConfig(
        base_url=channel.base_url,
        shop_id=channel.shop_id,
        credentials=channel.get_credentials(),
        country=channel.country,
        currency=channel.currency,
        language=channel.language,
    )

    def save_tokens(values: Mapping[str, str]) -> None:
        channel_credentials_save(channel=channel, values=dict(values))

    connector = get_connector_class(channel.marketplace)(config, on_tokens=save_tokens)
    _throttle_each_request(connector, channel)
    return connector


def _throttle_each_request(connector: Connector, channel: Channel) -> None:
    """Take a rate-limit token before *every* HTTP request the connector makes.

    One connector call can be several requests (Lazada migrates each image before a create, and reads the item
    back after an update), and marketplaces count requests, so the bucket must too. The connectors send every
    request through `syncing.connectors.http.HttpClient.request`; the instances found on the connector are
    wrapped here, so connectors stay free of our database.
    """
    from syncing.connectors.http import HttpClient

    seen: list[HttpClient] = []
    for attr in vars(connector).values():
        candidates = [attr, *vars(attr).values()] if hasattr(attr, "__dict__") else [attr]
        seen.extend(c for c in candidates if isinstance(c, HttpClient) and c not in seen)
    for client in seen:
        original = client.request

        def request(method: str, url: str, _original: Any = original, **kwargs: Any) -> Any:
            due = vars(channel).pop(PREPAID_ATTR, None)
            if due is not None and time.monotonic() <= due + PREPAID_GRACE_SECONDS:
                # The token `channel_token_acquire` already took for this call: no second bucket round trip.
                time.sleep(max(0.0, due - time.monotonic()))
            else:
                rate, burst = channel_rate(channel)
                ratelimit.acquire(bucket_key(channel), rate=rate, burst=burst, max_wait=REQUEST_MAX_WAIT_SECONDS)
            return _original(method, url, **kwargs)

        client.request = request  # type: ignore[method-assign]


def bucket_key(channel: Channel, operation: str = "listings") -> str:
    return f"channel:{channel.pk}:{operation}"


def channel_rate(channel: Channel) -> tuple[float, int]:
    rate = float(channel.rate_limit_per_second or 1.0) * sync_setting("SYNC_RATE_SAFETY", RATE_SAFETY, float)
    return rate, int(channel.rate_limit_burst or 1)


def channel_token_acquire(channel: Channel, operation: str = "listings") -> float:
    """Whether to call `channel` now: 0 when a token is free within TOKEN_MAX_WAIT_SECONDS, else the seconds
    to come back after.

    A token is taken per HTTP request (`_throttle_each_request`). When the answer is "now", the token is
    already taken here, in the same bucket round trip as the question, and the connector's first request
    uses it (waiting for its time slot); its other requests take their own tokens.
    """
    rate, burst = channel_rate(channel)
    key = bucket_key(channel, operation)
    if operation != "listings":  # the connectors' requests draw from the listings bucket only
        wait = ratelimit.wait_hint(key, rate=rate, burst=burst)
        return 0.0 if wait <= TOKEN_MAX_WAIT_SECONDS else wait
    reservation = ratelimit.reserve(key, rate=rate, burst=burst, max_wait=TOKEN_MAX_WAIT_SECONDS)
    if not reservation.granted:
        vars(channel).pop(PREPAID_ATTR, None)
        return reservation.wait
    vars(channel)[PREPAID_ATTR] = time.monotonic() + reservation.wait
    return 0.0


def channel_throttled(channel: Channel, retry_after: float | None, operation: str = "listings") -> None:
    """The marketplace answered 429: hold every worker of this channel back for Retry-After (default 1 s)."""
    rate, burst = channel_rate(channel)
    ratelimit.penalise(bucket_key(channel, operation), rate=rate, burst=burst, retry_after=retry_after or 1.0)


def channel_circuit_wait(channel: Channel) -> float:
    """Seconds until the channel's circuit closes again (0 when calls may go)."""
    channel.refresh_from_db(fields=["circuit_open_until", "consecutive_failures"])
    if channel.circuit_open_until is None:
        return 0.0
    return max(0.0, (channel.circuit_open_until - timezone.now()).total_seconds())


def channel_call_succeeded(channel: Channel) -> None:
    if channel.consecutive_failures or channel.circuit_open_until:
        Channel.objects.filter(pk=channel.pk).update(consecutive_failures=0, circuit_open_until=None)
        channel.consecutive_failures, channel.circuit_open_until = 0, None


@transaction.atomic
def channel_call_failed(channel: Channel) -> bool:
    """Count a retryable failure; open the circuit after a run of them. True when it just opened."""
    Channel.objects.filter(pk=channel.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    channel.refresh_from_db(fields=["consecutive_failures", "circuit_open_until"])
    threshold = sync_setting("SYNC_CIRCUIT_THRESHOLD", CIRCUIT_FAILURE_THRESHOLD, int)
    if channel.consecutive_failures < threshold:
        return False
    seconds = sync_setting("SYNC_CIRCUIT_OPEN_SECONDS", CIRCUIT_OPEN_SECONDS, float)
    until = timezone.now() + timedelta(seconds=seconds)
    Channel.objects.filter(pk=channel.pk).update(circuit_open_until=until, consecutive_failures=0)
    channel.circuit_open_until = until
    return True


def channel_auth_pause(channel: Channel) -> None:
    """Stop calling a channel whose authorisation expired: it stays paused until someone reconnects it."""
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    channel.is_active = False

"""Connector instances for a channel, and the rate-limit/circuit-breaker state around each call."""

import threading
import time
from collections import deque
from collections.abc import Mapping
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.models import Channel
from channels.selectors import channel_connector_config
from common.errors import ApplicationError
from syncing import ratelimit
from syncing.conf import sync_setting
from syncing.connectors import get_connector_class
from syncing.connectors.base import Connector, RequestHook

from .listing_bridge import channel_credentials_save

# A run of this many retryable failures (5xx, timeouts, dropped connections) in a row opens the channel's
# circuit: no calls for CIRCUIT_OPEN_SECONDS, then one trial call decides (half-open).
CIRCUIT_FAILURE_THRESHOLD = 5
CIRCUIT_OPEN_SECONDS = 300.0
# The longest a worker sleeps for a rate-limit token before it reschedules the work instead.
TOKEN_MAX_WAIT_SECONDS = 10.0
# Mid-operation (between the requests of one connector call) a worker waits up to this long for a token.
REQUEST_MAX_WAIT_SECONDS = 120.0
# A request with no token in hand takes this many in one bucket round trip (consecutive slots), and the thread's
# next requests use the rest: a price/stock batch sends 100 requests to Shopee, and one bucket write per request
# (on SQLite, the one write lock) held the threads back (docs/benchmarks.md, "Push on change"). Each request still
# leaves at or after its own slot, so the marketplace sees no more than the rate.
REQUEST_TOKEN_CHUNK = 5
# Fraction of the channel's configured rate the engine uses, so network jitter cannot push the marketplace's
# bucket over its limit (sandbox benchmark: 0.97 of 50 req/s gave 0 throttles).
RATE_SAFETY = 0.97
# Only this share of the channel's burst is used: the marketplace's bucket is as full as ours when a run starts,
# and a request that leaves a little late then lands next to the following one (a 429 in the benchmark's first
# seconds); the spare half absorbs that jitter. At a steady rate the burst plays no part.
BURST_SAFETY = 0.5
# Tokens taken by `channel_token_acquire` (one bucket round trip for all the requests a connector call is
# expected to make) are used by the next requests on that channel object within this long after their time
# slot; an unused one is dropped (the bucket then runs slightly under the rate, never over).
PREPAID_ATTR = "_sync_prepaid_tokens"
PREPAID_GRACE_SECONDS = 2.0
# How many requests one connector call makes, learnt per marketplace in this process (a Lazada create is an
# image migration and the create; a Shopify push is four calls): a moving average, capped.
REQUESTS_PER_CALL_MAX = 4
_requests_per_call: dict[str, float] = {}
_since_acquire = threading.local()  # per push thread: {marketplace: requests sent since its last acquire}


def connector_for(channel: Channel) -> Connector:
    """A connector for `channel` whose refreshed tokens are saved back, encrypted, on the channel, and whose every
    HTTP request first takes a token from the channel's rate-limit bucket."""

    def save_tokens(values: Mapping[str, str]) -> None:
        channel_credentials_save(channel=channel, values=dict(values))

    return get_connector_class(channel.marketplace)(
        channel_connector_config(channel), on_tokens=save_tokens, before_request=_request_throttle(channel)
    )


def _request_throttle(channel: Channel) -> RequestHook:
    """The connector's `before_request` hook: take a rate-limit token before *every* HTTP request it makes.

    One connector call can be several requests (Lazada migrates each image before a create, and reads the item
    back after an update), and marketplaces count requests, so the bucket must too. The connectors stay free of
    our database: they only call the hook.
    """

    def before_request(cost: int) -> None:
        counts = _requests_since_acquire()
        counts[channel.marketplace] = counts.get(channel.marketplace, 0) + cost
        for _ in range(cost):
            _request_token_take(channel)

    return before_request


def _request_token_take(channel: Channel) -> None:
    due = _prepaid_take(channel)
    if due is None:
        # No token in hand: take a few in one bucket round trip, this request's and the next ones'.
        rate, burst = channel_rate(channel)
        reservation = ratelimit.reserve(
            bucket_key(channel), rate=rate, burst=burst, max_wait=REQUEST_MAX_WAIT_SECONDS, count=REQUEST_TOKEN_CHUNK
        )
        if not reservation.granted:
            return  # over two minutes away: go, as before, and let the marketplace's answer decide
        now = time.monotonic()
        with _prepaid_lock:
            _prepaid(channel).extend(now + wait for wait in reservation.waits[1:])
        due = now + reservation.waits[0]
    # A token `channel_token_acquire` or an earlier request already took: no bucket round trip of its own.
    time.sleep(max(0.0, due - time.monotonic()))


_prepaid_lock = threading.Lock()  # the push threads of a chunk share its channel object and its tokens


def _prepaid(channel: Channel) -> deque[float]:
    """The tokens this thread holds for `channel` whose slot has not passed too long ago (under `_prepaid_lock`).

    Each thread keeps its own: a push spends the tokens it took, and its leftovers serve its next push.
    """
    held: dict[int, deque[float]] = vars(channel).setdefault(PREPAID_ATTR, {})
    tokens = held.setdefault(threading.get_ident(), deque())
    now = time.monotonic()
    while tokens and tokens[0] + PREPAID_GRACE_SECONDS < now:
        tokens.popleft()  # its slot passed too long ago: using it now could bunch requests
    return tokens


def _prepaid_take(channel: Channel) -> float | None:
    """The time slot (monotonic) of a token already held for `channel`, taken out; None when none is held."""
    with _prepaid_lock:
        tokens = _prepaid(channel)
        return tokens.popleft() if tokens else None


def _requests_since_acquire() -> dict[str, int]:
    counts: dict[str, int] | None = getattr(_since_acquire, "counts", None)
    if counts is None:
        counts = _since_acquire.counts = {}
    return counts


def _expected_requests(code: str) -> int:
    """Requests the next connector call of marketplace `code` will probably make, from the calls before it."""
    seen = _requests_since_acquire().pop(code, None)
    if seen:  # a call that made no request (a fake connector, a failure before sending) teaches nothing
        average = _requests_per_call.get(code)
        _requests_per_call[code] = seen if average is None else 0.8 * average + 0.2 * seen
    return max(1, min(REQUESTS_PER_CALL_MAX, int(_requests_per_call.get(code, 1.0) + 0.5)))


def bucket_key(channel: Channel, operation: str = "listings") -> str:
    return f"channel:{channel.pk}:{operation}"


def channel_rate(channel: Channel) -> tuple[float, int]:
    rate = float(channel.rate_limit_per_second or 1.0) * sync_setting("SYNC_RATE_SAFETY", RATE_SAFETY, float)
    burst = int(int(channel.rate_limit_burst or 1) * sync_setting("SYNC_BURST_SAFETY", BURST_SAFETY, float))
    return rate, max(1, burst)


def channel_token_acquire(channel: Channel, operation: str = "listings") -> float:
    """Whether to call `channel` now: 0 when a token is free within TOKEN_MAX_WAIT_SECONDS, else the seconds
    to come back after.

    A token is taken per HTTP request (`_request_throttle`). When the answer is "now", the tokens for the
    requests the call is expected to make are already taken here, in the same bucket round trip as the question
    (tokens still held from the call before count), and the connector's requests use them, each waiting for
    its time slot; a request beyond them takes its own token.
    """
    rate, burst = channel_rate(channel)
    key = bucket_key(channel, operation)
    if operation != "listings":  # the connectors' requests draw from the listings bucket only
        wait = ratelimit.wait_hint(key, rate=rate, burst=burst)
        return 0.0 if wait <= TOKEN_MAX_WAIT_SECONDS else wait
    with _prepaid_lock:
        held = len(_prepaid(channel))
        needed = _expected_requests(channel.marketplace) - held
    if needed <= 0:
        return 0.0
    reservation = ratelimit.reserve(key, rate=rate, burst=burst, max_wait=TOKEN_MAX_WAIT_SECONDS, count=needed)
    if not reservation.granted:
        return 0.0 if held else reservation.wait  # go with the held token; the others wait for their own
    now = time.monotonic()
    with _prepaid_lock:
        _prepaid(channel).extend(now + wait for wait in reservation.waits)
    return 0.0


def channel_throttled(channel: Channel, retry_after: float | None, operation: str = "listings") -> None:
    """The marketplace answered 429: hold every worker of this channel back for Retry-After (default 1 s)."""
    rate, burst = channel_rate(channel)
    if operation == "listings":
        with _prepaid_lock:  # tokens taken before the throttle (by any thread) must not be spent right after it
            vars(channel).get(PREPAID_ATTR, {}).clear()
    ratelimit.penalise(bucket_key(channel, operation), rate=rate, burst=burst, retry_after=retry_after or 1.0)


def channel_circuit_wait(channel: Channel) -> float:
    """Seconds until the channel's circuit closes again (0 when calls may go).

    The whole row is read again (one query either way): a chunk shares one channel object between its pushes,
    and this once-a-second look keeps its pause state, rate and refreshed credentials current.
    """
    channel.refresh_from_db()
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


def channel_connection_test(channel: Channel) -> str:
    """ "Test connection": the credentials work, and the shop sells where the channel says, in its currency.

    One read-only call (the marketplace's shop call, docs/marketplaces/<code>.md#connection-check). Raises the
    connector's error when the credentials fail, and ApplicationError (code `shop_mismatch`) when the shop's
    region or currency differs from the channel's: publishing would then be refused, or priced wrongly.
    Returns what was compared, for the success message.
    """
    info = connector_for(channel).shop_info()
    wanted = {"region": (channel.country or "").upper(), "currency": (channel.currency or "").upper()}
    found = {"region": info.region.upper(), "currency": info.currency.upper()}
    differ = [name for name in ("region", "currency") if found[name] and wanted[name] and found[name] != wanted[name]]
    if differ:
        said = " and ".join(f"{name} {found[name]}" for name in differ)
        ours = " and ".join(f"{name} {wanted[name]}" for name in differ)
        raise ApplicationError(
            f"The credentials work, but they open a shop with {said} while {channel.name} is set to {ours}: "
            "the marketplace would refuse or misprice every listing. Connect the shop of this channel's country, "
            "or correct the channel's country and currency.",
            extra={"code": "shop_mismatch", "shop": found, "channel": wanted},
        )
    checked = [f"{name} {found[name]}" for name in ("region", "currency") if found[name]]
    return (
        f"shop {' and '.join(checked)} match the channel"
        if checked
        else "the marketplace does not report region or currency"
    )

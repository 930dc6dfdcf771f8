"""Token buckets shared by every sync worker, so a channel never gets more requests than it allows.

One bucket per channel (and per operation where a marketplace limits operations separately). The algorithm is
GCRA, the "virtual scheduling" form of a token bucket: each bucket stores one number, the theoretical arrival
time (TAT) of the next request. Taking a token is one atomic read-modify-write, either on a `RateBucket` row
under a row lock or in a Redis Lua script when REDIS_URL is configured. A caller that has to wait sleeps
*outside* the lock, so workers never hold a database lock while idle.

A 429 from the marketplace moves the bucket's TAT forward (`penalise`), so every worker of the cluster pauses
for the Retry-After, not just the one that was throttled. It also halves the bucket's `scale`, the share of the
configured rate in use, which then grows back by 1 % per granted request (AIMD, as TCP does): a channel whose
configured rate is too high for the marketplace settles just under the real limit instead of being throttled
again and again.
"""

import time
from dataclasses import dataclass
from typing import Any, Protocol

import redis
from django.conf import settings
from django.db import transaction

from .models import RateBucket


@dataclass(frozen=True)
class Reservation:
    """The outcome of asking for tokens: go after `wait` seconds, or (`granted` False) come back later.

    A reservation of several tokens (`count`) holds consecutive slots of the bucket: the first may be used after
    `wait` seconds, each next one `interval` seconds after the one before (or at once while the burst allows).
    """

    granted: bool
    wait: float
    count: int = 1
    offset: float = 0.0  # when the first token is allowed, relative to now (negative: it already was)
    interval: float = 0.0

    @property
    def waits(self) -> tuple[float, ...]:
        """Seconds from now until each reserved token may be used (empty when not granted)."""
        if not self.granted:
            return ()
        return tuple(max(0.0, self.offset + n * self.interval) for n in range(self.count))


class BucketStore(Protocol):
    def reserve(self, key: str, rate: float, burst: int, max_wait: float, count: int = 1) -> Reservation: ...

    def penalise(self, key: str, rate: float, burst: int, until: float) -> None: ...
    def peek(self, key: str, rate: float, burst: int) -> float: ...


SCALE_MIN = 0.02  # never below 2 % of the configured rate
SCALE_DOWN = 0.5  # on a throttle
SCALE_UP = 1.01  # per granted request


def _gcra(
    tat: float, now: float, rate: float, burst: int, max_wait: float, count: int = 1
) -> tuple[Reservation, float]:
    """Pure GCRA step for `count` tokens: (reservation, the new TAT to store; unchanged when not granted).

    Taking n tokens at once is exactly n single steps in a row: token k is allowed at `allow_at + k*interval`
    (never before now), and the TAT moves by n intervals.
    """
    interval = 1.0 / rate
    start = max(tat, now)
    allow_at = start + interval - burst * interval
    wait = max(0.0, allow_at - now)
    if wait > max_wait:
        return Reservation(granted=False, wait=wait), tat
    reservation = Reservation(granted=True, wait=wait, count=count, offset=allow_at - now, interval=interval)
    return reservation, start + count * interval


def _penalised_tat(tat: float, rate: float, burst: int, until: float) -> float:
    # The next request may go at `until`, then one per interval: no burst right after a throttle, because the
    # marketplace's own bucket is nearly empty at that moment.
    interval = 1.0 / rate
    return max(tat, until + (burst - 1) * interval)


class DatabaseBucketStore:
    """Buckets as rows; the row lock (or SQLite's single writer) makes each step atomic across processes."""

    def reserve(self, key: str, rate: float, burst: int, max_wait: float, count: int = 1) -> Reservation:
        with transaction.atomic():
            bucket = self._locked(key)
            reservation, new_tat = _gcra(bucket.tat, time.time(), rate * bucket.scale, burst, max_wait, count)
            if reservation.granted:
                scale = min(1.0, bucket.scale * SCALE_UP**count)
                RateBucket.objects.filter(pk=bucket.pk).update(tat=new_tat, scale=scale)
            return reservation

    def penalise(self, key: str, rate: float, burst: int, until: float) -> None:
        with transaction.atomic():
            bucket = self._locked(key)
            scale = max(SCALE_MIN, bucket.scale * SCALE_DOWN)
            RateBucket.objects.filter(pk=bucket.pk).update(
                tat=_penalised_tat(bucket.tat, rate * scale, burst, until), scale=scale
            )

    def peek(self, key: str, rate: float, burst: int) -> float:
        # A plain read, no lock: on SQLite a locked read is a write transaction that queues behind every
        # worker's token; a hint may be a few milliseconds stale, the token itself is still taken atomically.
        row = RateBucket.objects.filter(key=key).values_list("tat", "scale").first()
        tat, scale = row if row is not None else (0.0, 1.0)
        return _gcra(tat, time.time(), rate * scale, burst, -1.0)[0].wait

    @staticmethod
    def _locked(key: str) -> RateBucket:
        bucket = RateBucket.objects.select_for_update().filter(key=key).first()
        if bucket is None:
            bucket, _ = RateBucket.objects.get_or_create(key=key)
            bucket = RateBucket.objects.select_for_update().get(pk=bucket.pk)
        return bucket


_REDIS_RESERVE = """
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or '0')
local scale = tonumber(redis.call('HGET', KEYS[1], 'scale') or '1')
local now, rate, burst, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local count = tonumber(ARGV[5] or '1')
local interval = 1.0 / (rate * scale)
local start = math.max(tat, now)
local offset = start + interval - burst * interval - now
local wait = math.max(0, offset)
if wait > max_wait then return {0, tostring(wait), tostring(offset), tostring(interval)} end
local grown = tostring(math.min(1.0, scale * math.pow(1.01, count)))
redis.call('HSET', KEYS[1], 'tat', tostring(start + count * interval), 'scale', grown)
redis.call('EXPIRE', KEYS[1], 3600)
return {1, tostring(wait), tostring(offset), tostring(interval)}
"""

_REDIS_PENALISE = """
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or '0')
local scale = math.max(0.02, tonumber(redis.call('HGET', KEYS[1], 'scale') or '1') * 0.5)
local rate, burst, untl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local target = math.max(tat, untl + (burst - 1) / (rate * scale))
redis.call('HSET', KEYS[1], 'tat', tostring(target), 'scale', tostring(scale))
redis.call('EXPIRE', KEYS[1], 3600)
return 1
"""


class RedisBucketStore:
    """Buckets in Redis: each step is one Lua script, atomic on the server; Redis' clock is not used."""

    def __init__(self, url: str) -> None:
        self.client: Any = redis.Redis.from_url(url)
        self._reserve = self.client.register_script(_REDIS_RESERVE)
        self._penalise = self.client.register_script(_REDIS_PENALISE)

    def reserve(self, key: str, rate: float, burst: int, max_wait: float, count: int = 1) -> Reservation:
        granted, wait, offset, interval = self._reserve(
            keys=[f"lm:bucket:{key}"], args=[time.time(), rate, burst, max_wait, count]
        )
        return Reservation(
            granted=bool(int(granted)), wait=float(wait), count=count, offset=float(offset), interval=float(interval)
        )

    def peek(self, key: str, rate: float, burst: int) -> float:
        tat, scale = self.client.hmget(f"lm:bucket:{key}", "tat", "scale")
        tat_value, scale_value = float(tat or 0.0), float(scale or 1.0)
        return _gcra(tat_value, time.time(), rate * scale_value, burst, -1.0)[0].wait

    def penalise(self, key: str, rate: float, burst: int, until: float) -> None:
        self._penalise(keys=[f"lm:bucket:{key}"], args=[rate, burst, until])


_stores: dict[str, BucketStore] = {}


def bucket_store() -> BucketStore:
    """The configured store: Redis when REDIS_URL is set, else the database."""
    url = getattr(settings, "REDIS_URL", "")
    name = url or "db"
    if name not in _stores:
        _stores[name] = RedisBucketStore(url) if url else DatabaseBucketStore()
    return _stores[name]


def acquire(key: str, *, rate: float, burst: int, max_wait: float = 10.0, store: BucketStore | None = None) -> bool:
    """Take one token from bucket `key`, sleeping until it is ours; False if that would take over `max_wait` s.

    A caller that gets False should reschedule its work instead of blocking a worker.
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    reservation = (store or bucket_store()).reserve(key, rate, max(1, burst), max_wait)
    if not reservation.granted:
        return False
    if reservation.wait > 0:
        time.sleep(reservation.wait)
    return True


def reserve(
    key: str, *, rate: float, burst: int, max_wait: float = 10.0, count: int = 1, store: BucketStore | None = None
) -> Reservation:
    """Take `count` tokens from bucket `key` in one step, without sleeping (see `Reservation.waits`).

    Granted when the first token is free within `max_wait`; the later ones follow at the bucket's rate.
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    if count < 1:
        raise ValueError("count must be at least 1")
    return (store or bucket_store()).reserve(key, rate, max(1, burst), max_wait, count)


def penalise(key: str, *, rate: float, burst: int, retry_after: float, store: BucketStore | None = None) -> None:
    """Hold every worker back from bucket `key` for `retry_after` seconds (the marketplace throttled us)."""
    (store or bucket_store()).penalise(key, rate, max(1, burst), time.time() + max(0.0, retry_after))


def wait_hint(key: str, *, rate: float, burst: int, store: BucketStore | None = None) -> float:
    """Seconds until bucket `key` would grant a token (0 when free), without taking one."""
    return (store or bucket_store()).peek(key, rate, max(1, burst))

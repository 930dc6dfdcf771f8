"""Retry timing for marketplace calls: jittered exponential backoff that honours the marketplace's Retry-After.

django-q2 has no backoff (docs/sync.md#background): a failed task is redelivered after the fixed `retry` interval or
not at all. The sync services therefore decide themselves when the next attempt runs and hand that time to
`common.enqueue.enqueue(..., delay=...)`.
"""

import random
from dataclasses import dataclass

from .conf import floats, sync_setting

# 30 s, 2 min, 8 min, 30 min, 2 h: each step about 4x the previous one, the last one caps at two hours, so a
# marketplace outage of an afternoon is ridden out with five calls per listing instead of hundreds (the
# naver case in docs/sync.md#background shows what unbounded retries cost).
DEFAULT_SCHEDULE_SECONDS: tuple[float, ...] = (30, 120, 480, 1800, 7200)
JITTER_FRACTION = 0.2  # +-20 %: spreads retries of one batch so they do not hit the marketplace together
RETRY_AFTER_CAP_SECONDS = 6 * 3600  # a Retry-After longer than this is treated as a misconfigured header


@dataclass(frozen=True)
class RetryPlan:
    """When to try again (`delay` seconds from now), or `give_up` when the attempts are spent."""

    give_up: bool
    delay: float = 0.0
    attempt: int = 0  # the attempt number the retry will be


def retry_schedule() -> tuple[float, ...]:
    return tuple(sync_setting("SYNC_RETRY_SCHEDULE", DEFAULT_SCHEDULE_SECONDS, floats))


def max_attempts() -> int:
    """Attempts per listing and job, the first one included (setting SYNC_MAX_ATTEMPTS)."""
    return int(sync_setting("SYNC_MAX_ATTEMPTS", len(retry_schedule()) + 1, int))


def backoff_delay(retry_number: int, *, retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry `retry_number` (1 = first retry).

    The step from the schedule gets +-JITTER_FRACTION of jitter. A marketplace's Retry-After is a floor: we
    never come back earlier than it asked, and we add a little jitter on top so that every worker throttled
    at the same moment does not return at the same instant.
    """
    if retry_number < 1:
        raise ValueError("retry_number starts at 1")
    rng = rng or random.Random()
    steps = retry_schedule()
    base = steps[min(retry_number, len(steps)) - 1]
    delay = base * (1 + rng.uniform(-JITTER_FRACTION, JITTER_FRACTION))
    if retry_after is not None and retry_after > 0:
        floor = min(float(retry_after), RETRY_AFTER_CAP_SECONDS)
        delay = max(delay, floor * (1 + rng.uniform(0, JITTER_FRACTION / 2)))
    return round(delay, 3)


def plan_retry(
    attempt: int, *, retry_after: float | None = None, rng: random.Random | None = None, limit: int | None = None
) -> RetryPlan:
    """Decide what follows failed attempt number `attempt` (1-based)."""
    limit = max_attempts() if limit is None else limit
    if attempt >= limit:
        return RetryPlan(give_up=True, attempt=attempt)
    return RetryPlan(give_up=False, delay=backoff_delay(attempt, retry_after=retry_after, rng=rng), attempt=attempt + 1)

import random

import pytest

from syncing.backoff import DEFAULT_SCHEDULE_SECONDS, JITTER_FRACTION, backoff_delay, plan_retry


@pytest.mark.parametrize(("retry_number", "base"), list(enumerate(DEFAULT_SCHEDULE_SECONDS, start=1)))
def test_backoff_follows_schedule_within_jitter(retry_number, base):
    # given many random draws
    rng = random.Random(7)
    # when
    delays = [backoff_delay(retry_number, rng=rng) for _ in range(200)]
    # then every delay is the step +-20 % and the draws really vary (jitter)
    assert min(delays) >= base * (1 - JITTER_FRACTION) - 0.001
    assert max(delays) <= base * (1 + JITTER_FRACTION) + 0.001
    assert len(set(delays)) > 50


def test_backoff_past_the_schedule_stays_at_last_step():
    delay = backoff_delay(9, rng=random.Random(1))
    assert 7200 * 0.8 <= delay <= 7200 * 1.2


def test_retry_after_is_a_floor():
    # given a marketplace asking for 600 s on the first retry (whose step is only 30 s)
    delays = [backoff_delay(1, retry_after=600, rng=random.Random(i)) for i in range(50)]
    # then we never come back earlier than asked, and not much later either
    assert min(delays) >= 600
    assert max(delays) <= 600 * 1.1 + 0.001


def test_short_retry_after_does_not_shorten_the_step():
    delay = backoff_delay(2, retry_after=1, rng=random.Random(3))
    assert delay >= 120 * 0.8


def test_backoff_rejects_retry_zero():
    with pytest.raises(ValueError, match="starts at 1"):
        backoff_delay(0)


def test_plan_retry_gives_up_after_max_attempts(settings):
    settings.SYNC_MAX_ATTEMPTS = 3
    assert plan_retry(1).give_up is False
    assert plan_retry(2).attempt == 3
    assert plan_retry(3).give_up is True


def test_plan_retry_custom_schedule(settings):
    settings.SYNC_RETRY_SCHEDULE = (1, 2)
    plan = plan_retry(1, rng=random.Random(0))
    assert plan.give_up is False
    assert 0.8 <= plan.delay <= 1.2

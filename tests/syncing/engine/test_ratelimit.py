import pytest

from syncing.models import RateBucket
from syncing.ratelimit import DatabaseBucketStore, _gcra, acquire, penalise, wait_hint


def test_gcra_allows_burst_then_steady_rate():
    # given an empty bucket of rate 10/s and burst 3 at t=100
    tat, now, waits = 0.0, 100.0, []
    # when 5 requests arrive at once
    for _ in range(5):
        reservation, tat = _gcra(tat, now, 10, 3, max_wait=10)
        waits.append(round(reservation.wait, 3))
    # then 3 go at once and the rest are spaced by 1/rate
    assert waits == [0.0, 0.0, 0.0, 0.1, 0.2]


def test_gcra_refuses_beyond_max_wait_without_spending():
    reservation, tat = _gcra(200.0, 100.0, 1, 1, max_wait=5)
    assert reservation.granted is False
    assert reservation.wait == pytest.approx(100.0)
    assert tat == 200.0


@pytest.mark.django_db
def test_acquire_creates_bucket_and_penalise_blocks_it():
    # given
    store = DatabaseBucketStore()
    assert acquire("ch:1:push", rate=100, burst=5, store=store) is True
    assert RateBucket.objects.filter(key="ch:1:push").count() == 1
    # when the marketplace throttles us for 30 s
    penalise("ch:1:push", rate=100, burst=5, retry_after=30, store=store)
    # then no token is handed out within a 10 s wait, and the hint says about 30 s
    assert acquire("ch:1:push", rate=100, burst=5, max_wait=10, store=store) is False
    assert 29 <= wait_hint("ch:1:push", rate=100, burst=5, store=store) <= 30.1
    # and another bucket is not affected
    assert acquire("ch:2:push", rate=100, burst=5, max_wait=0, store=store) is True


@pytest.mark.django_db
def test_throttle_halves_the_rate_then_it_regrows():
    # given a bucket at its configured 10/s
    store = DatabaseBucketStore()
    assert acquire("adaptive", rate=10, burst=1, store=store) is True
    # when the marketplace throttles twice
    penalise("adaptive", rate=10, burst=1, retry_after=0, store=store)
    penalise("adaptive", rate=10, burst=1, retry_after=0, store=store)
    # then a quarter of the configured rate is in use
    bucket = RateBucket.objects.get(key="adaptive")
    assert bucket.scale == pytest.approx(0.25)
    assert acquire("adaptive", rate=10, burst=1, max_wait=5, store=store) is True
    # and each granted request grows it back by 1 %
    bucket.refresh_from_db()
    assert bucket.scale == pytest.approx(0.2525)


@pytest.fixture
def redis_url(tmp_path):
    import shutil
    import socket
    import subprocess
    import time

    import redis

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


def test_redis_store_shares_the_bucket(redis_url):
    from syncing.ratelimit import RedisBucketStore

    # given two stores (two worker processes) on one Redis
    first, second = RedisBucketStore(redis_url), RedisBucketStore(redis_url)
    # when both take tokens from a 1/s bucket with burst 2
    waits = [store.reserve("ch:9", 1, 2, 10).wait for store in (first, second, first, second)]
    # then the burst is shared: 2 at once, then one per second
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(1.0, abs=0.3)
    assert waits[3] == pytest.approx(2.0, abs=0.3)
    # and a throttle seen by one holds the other back
    second.penalise("ch:9", 1, 2, until=__import__("time").time() + 30)
    refused = first.reserve("ch:9", 1, 2, 10)
    assert refused.granted is False
    assert refused.wait > 29
    # and tokens of a whole call are taken in one step there too
    first.client.delete("lm:bucket:ch:9")
    many = first.reserve("ch:9", 10, 1, 10, count=3)
    assert many.waits == pytest.approx((0.0, 0.1, 0.2), abs=0.02)

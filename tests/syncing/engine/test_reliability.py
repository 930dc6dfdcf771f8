"""Reliability with real `manage.py qcluster` processes against the real sandbox over HTTP.

Each test gets its own database: a copy of a migrated SQLite file, or, when DATABASE_URL points at PostgreSQL (the
second CI run), a database created from a migrated template database on that server. It is filled through
`scenario.py` (a subprocess), a cluster of two workers runs on it, and the outcome is read with sqlite3 or
psycopg. Marked slow: run them with `pytest -m slow tests/syncing/engine`.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest

from syncing.services.push import PUSH_THREADS

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


SERVER_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith(("postgres://", "postgresql://", "pgsql://"))


def json_key(column: str, key: str) -> str:
    """SQL reading an integer key of a JSON column, in the scenario database's dialect."""
    return f"({column}->>'{key}')::int" if ON_POSTGRES else f"json_extract({column}, '$.{key}')"


def _pg_url(name: str) -> str:
    """DATABASE_URL with another database name (same server and user)."""
    parts = urlsplit(SERVER_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_pg_url("postgres").replace("pgsql://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)


def _migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300
    )


def template_create(directory: Path):
    """A migrated SQLite file in `directory`, or the name of a migrated PostgreSQL template database."""
    if ON_POSTGRES:
        name = f"lm_reliability_tpl_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        _migrate(_pg_url(name))
        return name
    path = directory / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def template_drop(template) -> None:
    if ON_POSTGRES:
        _pg_admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    template = template_create(tmp_path_factory.mktemp("reliability"))
    yield template
    template_drop(template)


class Scenario:
    """One scenario database, its environment, a qcluster subprocess and helpers to read the outcome."""

    def __init__(self, tmp_path: Path, template, sandbox):
        if ON_POSTGRES:
            self.pg_name = f"lm_reliability_{uuid.uuid4().hex[:8]}"
            _pg_admin(f'CREATE DATABASE "{self.pg_name}" TEMPLATE "{template}"')
            database_url = _pg_url(self.pg_name)
        else:
            self.db = tmp_path / "scenario.sqlite3"
            shutil.copy(template, self.db)
            database_url = f"sqlite:///{self.db}"
        self.sandbox = sandbox
        self.log_path = tmp_path / "qcluster.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "Q_WORKERS": "2",
            "Q_TIMEOUT": "20",
            "Q_RETRY": "22",  # a task of a killed worker comes back after this
            "SYNC_LEASE_SECONDS": "8",
            "SYNC_PUSH_CHUNK_SIZE": "5",
            "SYNC_RETRY_SCHEDULE": "1,2,2,2,2",
            "SYNC_MAX_ATTEMPTS": "8",
            "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
            "LOG_LEVEL": "INFO",
        }
        self.cluster: subprocess.Popen | None = None

    def run(self, command: str, **args) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "tests.syncing.engine.scenario", command, json.dumps(args)],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    def create(self, count: int, **args) -> dict:
        account = self.sandbox.account("lazada")
        return self.run(
            "create",
            base_url=self.sandbox.url("lazada"),
            shop_id=account["shop_id"],
            credentials=account["credentials"],
            count=count,
            **args,
        )

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.cluster = subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def use_default_timing(self) -> None:
        """Run with the production defaults of the queue, the lease and the chunk size (restart scenarios)."""
        for name in ("Q_TIMEOUT", "Q_RETRY", "SYNC_LEASE_SECONDS", "SYNC_PUSH_CHUNK_SIZE"):
            self.env.pop(name, None)

    def terminate(self) -> float:
        """SIGTERM the cluster's main process (what a process manager does) and return how long it took to exit;
        every process it started must be gone too."""
        assert self.cluster is not None
        procs = [psutil.Process(self.cluster.pid), *psutil.Process(self.cluster.pid).children(recursive=True)]
        started = time.monotonic()
        self.cluster.send_signal(signal.SIGTERM)
        self.cluster.wait(timeout=60)
        took = time.monotonic() - started
        _, alive = psutil.wait_procs(procs, timeout=5)
        assert alive == [], f"left running: {alive}"
        self.cluster = None
        return took

    def hidden_queue_rows(self) -> int:
        """Queue rows still locked (taken by a worker): after a graceful stop there must be none."""
        if self.env.get("REDIS_URL"):
            import redis

            return int(redis.from_url(self.env["REDIS_URL"]).zcard(REDIS_TAKEN_KEY))
        rows = self.query("SELECT lock FROM django_q_ormq")
        now = datetime.now(UTC)
        locks = [lock if isinstance(lock, datetime) else datetime.fromisoformat(lock) for (lock,) in rows]
        return sum((lock if lock.tzinfo else lock.replace(tzinfo=UTC)) > now for lock in locks)

    def kill_cluster(self) -> None:
        """SIGKILL the whole cluster: guard, pusher, monitor and workers at once (a power cut)."""
        assert self.cluster is not None
        procs = [psutil.Process(self.cluster.pid), *psutil.Process(self.cluster.pid).children(recursive=True)]
        for proc in procs:
            try:
                proc.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        self.cluster.wait(timeout=30)
        self.cluster = None

    def stop(self) -> None:
        if self.cluster is None:
            return
        try:
            children = psutil.Process(self.cluster.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        self.cluster.send_signal(signal.SIGTERM)
        try:
            self.cluster.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill_cluster()
            return
        for child in children:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        self.cluster = None

    def query(self, sql: str, *params):
        """Rows of `sql` (with ? placeholders) read straight from the scenario database."""
        if ON_POSTGRES:
            import psycopg

            url = _pg_url(self.pg_name).replace("pgsql://", "postgresql://")
            with psycopg.connect(url, autocommit=True) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        conn = sqlite3.connect(self.db, timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def drop(self) -> None:
        if ON_POSTGRES:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    def job(self, job_id: int) -> dict:
        (row,) = self.query(
            "SELECT status, total, processed, succeeded, failed, skipped FROM syncing_syncjob WHERE id = ?", job_id
        )
        return dict(zip(["status", "total", "processed", "succeeded", "failed", "skipped"], row, strict=True))

    def wait_for(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.3)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}; log:\n{self.log_tail()}")

    def wait_job_done(self, job_id: int, timeout: float = 180) -> dict:
        self.wait_for(lambda: self.job(job_id)["status"] not in ("queued", "running"), timeout, f"job {job_id}")
        return self.job(job_id)

    def listings(self) -> list[tuple]:
        return self.query("SELECT id, status, external_id, last_error_message FROM listings_listing ORDER BY id")

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""


@pytest.fixture
def scenario(tmp_path, migrated_template, sandbox):
    sandbox.set_rate("lazada", 500, 50)
    scenario = Scenario(tmp_path, migrated_template, sandbox)
    yield scenario
    scenario.stop()
    scenario.drop()


REDIS_SERVER = os.environ.get("LM_TEST_REDIS", "redis://127.0.0.1:6379")
REDIS_FIRST_DB = 10  # + the xdist worker's number: each test running at the same time has a database of its own
REDIS_TAKEN_KEY = "django_q:listing-manager:q:until"  # common.brokers.RedisWithReceipts: tasks taken, not acked


def redis_database_use(env: dict, url: str) -> None:
    """Point a scenario's processes at an emptied Redis database (broker, rate buckets, cache)."""
    import redis

    client = redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_SERVER}")
    client.flushdb()
    env["REDIS_URL"] = url


@pytest.fixture(params=["orm", "redis"])
def broker(request, scenario, worker_id):
    """Run the test on the ORM broker, then on Redis (django-q2's broker with receipts, common/brokers.py)."""
    if request.param == "orm":
        yield "orm"
        return
    index = int(worker_id[2:]) if worker_id.startswith("gw") else 0
    url = f"{REDIS_SERVER}/{REDIS_FIRST_DB + index}"
    redis_database_use(scenario.env, url)
    yield "redis"
    scenario.stop()
    import redis

    redis.from_url(url).flushdb()


def lazada_creates(sandbox) -> list[dict]:
    return [e for e in sandbox.log("lazada") if e["path"].endswith("/product/create")]


def assert_each_live_exactly_once(scenario, count: int, prefix: str = "REL") -> None:
    listings = scenario.listings()
    assert len(listings) == count
    assert {status for _, status, _, _ in listings} == {"live"}, listings
    items = scenario.sandbox.items("lazada")
    skus = Counter(sku["SellerSku"] for item in items for sku in item["skus"]) if items and "skus" in items[0] else None
    assert len(items) == count, f"{len(items)} remote items for {count} listings"
    if skus is not None:
        assert set(skus.values()) == {1}
        assert all(s.startswith(prefix) for s in skus)
    assert len({external_id for _, _, external_id, _ in listings}) == count


def test_sigkill_one_worker_mid_push(scenario, sandbox):
    # given 20 listings and a marketplace that answers slowly, so pushes are in flight
    created = scenario.create(20)
    sandbox.set_faults("lazada", latency_ms=300)
    job_id = scenario.run("publish", channel_id=created["channel_id"], listing_ids=created["listing_ids"])["job_id"]
    scenario.start()
    # when a worker is killed while one of its pushes is open (its event is in progress)
    pid = scenario.wait_for(
        lambda: scenario.query(
            f"SELECT {json_key('detail', 'worker_pid')} FROM syncing_syncevent WHERE outcome = 'in_progress' "
            "AND operation = 'create' AND (SELECT COUNT(*) FROM syncing_syncevent WHERE outcome = 'succeeded') >= 2"
        ),
        60,
        "a push in flight",
    )[0][0]
    os.kill(pid, signal.SIGKILL)
    # then the cluster finishes the job and every listing is live exactly once on the marketplace
    job = scenario.wait_job_done(job_id, timeout=180)
    assert job == {"status": "succeeded", "total": 20, "processed": 20, "succeeded": 20, "failed": 0, "skipped": 0}
    assert_each_live_exactly_once(scenario, 20)
    interrupted = scenario.query("SELECT COUNT(*) FROM syncing_syncevent WHERE outcome = 'interrupted'")[0][0]
    assert interrupted >= 1  # the killed attempt is in the history, marked by the next delivery


def test_sigkill_whole_cluster_then_restart(scenario, sandbox):
    created = scenario.create(20)
    sandbox.set_faults("lazada", latency_ms=300)
    job_id = scenario.run("publish", channel_id=created["channel_id"], listing_ids=created["listing_ids"])["job_id"]
    scenario.start()
    scenario.wait_for(
        lambda: scenario.query("SELECT COUNT(*) FROM syncing_syncevent WHERE outcome = 'succeeded'")[0][0] >= 3,
        60,
        "some progress",
    )
    # when every process of the cluster dies at once, and a new cluster starts
    scenario.kill_cluster()
    before = scenario.job(job_id)
    assert before["processed"] < 20
    scenario.start()
    # then nothing is lost and nothing is duplicated
    job = scenario.wait_job_done(job_id, timeout=180)
    assert job["succeeded"] == 20
    assert job["status"] == "succeeded"
    assert_each_live_exactly_once(scenario, 20)


def test_lost_create_responses_are_found_by_sku(scenario, sandbox):
    created = scenario.create(6)
    sandbox.set_faults("lazada", lose_response_after_create=True, times=3, path_contains="/product/create")
    job_id = scenario.run("publish", channel_id=created["channel_id"], listing_ids=created["listing_ids"])["job_id"]
    scenario.start()
    job = scenario.wait_job_done(job_id, timeout=120)
    assert job["succeeded"] == 6
    assert_each_live_exactly_once(scenario, 6)
    assert len(lazada_creates(sandbox)) == 6  # the three lost creates were not sent again
    lookups = scenario.query("SELECT COUNT(*) FROM syncing_syncevent WHERE operation = 'lookup'")[0][0]
    assert lookups == 3


def test_throttling_backs_off_without_sustained_429s(scenario, sandbox):
    # given a channel that believes it may send 40 req/s to a marketplace that allows 3
    created = scenario.create(20, rate=40, burst=10)
    sandbox.set_rate("lazada", 3, 2)
    job_id = scenario.run("publish", channel_id=created["channel_id"], listing_ids=created["listing_ids"])["job_id"]
    scenario.start()
    job = scenario.wait_job_done(job_id, timeout=180)
    # then every listing gets there, and throttled answers stay rare and never come in long runs
    assert job["succeeded"] == 20
    assert_each_live_exactly_once(scenario, 20)
    # Lazada signals throttling with code ApiCallLimit in an HTTP 200 body; every such answer is one throttled
    # event in our history, in the order they happened.
    kinds = [kind for (kind,) in scenario.query("SELECT error_kind FROM syncing_syncevent ORDER BY id")]
    throttled = kinds.count("throttled")
    longest = run = 0
    for kind in kinds:
        run = run + 1 if kind == "throttled" else 0
        longest = max(longest, run)
    assert throttled >= 1  # the scenario really throttled
    # "Sustained" = a pusher that keeps calling while throttled. Each pusher (a worker pushes PUSH_THREADS
    # listings at once) may meet the throttle on the call in flight when the bucket pauses and on its first call
    # after the pause (the marketplace's window and ours are not aligned), so up to 2 per pusher can interleave;
    # more means nobody backed off.
    pushers = int(scenario.env["Q_WORKERS"]) * int(scenario.env.get("SYNC_PUSH_THREADS") or PUSH_THREADS)
    assert longest <= 2 * pushers, f"{longest} throttled answers in a row"
    assert throttled / len(sandbox.log("lazada")) < 0.2


def test_validation_error_is_not_retried(scenario, sandbox):
    created = scenario.create(3, category_id="10000001")  # not a leaf category: Lazada refuses the create
    job_id = scenario.run("publish", channel_id=created["channel_id"], listing_ids=created["listing_ids"])["job_id"]
    scenario.start()
    job = scenario.wait_job_done(job_id, timeout=120)
    assert (job["status"], job["failed"]) == ("failed", 3)
    assert len(lazada_creates(sandbox)) == 3
    for _, status, _, message in scenario.listings():
        assert status == "error"
        assert "leaf category" in message
    assert scenario.query("SELECT COUNT(*) FROM syncing_syncevent WHERE outcome = 'retry_scheduled'")[0][0] == 0


def test_two_workers_pushing_the_same_listing_push_once(scenario, sandbox):
    created = scenario.create(2)
    sandbox.set_faults("lazada", latency_ms=500)
    job_id = scenario.run("push_twice", channel_id=created["channel_id"], listing_ids=created["listing_ids"])["job_id"]
    scenario.start()
    job = scenario.wait_job_done(job_id, timeout=120)
    assert job["succeeded"] == 2
    assert job["processed"] == 2
    assert len(lazada_creates(sandbox)) == 2
    updates = [e for e in sandbox.log("lazada") if e["path"].endswith("/product/update")]
    assert updates == []
    assert_each_live_exactly_once(scenario, 2)


def test_a_push_that_kills_its_worker_is_stopped_after_three_deliveries(scenario, sandbox):
    # given three listings, one of which kills the worker process (SIGKILL, like a segfault or the OOM killer)
    # whenever its push reaches the HTTP layer; django-q2 redelivers such a task but does not count the deliveries
    crash_hook = Path(__file__).parent / "crash_on_sku"
    scenario.env |= {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(crash_hook), os.environ.get("PYTHONPATH", "")])),
        "LM_TEST_CRASH_SKU": "REL-00001",
        "Q_RETRY": "8",
        "Q_TIMEOUT": "6",
    }
    created = scenario.create(3)
    job_id = scenario.run("publish", channel_id=created["channel_id"], listing_ids=created["listing_ids"])["job_id"]
    # when the cluster runs
    scenario.start()
    job = scenario.wait_job_done(job_id, timeout=150)
    # then the poison listing is stopped on its third delivery (two dead workers), in error saying why, and the
    # other two listings of the same task went live once each
    assert (job["status"], job["processed"], job["succeeded"], job["failed"]) == ("completed_with_errors", 3, 2, 1)
    rows = {
        sku: (status, message)
        for sku, status, message in scenario.query(
            "SELECT p.sku, l.status, l.last_error_message FROM listings_listing l "
            "JOIN catalog_product p ON p.id = l.product_id ORDER BY p.sku"
        )
    }
    assert rows["REL-00001"][0] == "error"
    assert "worker dying" in rows["REL-00001"][1]
    assert rows["REL-00000"][0] == rows["REL-00002"][0] == "live"
    interrupted = dict(
        scenario.query(
            "SELECT p.sku, COUNT(*) FROM syncing_syncevent e JOIN listings_listing l ON l.id = e.listing_id "
            "JOIN catalog_product p ON p.id = l.product_id WHERE e.outcome = 'interrupted' GROUP BY p.sku"
        )
    )
    assert interrupted.pop("REL-00001") == 2
    # a worker pushes two listings at once: the push beside the poison one in the first delivery may have been
    # cut short too (once: after a death a chunk's listings go one at a time), and was then finished normally
    assert all(count == 1 for count in interrupted.values()), interrupted
    assert "reincarnated worker" in scenario.log_tail() or "sudden death" in scenario.log_tail()
    # nothing about the poison SKU reached the marketplace (each attempt died before sending)
    remote_skus = sorted(sku["SellerSku"] for item in sandbox.items("lazada") for sku in item["skus"])
    assert remote_skus == ["REL-00000", "REL-00002"]


def _live_count(scenario) -> int:
    return scenario.query("SELECT COUNT(*) FROM listings_listing WHERE status = 'live'")[0][0]


def _remote_duplicates(scenario) -> int:
    """Remote items beyond one per SKU (0 when nothing was created twice)."""
    skus = [sku["SellerSku"] for item in scenario.sandbox.items("lazada") for sku in item["skus"]]
    return len(skus) - len(set(skus))


def _publish_and_run(scenario, sandbox, count: int) -> int:
    """`count` listings published with the default queue and lease timing to a slow marketplace, a cluster
    running until the first three are live; the job id."""
    scenario.use_default_timing()
    created = scenario.create(count)
    sandbox.set_faults("lazada", latency_ms=400)
    job_id = scenario.run("publish", channel_id=created["channel_id"], listing_ids=created["listing_ids"])["job_id"]
    scenario.start()
    scenario.wait_for(lambda: _live_count(scenario) >= 3, 90, "the first listings live")
    return job_id


def restart_after_kill(scenario, sandbox, count: int = 60) -> dict:
    """Publish, SIGKILL the whole cluster 3 s after the first listings went live, start a new one: figures."""
    job_id = _publish_and_run(scenario, sandbox, count)
    time.sleep(3)
    scenario.kill_cluster()
    processed_at_kill = scenario.job(job_id)["processed"]
    restarted = time.monotonic()
    scenario.start()
    job = scenario.wait_job_done(job_id, timeout=240)
    return {
        "job_id": job_id,
        "job": job,
        "processed_at_kill": processed_at_kill,
        "recovered_s": time.monotonic() - restarted,
        "duplicates": _remote_duplicates(scenario),
        "interrupted": scenario.query("SELECT COUNT(*) FROM syncing_syncevent WHERE outcome = 'interrupted'")[0][0],
        "message": scenario.query("SELECT message FROM syncing_syncjob WHERE id = ?", job_id)[0][0],
    }


def restart_after_sigterm(scenario, sandbox, count: int = 60) -> dict:
    """Publish, SIGTERM the cluster once the first listings are live, start a new one: figures."""
    job_id = _publish_and_run(scenario, sandbox, count)
    stop_s = scenario.terminate()
    at_stop = {
        "processed_at_stop": scenario.job(job_id)["processed"],
        "hidden_rows": scenario.hidden_queue_rows(),
        "in_progress": scenario.query("SELECT COUNT(*) FROM syncing_syncevent WHERE outcome = 'in_progress'")[0][0],
    }
    restarted = time.monotonic()
    scenario.start()
    job = scenario.wait_job_done(job_id, timeout=240)
    return {
        "job_id": job_id,
        "job": job,
        "stop_s": stop_s,
        **at_stop,
        "finished_s": time.monotonic() - restarted,
        "duplicates": _remote_duplicates(scenario),
        "interrupted": scenario.query("SELECT COUNT(*) FROM syncing_syncevent WHERE outcome = 'interrupted'")[0][0],
    }


def test_cluster_killed_mid_run_recovers_within_90_s_with_default_settings(scenario, sandbox, broker):
    # given 60 listings being published with the default settings, when the whole cluster is killed 3 s after the
    # first listings went live (a power cut) and a new cluster starts
    run = restart_after_kill(scenario, sandbox)
    assert run["processed_at_kill"] < 60
    # then every listing is live within 90 s of the restart (the dead cluster's tasks and push leases come back
    # within Q_RETRY and SYNC_LEASE_SECONDS, 30 s each), each exactly once on the marketplace
    assert run["job"]["succeeded"] == 60, run
    assert_each_live_exactly_once(scenario, 60)
    assert run["duplicates"] == 0
    assert run["recovered_s"] < 90, run
    # and the job says a worker died under it, when there was a push in flight to notice it by
    noted = "Interrupted:" in run["message"] and "resumed at" in run["message"]
    assert noted == (run["interrupted"] > 0), run


def test_sigterm_stops_within_the_grace_period_and_hands_the_rest_back(scenario, sandbox, broker):
    # given 60 listings being published with the default settings, when the cluster gets SIGTERM mid-run
    run = restart_after_sigterm(scenario, sandbox)
    # then it exits within Q_STOP_SECONDS (10 s; the stop is bounded by it, 2 s of slack for a loaded box),
    # nothing it took stays hidden from the next cluster, and no push was cut off mid-call
    assert run["stop_s"] < 12, run
    assert run["hidden_rows"] == 0, run
    assert run["in_progress"] == 0, run
    assert run["processed_at_stop"] < 60, run
    # and the next cluster finishes the rest, once each
    assert run["job"]["succeeded"] == 60, run
    assert_each_live_exactly_once(scenario, 60)
    assert run["duplicates"] == 0
    assert run["interrupted"] == 0, run
    assert run["finished_s"] < 60, run


def test_idle_cluster_stops_at_once_on_sigterm(scenario, broker):
    scenario.start()
    scenario.wait_for(lambda: "running" in scenario.log_tail(), 60, "the cluster running")
    assert scenario.terminate() < 5


def test_a_push_running_past_the_grace_period_is_handed_back(scenario, sandbox, broker):
    # given a cluster with a 3 s grace period pushing to a marketplace that takes 5 s per request
    scenario.use_default_timing()
    scenario.env["Q_STOP_SECONDS"] = "3"
    created = scenario.create(6)
    sandbox.set_faults("lazada", latency_ms=5000)
    job_id = scenario.run("publish", channel_id=created["channel_id"], listing_ids=created["listing_ids"])["job_id"]
    scenario.start()
    scenario.wait_for(
        lambda: scenario.query("SELECT COUNT(*) FROM syncing_syncevent WHERE outcome = 'in_progress'")[0][0],
        90,
        "a push in flight",
    )
    # when it gets SIGTERM while the pushes are still waiting for the marketplace
    took = scenario.terminate()
    # then it does not wait for them: it exits within the grace period (plus slack for a loaded box), and the
    # task it cut short is visible to the next cluster at once
    assert took < 8, f"exited {took:.1f} s after SIGTERM"
    assert scenario.hidden_queue_rows() == 0
    cut_off = scenario.query("SELECT COUNT(*) FROM syncing_syncevent WHERE outcome = 'in_progress'")[0][0]
    assert cut_off >= 1
    # and the next cluster finishes the job: the cut-off pushes are marked interrupted and looked up by SKU, so
    # every listing is live exactly once
    sandbox.clear_faults("lazada")
    scenario.start()
    job = scenario.wait_job_done(job_id, timeout=150)
    assert job["succeeded"] == 6, job
    assert_each_live_exactly_once(scenario, 6)
    assert scenario.query("SELECT COUNT(*) FROM syncing_syncevent WHERE outcome = 'interrupted'")[0][0] == cut_off

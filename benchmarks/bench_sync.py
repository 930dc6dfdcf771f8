"""Sync engine throughput: publish 2,000 listings to a sandbox channel limited to 50 requests/s, 2 workers.

Prints the achieved request rate as a ratio of the allowed rate (goal >= 0.9), the number of throttled answers
(goal 0) and the peak RSS of the worker processes. Everything runs on loopback: a fresh SQLite file, the
marketplace sandbox in this process, and `manage.py qcluster` as a subprocess (ORM broker, 2 workers).

Environment: BENCH_SYNC_LISTINGS (default 2000), BENCH_SYNC_RATE (default 50).
"""

import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
MARKETPLACE = "lazada"  # create = 2 requests (image migrate + create): the engine must count every request


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=1800)
    return done.stdout


def _job_state(db: Path, job_id: int) -> tuple[str, int, int]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        status, processed, succeeded = conn.execute(
            "SELECT status, processed, succeeded FROM syncing_syncjob WHERE id = ?", (job_id,)
        ).fetchone()
    finally:
        conn.close()
    return status, processed, succeeded


def _tree_rss(proc: psutil.Process, cpu: dict[int, float]) -> tuple[int, int]:
    """(largest single worker-side RSS, total RSS of the cluster) in bytes; records each process' CPU seconds."""
    biggest = total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            rss = p.memory_info().rss
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        biggest, total = max(biggest, rss), total + rss
        cpu[p.pid] = times.user + times.system
    return biggest, total


def main() -> None:
    from syncing.sandbox.demo import DEMO_ACCOUNTS
    from syncing.sandbox.server import SandboxServer

    count = int(os.environ.get("BENCH_SYNC_LISTINGS", "2000"))
    rate = float(os.environ.get("BENCH_SYNC_RATE", "50"))
    tmp = Path(tempfile.mkdtemp(prefix="bench_sync_"))
    db = tmp / "bench.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "MEDIA_ROOT": str(tmp / "media"),
        "Q_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
        # Workers run as in production: with DEBUG on, Django formats and keeps every SQL statement (about
        # 10 % of a worker's time in a py-spy profile of this benchmark).
        "DEBUG": "False",
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    }
    server = SandboxServer(port=0).start()
    cluster: subprocess.Popen | None = None
    throttled: list[float] = []  # when each throttled answer was given (time.time())
    original_throttle = server.sandbox.throttle

    def counting_throttle(code: str, shop_id: str, cost: float = 1.0) -> float:
        # Every marketplace module asks here before answering; a positive wait is a throttled answer (429,
        # Lazada ApiCallLimit, Shopify THROTTLED...), whatever shape the marketplace gives it.
        wait = original_throttle(code, shop_id, cost)
        if wait > 0:
            throttled.append(time.time())
        return wait

    server.sandbox.throttle = counting_throttle  # type: ignore[method-assign]
    try:
        server.sandbox.set_rate(MARKETPLACE, rate, 10)
        _run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        account = DEMO_ACCOUNTS[MARKETPLACE]
        setup = {
            "base_url": server.url(MARKETPLACE),
            "shop_id": account["shop_id"],
            "credentials": account["credentials"],
            "count": count,
            "rate": rate,
            "burst": 10,
            "prefix": "BENCH",
        }
        created = json.loads(
            _run(
                [sys.executable, "-m", "tests.syncing.engine.scenario", "create_many", json.dumps(setup)], env
            ).splitlines()[-1]
        )
        publish = {"channel_id": created["channel_id"], "listing_ids": created["listing_ids"]}
        job_id = json.loads(
            _run(
                [sys.executable, "-m", "tests.syncing.engine.scenario", "publish", json.dumps(publish)], env
            ).splitlines()[-1]
        )["job_id"]
        log_start = len(server.sandbox.log(MARKETPLACE))
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=ROOT,
            env=env,
            stdout=(tmp / "qcluster.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc = psutil.Process(cluster.pid)
        peak_worker = peak_total = 0
        cluster_cpu: dict[int, float] = {}
        cpu_at_first_request: float | None = None  # the cluster's start-up (imports) is not a push cost
        started = time.monotonic()
        bench_cpu = time.process_time()  # this process serves the sandbox
        loads: list[float] = []  # other work on the box slows the workers: report the load beside the rate
        while True:
            biggest, total = _tree_rss(proc, cluster_cpu)
            if cpu_at_first_request is None and len(server.sandbox.log(MARKETPLACE)) > log_start:
                cpu_at_first_request = sum(cluster_cpu.values())
            peak_worker, peak_total = max(peak_worker, biggest), max(peak_total, total)
            loads.append(os.getloadavg()[0])
            status, processed, succeeded = _job_state(db, job_id)
            if status not in ("queued", "running") or time.monotonic() - started > 1800:
                break
            time.sleep(0.5)
        entries = server.sandbox.log(MARKETPLACE)[log_start:]
        bench_cpu = time.process_time() - bench_cpu
    finally:
        if cluster is not None:
            os.killpg(cluster.pid, signal.SIGTERM)
            try:
                cluster.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(cluster.pid, signal.SIGKILL)
        server.stop()

    first, last = entries[0]["time"], entries[-1]["time"]
    span = max(last - first, 1e-9)
    achieved = len(entries) / span
    print(f"listings: {count}, job: {status}, succeeded {succeeded}/{count}")
    print(f"requests: {len(entries)} in {span:.1f} s (from first to last request)")
    print(f"achieved: {achieved:.1f} req/s of {rate:g} allowed -> ratio {achieved / rate:.2f} (goal >= 0.9)")
    when = ", ".join(f"{t - first:.1f}" for t in throttled[:10])
    print(f"throttled answers: {len(throttled)} (goal 0)" + (f", at {when} s after the first request" if when else ""))
    cluster_ms = (sum(cluster_cpu.values()) - (cpu_at_first_request or 0.0)) * 1000 / count
    print(
        f"CPU per listing: cluster {cluster_ms:.1f} ms (workers, pusher, monitor), "
        f"sandbox {bench_cpu * 1000 / count:.1f} ms"
    )
    print(f"load average during the run: median {statistics.median(loads):.1f}, max {max(loads):.1f}")
    print(
        f"peak RSS: largest cluster process {peak_worker / 2**20:.0f} MiB, whole cluster {peak_total / 2**20:.0f} MiB"
    )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

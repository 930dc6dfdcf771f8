"""Database and worker plumbing shared by the benchmarks: one worker process per database, a `manage.py worker`
cluster on a bench database (docs/benchmarks.md)."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_result(script: str, database_url: str) -> dict:
    """Run `script --worker` against `database_url`; its last stdout line is a JSON object of figures."""
    env = {**os.environ, "DATABASE_URL": database_url}
    out = subprocess.run(
        [sys.executable, script, "--worker"], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def postgres_scratch_url(suffix: str) -> str | None:
    """A fresh, empty PostgreSQL database beside DATABASE_URL's (named `<db>_<suffix>`), or None without one."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg

    base, _, name = url.rpartition("/")
    scratch = f"{name.split('?')[0]}_{suffix}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    return f"{base}/{scratch}"


def cluster_start(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`manage.py worker` with `env` (its DATABASE_URL, Q_WORKERS, ...) in a session of its own, output to `log`."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def cluster_stop(cluster: subprocess.Popen) -> None:
    """Stop the cluster as a deploy does (SIGTERM to its session), killing it if it has not stopped in 30 s."""
    os.killpg(cluster.pid, signal.SIGTERM)
    try:
        cluster.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait(timeout=30)


def report_each_database(script: str, suffix: str, report) -> None:
    """Run `script --worker` on a throw-away SQLite file, then on a scratch PostgreSQL database when DATABASE_URL
    points at one, and pass each result to `report`."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        report(worker_result(script, f"sqlite:///{tmp}/{suffix}.sqlite3"))
    postgres = postgres_scratch_url(suffix)
    if postgres:
        report(worker_result(script, postgres))

"""`make run` (scripts/run.sh): Ctrl-C stops the web server, the worker (and its cluster processes) and the sandbox.

Ctrl-C in a terminal sends SIGINT to the whole foreground process group; the test starts the script in a session
of its own and signals that group the same way, then checks that no process of the group is left."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ctrl_c_stops_every_process_of_make_run(tmp_path):
    # given `make run`'s script on a migrated database file, with free ports
    database = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "Q_STOP_SECONDS": "5",
        "SANDBOX_STATE": str(tmp_path / "sandbox.state"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(
        [env.get("PY", str(ROOT / ".venv/bin/python")), "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    port, sandbox_port = _free_port(), _free_port()
    env |= {"PORT": str(port), "SANDBOX_PORT": str(sandbox_port), "PY": str(ROOT / ".venv/bin/python")}
    log = tmp_path / "run.log"
    script = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # when the web page answers and the worker's cluster is up
        deadline = time.monotonic() + 120
        while True:
            assert script.poll() is None, log.read_text()[-3000:]
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"the web server never answered:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
        group = [p for p in psutil.process_iter(["pid"]) if _in_group(p, script.pid)]
        assert len(group) >= 4  # bash, sandbox, worker (and its cluster), runserver

        # and Ctrl-C reaches the process group
        started = time.monotonic()
        os.killpg(script.pid, signal.SIGINT)
        script.wait(timeout=60)

        # then the script ends within the worker's grace period plus the script's 5 s, leaving no process behind
        _, alive = psutil.wait_procs(group, timeout=15)
        assert alive == [], f"{[p.info for p in alive]}\n{log.read_text()[-3000:]}"
        assert time.monotonic() - started < 5 + 5 + 10
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        # and the sandbox wrote its marketplaces to the state file on the way out (docs/sandbox.md#state-file)
        assert (tmp_path / "sandbox.state").stat().st_size > 0, log.read_text()[-3000:]
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait(timeout=10)


def _in_group(process: psutil.Process, group: int) -> bool:
    try:
        return os.getpgid(process.pid) == group
    except (ProcessLookupError, psutil.Error):
        return False

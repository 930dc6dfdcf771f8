"""Worker restarts (docs/sync.md, "Stopping and restarting workers"): 60 listings published with the default
settings to a sandbox that answers in 400 ms, and the `manage.py worker` cluster

- SIGKILLed (every process at once) 3 s after the first listings went live, then a new cluster started: how long
  until every listing is live, counted from the restart (goal < 90 s), and remote duplicates (goal 0);
- sent SIGTERM at the same point: how long the cluster takes to exit (goal < 10 s), queue rows it left hidden
  (goal 0), how long the next cluster takes to finish the rest (goal < 30 s), duplicates (goal 0).

Medians of BENCH_RESTART_RUNS runs (default 3) of each, on the database DATABASE_URL names (SQLite when unset;
PostgreSQL: a database per run copied from a migrated template) and the broker REDIS_URL names (ORM when unset).
The scenarios are the reliability tests' own (tests/syncing/engine/test_reliability.py), with figures printed
instead of asserted.
"""

import os
import shutil
import statistics
import tempfile
from pathlib import Path


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} s ({', '.join(f'{v:.1f}' for v in values)})"


def main() -> None:
    import django

    django.setup()
    from syncing.sandbox.server import SandboxServer
    from tests.fixtures.sandbox import SandboxControl
    from tests.syncing.engine import test_reliability as reliability

    runs = int(os.environ.get("BENCH_RESTART_RUNS", "3"))
    count = int(os.environ.get("BENCH_RESTART_LISTINGS", "60"))
    database = "PostgreSQL" if reliability.ON_POSTGRES else "SQLite"
    broker = "Redis" if os.environ.get("REDIS_URL") else "ORM"
    tmp = Path(tempfile.mkdtemp(prefix="bench_restart_"))
    server = SandboxServer(port=0).start()
    template = reliability.template_create(tmp)
    figures: dict[str, list[dict]] = {"kill": [], "sigterm": []}
    scenarios = {"kill": reliability.restart_after_kill, "sigterm": reliability.restart_after_sigterm}
    try:
        for n in range(runs):
            for name, scenario_run in scenarios.items():
                server.sandbox.reset()
                control = SandboxControl(server)
                control.set_rate("lazada", 500, 50)
                directory = tmp / f"{name}-{n}"
                directory.mkdir()
                scenario = reliability.Scenario(directory, template, control)
                if os.environ.get("REDIS_URL"):  # a database of the bench's own: emptied before each run
                    reliability.redis_database_use(scenario.env, os.environ["REDIS_URL"])
                try:
                    figures[name].append(scenario_run(scenario, control, count))
                finally:
                    scenario.stop()
                    scenario.drop()
    finally:
        reliability.template_drop(template)
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    load = os.getloadavg()
    print(f"{count} publishes, default settings, {database}, {broker} broker, median of {runs} (load {load[0]:.1f})")
    kill = figures["kill"]
    print(
        "  SIGKILL of the cluster, new cluster started: all live "
        f"{_median([f['recovered_s'] for f in kill])} after the restart; "
        f"duplicates {sum(f['duplicates'] for f in kill)}; "
        f"not done at the kill {[count - f['processed_at_kill'] for f in kill]}; "
        f"interrupted pushes {[f['interrupted'] for f in kill]}; "
        f"all succeeded: {all(f['job']['succeeded'] == count for f in kill)}"
    )
    term = figures["sigterm"]
    print(
        f"  SIGTERM: cluster exited {_median([f['stop_s'] for f in term])} after the signal; "
        f"queue rows left hidden {sum(f['hidden_rows'] for f in term)}; "
        f"pushes cut off {sum(f['in_progress'] for f in term)}; "
        f"next cluster finished the rest in {_median([f['finished_s'] for f in term])}; "
        f"not done at the stop {[count - f['processed_at_stop'] for f in term]}; "
        f"duplicates {sum(f['duplicates'] for f in term)}; "
        f"all succeeded: {all(f['job']['succeeded'] == count for f in term)}"
    )

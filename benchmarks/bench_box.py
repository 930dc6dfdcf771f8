"""How much a second busy core adds on this machine: context for every figure the other benchmarks print.

The import commit overlaps two threads (rows checked in Python while a writer thread's SQLite or PostgreSQL
statements run), so its ratio to a single-threaded floor depends on how much two busy cores give over one.
A shared virtual machine's two vCPUs may share a physical core or memory bandwidth with each other or with
neighbours. Measured here: the time of a fixed pure-Python loop alone, and while another process keeps the
other core busy (a spinning loop, then SQLite inserting into an indexed table: the writer's kind of work).
Medians of 5; a slowdown of 1.00x means independent cores, 2.00x means the two share one.
Run: `.venv/bin/python benchmarks/run.py box`.
"""

import statistics
import subprocess
import sys
import time

LOOPS = 2_000_000
SPIN = "while True: pass"
SQLITE = """
import sqlite3
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE t (a, b, c)")
db.execute("CREATE INDEX t_a ON t (a)")
db.execute("CREATE INDEX t_b ON t (b)")
rows = "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < 20000) "
while True:
    db.execute(rows + "INSERT INTO t SELECT random(), hex(randomblob(20)), x FROM r")
    db.execute("DELETE FROM t")
"""


def python_loop() -> float:
    started = time.perf_counter()
    table: dict[int, str] = {}
    for i in range(LOOPS):
        table[i & 1023] = str(i)
    return time.perf_counter() - started


def beside(code: str | None) -> float:
    if code is None:
        return python_loop()
    other = subprocess.Popen([sys.executable, "-c", code])  # noqa: S603 - our own interpreter and code
    try:
        time.sleep(0.3)  # let it get going
        return python_loop()
    finally:
        other.kill()
        other.wait()


def main() -> None:
    cases = {"alone": None, "beside a spinning process": SPIN, "beside a SQLite-inserting process": SQLITE}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(5):  # interleaved, so a change of the box's load touches every case alike
        for name, code in cases.items():
            times[name].append(beside(code))
    alone = statistics.median(times["alone"])
    print(f"python loop of {LOOPS:,} steps alone: median {alone:.3f}s")
    for name in list(cases)[1:]:
        median = statistics.median(times[name])
        print(f"  {name}: median {median:.3f}s, slowdown {median / alone:.2f}x (1.00x: independent cores)")


if __name__ == "__main__":
    main()

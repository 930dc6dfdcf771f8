"""Run every benchmark module (benchmarks/bench_*.py) and print its figures.

Each module defines `main() -> None` that prints its own lines; a module name given on the command line runs
only that one (e.g. `python benchmarks/run.py import`). Figures are medians over repeated runs where a module
repeats; these machines are shared and noisy, so read ratios, not absolute numbers.
"""

import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> int:
    wanted = set(sys.argv[1:])
    modules = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))
    if wanted:
        modules = [m for m in modules if m.removeprefix("bench_") in wanted or m in wanted]
    if not modules:
        print("no benchmark modules found")
        return 1
    for name in modules:
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

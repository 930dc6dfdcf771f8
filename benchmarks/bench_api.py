"""API list throughput: GET /api/v1/products/ (50 per page, 10k products) vs a naive DRF ModelViewSet.

Both endpoints run in the same gunicorn (2 sync workers, DEBUG off) on loopback, with token auth, over the same
SQLite database: 10,000 products, 2 variants and 1 image row each. A threaded keep-alive client (8
connections) walks pages 1..200 for a fixed time per round; rounds alternate between the endpoints and the
median round is reported. The client runs on the same 2 cores, so absolute figures are pessimistic; read the
ratio. Run: `python benchmarks/run.py api` (or `make bench`).
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = 10_000
PAGE_SIZE = 50
CONNECTIONS = 8
ROUND_SECONDS = float(os.environ.get("BENCH_API_SECONDS", "8"))
ROUNDS = 3
OURS = "/api/v1/products/"
PLAIN = "/bench/plain/products/"


def _seed(db_path: str) -> None:
    """Runs in a subprocess with DATABASE_URL pointing at the benchmark database; prints the API token."""
    import django

    django.setup()
    from decimal import Decimal

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.services import token_create
    from catalog.models import Product, ProductImage, Variant
    from catalog.services import category_create

    categories = [category_create(name=f"Bench category {i}") for i in range(20)]
    Product.objects.bulk_create(
        Product(
            sku=f"BENCH-{n:05d}",
            title=f"Benchmark product {n} with a realistic length title",
            description="<p>Plain description.</p>",
            brand="Acme",
            category=categories[n % 20],
            price=Decimal("19.90"),
            currency="USD",
            quantity=n % 7,
            status="active",
            attributes={"colour": "blue"},
        )
        for n in range(PRODUCTS)
    )
    ids = list(Product.objects.values_list("pk", flat=True))
    Variant.objects.bulk_create(
        Variant(product_id=pk, sku=f"BV-{pk}-{size}", options={"Size": size}, quantity=3)
        for pk in ids
        for size in ("S", "M")
    )
    ProductImage.objects.bulk_create(
        ProductImage(
            product_id=pk,
            image=f"products/{pk}/ab/{pk:064d}.png",
            sha256=f"{pk:064d}",
            width=1000,
            height=1000,
            file_size=1234,
            is_primary=True,
        )
        for pk in ids
    )
    user = User.objects.create_user("bench", "bench@example.com", "pw-bench-123-long")
    user.groups.add(*Group.objects.filter(name="viewer"))
    _, key = token_create(user=user, name="bench")
    print(json.dumps({"key": key}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(port: int, key: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", f"{OURS}?page_size=1", headers={"Authorization": f"Token {key}"})
            response = conn.getresponse()
            if response.status == 200:
                return
            last = f"{response.status} {response.read()[:300]!r}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not come up: {last}")


def _load(port: int, path: str, key: str, seconds: float) -> tuple[float, float, int]:
    """Requests per second, p95 latency (ms) and error count for `seconds` of load on `path`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    headers = {"Authorization": f"Token {key}", "Connection": "keep-alive"}
    pages = PRODUCTS // PAGE_SIZE

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = offset
        mine: list[float] = []
        while time.monotonic() < stop:
            page = n % pages + 1
            n += CONNECTIONS
            started = time.perf_counter()
            try:
                conn.request("GET", f"{path}?page={page}&page_size={PAGE_SIZE}", headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else float("nan")
    return len(latencies) / elapsed, p95, errors[0]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "DEBUG": "false",
            "API_THROTTLE_TOKEN": "100000000/min",
            "LOG_LEVEL": "WARNING",
            "MEDIA_ROOT": f"{tmp}/media",
        }
        seeded = subprocess.run(
            [sys.executable, __file__, "seed"], env=env, cwd=ROOT, capture_output=True, text=True, check=True
        )
        key = json.loads(seeded.stdout.strip().splitlines()[-1])["key"]
        port = _free_port()
        gunicorn = Path(sys.executable).parent / "gunicorn"
        server = subprocess.Popen(
            [
                str(gunicorn),
                "benchmarks.api_baseline:application",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(f"{tmp}/gunicorn.log", "w"),  # noqa: SIM115 - closed with the temp dir
        )
        try:
            try:
                _wait_up(port, key)
            except RuntimeError:
                print(Path(f"{tmp}/gunicorn.log").read_text()[-2000:])
                raise
            for path in (OURS, PLAIN):
                _load(port, path, key, 1.5)  # warm-up: imports, connections, SQLite page cache
            runs: dict[str, list[tuple[float, float, int]]] = {OURS: [], PLAIN: []}
            for _ in range(ROUNDS):
                for path in (OURS, PLAIN):
                    runs[path].append(_load(port, path, key, ROUND_SECONDS))
        finally:
            server.terminate()
            server.wait(timeout=30)
    summary = {}
    for path, results in runs.items():
        rps = statistics.median(r[0] for r in results)
        p95 = statistics.median(r[1] for r in results)
        errors = sum(r[2] for r in results)
        summary[path] = rps
        label = "ours (select/prefetch, fast render)" if path == OURS else "plain ModelViewSet+ModelSerializer"
        print(f"{label:40s} {path:26s} {rps:8.1f} req/s  p95 {p95:7.1f} ms  errors {errors}")
    print(f"throughput ratio ours/plain: {summary[OURS] / summary[PLAIN]:.2f}x (goal >= 1.5x)")
    print(
        f"setup: {PRODUCTS} products x 2 variants x 1 image, {PAGE_SIZE}/page, token auth, gunicorn -w 2, "
        f"{CONNECTIONS} keep-alive connections, {ROUNDS} x {ROUND_SECONDS:.0f} s rounds (median)"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        sys.path.insert(0, str(ROOT))
        _seed(sys.argv[0])
    else:
        sys.path.insert(0, str(ROOT))
        main()

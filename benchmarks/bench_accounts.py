"""Cost of the audit trail and of token authentication, and the audit log page over many entries.

- audit overhead: `product_update` with the audit signals on vs off (one extra SELECT + one INSERT per save);
- `audit_record_bulk` throughput (bulk imports);
- `GET /api/v1/auth/me/` with an API token vs a session (the token path hashes the key and reads one row);
- `/accounts/audit/` p95 over AUDIT_ROWS entries for typical searches (goal < 300 ms like the other lists).

Throw-away SQLite file database. Run: `.venv/bin/python benchmarks/run.py accounts`.
"""

import os
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

SAVES = int(os.environ.get("BENCH_ACCOUNTS_SAVES", "200"))
ROUNDS = int(os.environ.get("BENCH_ACCOUNTS_ROUNDS", "3"))
AUDIT_ROWS = int(os.environ.get("BENCH_ACCOUNTS_AUDIT_ROWS", "100000"))
REPEAT = int(os.environ.get("BENCH_ACCOUNTS_REPEAT", "15"))
P95_GOAL_MS = 300


def _time_updates(products, label_suffix: str) -> float:
    from catalog.services import product_update

    started = time.perf_counter()
    for i, product in enumerate(products):
        product_update(product=product, price=Decimal(10 + i % 50), title=f"{product.title[:40]} {label_suffix}")
    return (time.perf_counter() - started) * 1000 / len(products)


def _audit_overhead() -> None:
    """Alternate rounds with and without audit so cache warm-up and machine noise hit both sides alike."""
    from accounts.audit import audit_suspended
    from catalog.services import product_create

    products = [
        product_create(sku=f"BA-{i:05d}", title=f"Bench {i}", price=Decimal("5"), currency="USD") for i in range(SAVES)
    ]
    _time_updates(products[:20], "warm")
    on, off = [], []
    for round_ in range(ROUNDS):
        on.append(_time_updates(products, f"a{round_}"))
        with audit_suspended():
            off.append(_time_updates(products, f"b{round_}"))
    on_ms, off_ms = statistics.median(on), statistics.median(off)
    print(
        f"product_update with audit {on_ms:.2f} ms, without {off_ms:.2f} ms, ratio {on_ms / off_ms:.2f} "
        f"(median of {ROUNDS} alternating rounds of {SAVES} saves)"
    )


def _bulk_throughput() -> None:
    from accounts.audit import audit_actor, audit_record_bulk
    from catalog.models import Product

    products = list(Product.objects.all()[:SAVES])
    rows = (products * (AUDIT_ROWS // len(products) + 1))[:AUDIT_ROWS]
    started = time.perf_counter()
    with audit_actor("import", "bench import"):
        written = audit_record_bulk(Product, rows, "create")
    seconds = time.perf_counter() - started
    print(f"audit_record_bulk: {written:,} entries in {seconds:.1f} s ({written / seconds:,.0f} rows/s)")


def _median_ms(call, n: int) -> float:
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings)


def _token_vs_session(user) -> None:
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.services import token_create

    _, key = token_create(user=user, name="bench")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    session = Client()
    session.force_login(user)
    api.get("/api/v1/auth/me/")
    session.get("/api/v1/auth/me/")
    token_ms = _median_ms(lambda: api.get("/api/v1/auth/me/"), REPEAT * 4)
    session_ms = _median_ms(lambda: session.get("/api/v1/auth/me/"), REPEAT * 4)
    print(
        f"/api/v1/auth/me/ median: token {token_ms:.2f} ms, session {session_ms:.2f} ms, "
        f"ratio {token_ms / session_ms:.2f}"
    )


def _audit_page(user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    searches = ["", "q=Bench+12", "model=product&action=create", "actor_kind=import&page=100", "q=nothing-matches"]
    all_ms: list[float] = []
    for query in searches:
        timings = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            response = client.get(f"/accounts/audit/?{query}")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        all_ms += timings
        print(f"audit page {query or '(first page)':<32} median {statistics.median(timings):7.1f} ms")
    p95 = statistics.quantiles(all_ms, n=20)[18]
    print(
        f"audit page p95 over {len(all_ms)} requests: {p95:.1f} ms "
        f"(goal < {P95_GOAL_MS} ms, ratio {p95 / P95_GOAL_MS:.2f})"
    )


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection

    tmp = Path(tempfile.mkdtemp(prefix="bench_accounts_"))
    connection.settings_dict["TEST"]["NAME"] = str(tmp / "bench.sqlite3")
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        user = User.objects.create_superuser("bench", "bench@example.com", "bench-pw-123")
        _audit_overhead()
        _bulk_throughput()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        _token_vs_session(user)
        _audit_page(user)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

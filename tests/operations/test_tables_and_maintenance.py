"""Table statistics (PostgreSQL statistics views or SQLite dbstat / page counts), slow queries, and VACUUM /
ANALYZE as a job from the command, the page and the API (autocommit, outside a transaction)."""

import time

import pytest
from django.core.management import call_command
from django.db import connection

from catalog.models import Category
from operations import dbstats
from operations.choices import JobStatus, JobType
from operations.dbstats import slow_queries, sql_fingerprint, table_stats
from operations.models import Job
from operations.services import jobs as jobs_service
from operations.services.runners import job_execute


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(jobs_service, "enqueue", lambda func, *args, **kw: calls.append(args))
    return calls


@pytest.mark.django_db
def test_table_stats_list_every_table_with_rows_and_size():
    Category.objects.create(name="Shoes")
    stats = table_stats()
    tables = {t.name: t for t in stats["tables"]}
    assert stats["vendor"] == connection.vendor
    assert "catalog_category" in tables
    assert "operations_systemlog" in tables
    if connection.vendor == "sqlite":
        assert tables["catalog_category"].rows == 1  # counted exactly
        assert stats["size_source"] == "dbstat"
    else:
        assert stats["size_source"] == "pg_total_relation_size"
    assert tables["catalog_category"].size_bytes > 0
    assert stats["total_bytes"] >= tables["catalog_category"].size_bytes


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")
def test_sqlite_without_dbstat_shares_the_page_count_by_rows():
    Category.objects.create(name="Shoes")

    class NoDbstat:
        def __init__(self, cursor):
            self.cursor = cursor

        def execute(self, sql, *args):
            if "dbstat" in sql:
                raise RuntimeError("no such table: dbstat")
            return self.cursor.execute(sql, *args)

        def fetchone(self):
            return self.cursor.fetchone()

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        total = pages * cursor.fetchone()[0]
        sizes, source = dbstats._sqlite_sizes(
            NoDbstat(cursor), ["catalog_category", "x"], {"catalog_category": 1, "x": 3}
        )
    assert source == "page_count estimate"
    assert sizes == {"catalog_category": total // 4, "x": int(total * 3 / 4)}


def test_sql_fingerprint_folds_literals_and_placeholder_lists():
    a, fa = sql_fingerprint("SELECT * FROM t WHERE id IN (%s, %s, %s) AND n = 5 AND s = 'x'")
    b, fb = sql_fingerprint("SELECT *  FROM t WHERE id IN (%s, %s) AND n = 77 AND s = 'it''s'")
    assert a == b == "SELECT * FROM t WHERE id IN (%s, ...) AND n = ? AND s = ?"
    assert fa == fb


@pytest.mark.django_db(transaction=True)
def test_slow_statements_are_sampled_into_the_system_log_with_count_and_mean(system_log, settings):
    # given a threshold every statement passes
    settings.SLOW_QUERY_MS = 0.000001
    # when the same statement runs twice with different values
    Category.objects.filter(name="a").count()
    Category.objects.filter(name="b").count()
    system_log()
    settings.SYSTEM_LOG_ENABLED = False
    settings.SLOW_QUERY_MS = 100
    # then it is one entry with count 2 and a mean, from the app's own sample
    result = slow_queries()
    assert result["source"].startswith("sampled by the app")
    matching = [q for q in result["queries"] if 'FROM "catalog_category"' in q.sql and "COUNT" in q.sql]
    assert len(matching) == 1
    assert matching[0].count == 2
    assert matching[0].mean_ms >= 0


def test_the_wrapper_skips_fast_statements_and_logs_slow_ones(settings, caplog):
    settings.SLOW_QUERY_MS = 50
    settings.SLOW_QUERY_SAMPLE_RATE = 1.0

    def slow(sql, params, many, context):
        time.sleep(0.06)
        return "rows"

    assert dbstats.slow_query_wrapper(lambda *a: "fast", "SELECT 1", None, False, {}) == "fast"
    assert dbstats.slow_query_wrapper(slow, "SELECT 2", None, False, {}) == "rows"
    records = [r for r in caplog.records if r.name == "operations.slow_query"]
    assert len(records) == 1
    assert records[0].sql == "SELECT ?"
    assert records[0].duration_ms >= 50


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("flags", "vacuum", "analyze"),
    [
        pytest.param([], True, True, id="both_by_default_case"),
        pytest.param(["--analyze"], False, True, id="analyze_only_case"),
        pytest.param(["--vacuum"], True, False, id="vacuum_only_case"),
    ],
)
def test_db_maintenance_command_runs_as_a_recorded_job(capsys, flags, vacuum, analyze):
    call_command("db_maintenance", *flags)
    job = Job.objects.get()
    assert (job.type, job.status, job.parameters) == (
        "maintenance",
        "succeeded",
        {"vacuum": vacuum, "analyze": analyze},
    )
    assert job.processed == job.total > 0
    out = capsys.readouterr().out
    assert f"job-{job.pk} succeeded" in out
    target = "catalog_category" if connection.vendor == "postgresql" else "database"
    assert (f"VACUUM {target}" in out or f"VACUUM (ANALYZE) {target}" in out) == vacuum
    assert ("ANALYZE" in out) == analyze


@pytest.mark.django_db
def test_maintenance_inside_a_transaction_fails_the_job_with_a_message(queued):
    # the test's own transaction stands for a caller that forgot: VACUUM cannot run inside one
    job = jobs_service.job_create(type=JobType.MAINTENANCE, parameters={"vacuum": True})
    job = job_execute(job_id=job.pk)
    assert job.status == JobStatus.FAILED
    assert job.error == "Database maintenance must run outside a transaction (VACUUM cannot run inside one)."


@pytest.mark.django_db(transaction=True)
def test_maintenance_api_queues_a_job_the_worker_runs(admin_api, queued):
    response = admin_api.post("/api/v1/operations/maintenance/", {"vacuum": False, "analyze": True}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["type"], body["status"]) == ("maintenance", "queued")
    job_id = int(body["id"].removeprefix("job-"))
    assert queued == [(job_id,)]
    job = job_execute(job_id=job_id)
    assert job.status == JobStatus.SUCCEEDED
    assert admin_api.get(f"/api/v1/jobs/job-{job_id}/").json()["status"] == "succeeded"


@pytest.mark.django_db
def test_maintenance_api_refuses_nothing_to_do_and_non_admins(admin_api, api, queued):
    response = admin_api.post("/api/v1/operations/maintenance/", {"vacuum": False, "analyze": False}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"] == "Choose what to do: vacuum, analyze or both."
    assert api.post("/api/v1/operations/maintenance/", {}, format="json").status_code == 403
    assert Job.objects.count() == 0
    assert queued == []


@pytest.mark.django_db
def test_tables_api_shape_and_admin_only(admin_api, viewer_api):
    body = admin_api.get("/api/v1/operations/tables/").json()
    assert body["vendor"] == connection.vendor
    names = {t["name"] for t in body["tables"]}
    assert "catalog_product" in names
    assert set(body["tables"][0]) == {"name", "rows", "size_bytes", "size_is_estimate", "last_vacuum", "last_analyze"}
    assert set(body["slow_queries"]) == {"source", "queries"}
    assert viewer_api.get("/api/v1/operations/tables/").status_code == 403


@pytest.mark.django_db
def test_tables_page_and_maintenance_button(staff_client, editor_client, queued):
    page = staff_client.get("/operations/tables/")
    assert page.status_code == 200
    assert "catalog_product" in page.content.decode()
    response = staff_client.post("/operations/tables/maintenance/", {"analyze": "on"})
    job = Job.objects.get()
    assert response["Location"] == f"/operations/jobs/job-{job.pk}/"
    assert job.parameters == {"vacuum": False, "analyze": True}
    assert editor_client.post("/operations/tables/maintenance/", {"analyze": "on"}).status_code == 403
    assert Job.objects.count() == 1

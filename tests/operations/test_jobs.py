"""The one job shape: operations jobs (run, warnings, stop, status that only gets worse) and the read-side
adapters that show sync jobs and imports in the same list and API."""

import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import ImportBatch, ImportBatchStatus
from common.errors import ApplicationError
from operations.choices import JobStatus, JobType
from operations.models import Job
from operations.services import jobs as jobs_service
from operations.services import runners
from operations.services.jobs import job_create, job_finish, job_stop
from operations.services.runners import job_execute
from syncing.models import SyncJob
from syncing.services.jobs import sync_job_create

pytestmark = pytest.mark.django_db

REQUIRED_FIELDS = {
    "id",
    "type",
    "status",
    "processed",
    "total",
    "read_count",
    "write_count",
    "skip_count",
    "warning_count",
    "started_at",
    "finished_at",
}


@pytest.fixture
def queued(monkeypatch):
    """job_create without a worker: the enqueued task ids are collected instead."""
    calls = []
    monkeypatch.setattr(jobs_service, "enqueue", lambda func, *args, **kw: calls.append((func.__name__, args)))
    return calls


@pytest.fixture
def fake_runner(monkeypatch):
    """Register a runner for the maintenance type: `steps` items, optional warnings, optional failure."""

    def install(steps=3, warn_at=(), fail_with=None, on_step=None):
        def runner(run):
            run.stage("Working", total=steps)
            for i in range(steps):
                run.check_stop()
                if i in warn_at:
                    run.warn("odd row", item={"row": i + 2})
                    run.advance(read=1, skipped=1)
                else:
                    run.advance(read=1, written=1)
                if on_step:
                    on_step(run, i)
            if fail_with:
                raise fail_with
            return {"done": steps}

        monkeypatch.setitem(runners.RUNNERS, JobType.MAINTENANCE, runner)

    monkeypatch.setattr(jobs_service, "STOP_CHECK_SECONDS", 0)
    return install


def make_import(status=ImportBatchStatus.COMMITTED, errors=0, **fields):
    return ImportBatch.objects.create(
        token=secrets.token_hex(16),
        original_filename="products.xlsx",
        file_format="xlsx",
        status=status,
        total_rows=10,
        processed_rows=10,
        created_count=7,
        updated_count=1,
        unchanged_count=2 - min(errors, 2),
        error_count=errors,
        **fields,
    )


def test_job_create_queues_one_task_with_the_job(queued, admin_user):
    job = job_create(type=JobType.MAINTENANCE, parameters={"vacuum": True}, user=admin_user, priority=5)
    assert queued == [("job_execute_task", (job.pk,))]
    assert (job.status, job.priority, job.created_by, job.public_id) == ("queued", 5, admin_user, f"job-{job.pk}")
    assert list(job.log_lines.values_list("message", flat=True)) == ["Queued by boss."]


def test_job_create_refuses_an_unknown_type(queued):
    with pytest.raises(ApplicationError, match="Unknown job type 'feed'"):
        job_create(type="feed")
    assert queued == []
    assert Job.objects.count() == 0


def test_run_counts_and_succeeds(queued, fake_runner):
    fake_runner(steps=3)
    job = job_execute(job_id=job_create(type=JobType.MAINTENANCE).pk)
    assert job.status == JobStatus.SUCCEEDED
    assert (job.processed, job.total, job.read_count, job.write_count, job.skip_count) == (3, 3, 3, 3, 0)
    assert job.result == {"done": 3}
    assert job.started_at <= job.finished_at
    assert [line.message for line in job.log_lines.order_by("id")][-1] == "Finished."


def test_warnings_keep_their_row_and_make_the_status_worse(queued, fake_runner):
    fake_runner(steps=4, warn_at=(1,))
    job = job_execute(job_id=job_create(type=JobType.MAINTENANCE).pk)
    assert job.status == JobStatus.COMPLETED_WITH_WARNINGS
    assert (job.warning_count, job.skip_count, job.write_count) == (1, 1, 3)
    assert job.warnings == [{"message": "odd row", "item": {"row": 3}}]


def test_failure_is_recorded_and_never_improved(queued, fake_runner):
    fake_runner(steps=2, fail_with=ApplicationError("The disk is full."))
    job = job_execute(job_id=job_create(type=JobType.MAINTENANCE).pk)
    assert (job.status, job.error) == (JobStatus.FAILED, "The disk is full.")
    # a late "success" from a duplicate delivery does not turn it back
    assert job_finish(job=job, status=JobStatus.SUCCEEDED) is False
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job_execute(job_id=job.pk) is None


def test_unexpected_exception_fails_the_job_with_its_type(queued, fake_runner):
    fake_runner(steps=1, fail_with=KeyError("x"))
    job = job_execute(job_id=job_create(type=JobType.MAINTENANCE).pk)
    assert job.status == JobStatus.FAILED
    assert job.error == "Internal error (KeyError): 'x'"


def test_stop_is_honoured_between_chunks(queued, fake_runner, admin_user):
    def stop_after_second(run, i):
        if i == 1:
            job_stop(job=run.job, user=admin_user)

    fake_runner(steps=5, on_step=stop_after_second)
    job = job_execute(job_id=job_create(type=JobType.MAINTENANCE).pk)
    assert job.status == JobStatus.CANCELLED
    assert job.processed == 2
    messages = list(job.log_lines.values_list("message", flat=True))
    assert "Stop requested by boss; it stops after the current step." in messages
    assert messages[-1] == "Stopped on request."


def test_stopping_a_queued_job_cancels_it_and_the_worker_skips_it(queued, fake_runner):
    fake_runner(steps=1)
    job = job_create(type=JobType.MAINTENANCE)
    job_stop(job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job_execute(job_id=job.pk) is None
    with pytest.raises(ApplicationError, match="already ended"):
        job_stop(job=job)


def test_a_running_job_whose_worker_died_is_taken_over_once(queued, fake_runner, settings):
    fake_runner(steps=1)
    job = job_create(type=JobType.MAINTENANCE)
    stale = timezone.now() - timedelta(seconds=settings.Q_CLUSTER["timeout"] + 5)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=stale, heartbeat_at=stale)
    job = job_execute(job_id=job.pk)
    assert (job.status, job.retry_count) == (JobStatus.SUCCEEDED, 1)


def test_a_running_job_with_a_fresh_heartbeat_is_checked_again_when_it_would_be_stale(queued, fake_runner, settings):
    # given a running job whose worker beat 10 s ago (alive, or just died: its task came back early)
    fake_runner(steps=1)
    job = job_create(type=JobType.MAINTENANCE)
    queued.clear()
    recent = timezone.now() - timedelta(seconds=10)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=recent, heartbeat_at=recent)
    # when its task is delivered
    assert job_execute(job_id=job.pk) is None
    # then it is not run twice now, but delivered again once the heartbeat would be stale
    assert queued == [("job_execute_task", (job.pk,))]
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
    queued.clear()
    assert job_execute(job_id=job.pk) is None
    assert queued == []  # an ended job is not checked again


# --- One list of every table ---


@pytest.fixture
def three_jobs(queued, channel, admin_user):
    op = job_create(type=JobType.MAINTENANCE, user=admin_user)
    sync = sync_job_create(channel=channel, kind="push", listing_ids=[1, 2, 3])
    SyncJob.objects.filter(pk=sync.pk).update(processed=2, succeeded=1, failed=1, status="running")
    batch = make_import(errors=1)
    return op, SyncJob.objects.get(pk=sync.pk), batch


def test_api_lists_every_table_in_one_shape(admin_api, three_jobs, django_assert_max_num_queries):
    op, sync, batch = three_jobs
    with django_assert_max_num_queries(13):  # one count per job table (four with order pulls)
        response = admin_api.get("/api/v1/jobs/")
    assert response.status_code == 200
    rows = {r["id"]: r for r in response.json()["results"]}
    assert set(rows) == {f"job-{op.pk}", f"sync-{sync.pk}", f"import-{batch.pk}"}
    for row in rows.values():
        assert set(row) >= REQUIRED_FIELDS
    s = rows[f"sync-{sync.pk}"]
    assert (s["type"], s["status"], s["processed"], s["total"], s["write_count"], s["warning_count"]) == (
        "sync.push",
        "running",
        2,
        3,
        1,
        1,
    )
    i = rows[f"import-{batch.pk}"]
    assert (i["type"], i["status"], i["read_count"], i["write_count"], i["skip_count"], i["warning_count"]) == (
        "import",
        "completed_with_warnings",
        10,
        8,
        1,
        1,
    )
    assert rows[f"job-{op.pk}"]["status"] == "queued"


@pytest.mark.parametrize(
    ("query", "expected_prefixes"),
    [
        pytest.param("source=sync", {"sync"}, id="source_case"),
        pytest.param("type=import", {"import"}, id="type_case"),
        pytest.param("type=sync.push", {"sync"}, id="sync_kind_case"),
        pytest.param("status=queued", {"job"}, id="status_case"),
        pytest.param("active=true", {"job", "sync"}, id="active_case"),
        pytest.param("status=completed_with_warnings", {"import"}, id="warnings_status_case"),
    ],
)
def test_api_filters_jobs(admin_api, three_jobs, query, expected_prefixes):
    rows = admin_api.get(f"/api/v1/jobs/?{query}").json()["results"]
    assert {r["id"].split("-")[0] for r in rows} == expected_prefixes


def test_api_pages_through_the_merged_list_newest_first(admin_api, queued):
    for _ in range(3):
        job_create(type=JobType.BACKUP)
    for _ in range(2):
        make_import()
    first = admin_api.get("/api/v1/jobs/?page_size=2").json()
    second = admin_api.get("/api/v1/jobs/?page_size=2&page=2").json()
    third = admin_api.get("/api/v1/jobs/?page_size=2&page=3").json()
    ids = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert first["count"] == 5
    assert len(set(ids)) == 5
    created = [r["created_at"] for page in (first, second, third) for r in page["results"]]
    assert created == sorted(created, reverse=True)


def test_api_refuses_a_bad_filter(admin_api):
    response = admin_api.get("/api/v1/jobs/?status=great")
    assert response.status_code == 400


def test_api_refuses_a_time_zone_offset_the_database_cannot_store(admin_api):
    # Python reads offsets up to 24 h; PostgreSQL refuses 16 h and more (found by the schema fuzz as a 500)
    response = admin_api.get("/api/v1/jobs/", {"created_after": "0456-10-28T07:23:41-16:15"})
    assert response.status_code == 400
    assert "between -14:00 and +14:00" in str(response.json())
    assert admin_api.get("/api/v1/jobs/", {"created_after": "2026-10-28T07:23:41+05:30"}).status_code == 200


def test_api_job_detail_has_its_log_and_unknown_is_404(admin_api, three_jobs):
    op, _, _ = three_jobs
    body = admin_api.get(f"/api/v1/jobs/job-{op.pk}/").json()
    assert [line["message"] for line in body["log"]] == ["Queued by boss."]
    assert admin_api.get("/api/v1/jobs/job-999999/").status_code == 404
    assert admin_api.get("/api/v1/jobs/feed-1/").status_code == 404


def test_api_stop_a_sync_job_uses_the_sync_cancel(api, three_jobs):
    _, sync, _ = three_jobs
    response = api.post(f"/api/v1/jobs/sync-{sync.pk}/stop/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert SyncJob.objects.get(pk=sync.pk).status == "cancelled"


def test_api_stop_an_operations_job_needs_admin(api, admin_api, three_jobs):
    op, _, _ = three_jobs
    assert api.post(f"/api/v1/jobs/job-{op.pk}/stop/").status_code == 403
    assert Job.objects.get(pk=op.pk).status == JobStatus.QUEUED
    response = admin_api.post(f"/api/v1/jobs/job-{op.pk}/stop/")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")


def test_viewer_reads_jobs_but_cannot_stop(viewer_api, three_jobs):
    _, sync, _ = three_jobs
    assert viewer_api.get("/api/v1/jobs/").status_code == 200
    assert viewer_api.post(f"/api/v1/jobs/sync-{sync.pk}/stop/").status_code == 403
    assert SyncJob.objects.get(pk=sync.pk).status == "running"


def test_jobs_page_filters_and_shows_progress_polling(viewer_client, three_jobs, django_assert_max_num_queries):
    op, sync, batch = three_jobs
    with django_assert_max_num_queries(13):  # one count per job table (four with order pulls)
        response = viewer_client.get("/operations/?active=on")
    body = response.content.decode()
    assert response.status_code == 200
    assert f"job-{op.pk}" in body
    assert f"sync-{sync.pk}" in body
    assert f"import-{batch.pk}" not in body
    assert f'data-poll-url="/operations/jobs/sync-{sync.pk}/progress/"' in body


def test_job_page_shows_log_and_stop_for_admin_only(staff_client, viewer_client, three_jobs):
    op, _, _ = three_jobs
    body = staff_client.get(f"/operations/jobs/job-{op.pk}/").content.decode()
    assert "Queued by boss." in body
    assert 'id="job-stop"' in body
    assert 'id="job-stop"' not in viewer_client.get(f"/operations/jobs/job-{op.pk}/").content.decode()
    progress = staff_client.get(f"/operations/jobs/job-{op.pk}/progress/").json()
    assert (progress["status"], progress["done"], progress["log"]) == ("queued", False, ["INFO     Queued by boss."])


def test_stop_button_cancels_a_queued_job(staff_client, three_jobs):
    op, _, _ = three_jobs
    response = staff_client.post(f"/operations/jobs/job-{op.pk}/stop/")
    assert response.status_code == 302
    assert Job.objects.get(pk=op.pk).status == JobStatus.CANCELLED


# --- stopping an import between chunks (catalog/importing/stopping.py) ---


def _queued_import(user, rows=2500):
    """A real upload of `rows` product rows whose dry run is queued (the queue row is in OrmQ)."""
    import io

    from catalog.importing.services import import_batch_create

    lines = ["sku,title,price,currency,quantity"] + [f"S-{i:05d},Item {i},9.99,USD,{i % 5}" for i in range(rows)]
    return import_batch_create(upload=io.BytesIO("\n".join(lines).encode()), filename="items.csv", user=user)


def _run_queued_tasks():
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    names = []
    while (row := OrmQ.objects.order_by("id").first()) is not None:
        task = SignedPackage.loads(row.payload)
        row.delete()
        task["func"](*task["args"], **task["kwargs"])
        names.append(task["func"].__name__)
    return names


def test_api_stop_an_import_asks_it_to_stop_and_its_run_stops_at_the_next_chunk_boundary(api, api_user):
    # given an import whose dry run is queued
    batch = _queued_import(api_user)

    # when an editor stops it through the Jobs API
    response = api.post(f"/api/v1/jobs/import-{batch.pk}/stop/")

    # then the request is recorded in its log and it is still queued
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["can_stop"], len(body["log"])) == ("queued", True, 1)
    assert body["log"][0]["message"].startswith("Stop requested by api-editor at ")
    assert api.post(f"/api/v1/jobs/import-{batch.pk}/stop/").status_code == 200  # asking twice: the first stands
    assert api.get(f"/api/v1/jobs/import-{batch.pk}/").json()["log"] == body["log"]

    # when the worker runs its dry run, then it stops before the first chunk, having checked nothing
    assert _run_queued_tasks() == ["import_batch_validate_task"]
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows) == (ImportBatchStatus.FAILED, 0)
    assert batch.message.startswith("Stopped at row 2 (stop requested by api-editor at ")
    assert batch.message.endswith(
        "): the dry run checked 0 of 2,500 rows (0 to create, 0 to update, 0 unchanged, 0 failed); nothing was "
        "written. Upload the file again to check and import it."
    )
    job = api.get(f"/api/v1/jobs/import-{batch.pk}/").json()
    assert (job["status"], job["can_stop"], [line["message"] for line in job["log"]]) == (
        "cancelled",
        False,
        [batch.message],
    )


def test_api_stop_a_finished_import_is_refused_with_the_reason(api, three_jobs):
    _, _, batch = three_jobs  # committed
    response = api.post(f"/api/v1/jobs/import-{batch.pk}/stop/")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"import-{batch.pk} has already ended (imported); it cannot be stopped. Undo it on its page if needed."
    )
    stored = ImportBatch.objects.get(pk=batch.pk)
    assert (stored.status, stored.message) == (ImportBatchStatus.COMMITTED, "")


def test_viewer_cannot_stop_an_import(viewer_api, api_user):
    batch = _queued_import(api_user, rows=3)
    assert viewer_api.get(f"/api/v1/jobs/import-{batch.pk}/").json()["can_stop"] is False
    assert viewer_api.post(f"/api/v1/jobs/import-{batch.pk}/stop/").status_code == 403
    assert ImportBatch.objects.get(pk=batch.pk).message == ""


def test_stop_button_asks_a_running_import_to_stop(staff_client, admin_user):
    batch = _queued_import(admin_user, rows=3)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatchStatus.COMMITTING)
    page = staff_client.get(f"/operations/jobs/import-{batch.pk}/").content.decode()
    assert 'id="job-stop"' in page
    response = staff_client.post(f"/operations/jobs/import-{batch.pk}/stop/")
    assert response.status_code == 302
    assert ImportBatch.objects.get(pk=batch.pk).message.startswith("Stop requested by boss at ")

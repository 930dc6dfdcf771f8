"""The database log handler: stored outside transactions, on its own connection, never logging itself."""

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.urls import include, path
from django.utils import timezone

from catalog.models import Category
from common.errors import ApplicationError
from operations.models import SystemLog
from operations.services.system_log import system_log_purge
from operations.systemlog import job_logging

logger = logging.getLogger("tests.operations")


def boom(request):
    Category.objects.create(name="Written then rolled back")
    raise RuntimeError("boom in a view password=hunter2")


def ok_view(request):
    logging.getLogger("tests.operations.view").warning("view warned")
    return HttpResponse("ok")


handler500 = "operations.views.server_error"
urlpatterns = [path("boom/", boom), path("warn/", ok_view), path("", include("config.urls"))]


@pytest.mark.django_db(transaction=True)
def test_record_logged_inside_a_rolled_back_transaction_is_stored(system_log):
    # given a transaction that writes a row, logs a warning, then fails
    def write_log_and_fail():
        with transaction.atomic():
            Category.objects.create(name="Gone")
            logger.warning("half-way %s", "there", extra={"sku": "A-1"})
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        write_log_and_fail()
    # when the queue is written
    assert system_log() is True
    # then the row of the transaction is gone but the record is kept, with its fields
    assert not Category.objects.filter(name="Gone").exists()
    record = SystemLog.objects.get()
    assert (record.level, record.message, record.logger) == (logging.WARNING, "half-way there", "tests.operations")
    assert record.function == "write_log_and_fail"
    assert record.module == "test_system_log"
    assert record.extra == {"sku": "A-1"}
    assert record.request_id == ""


@pytest.mark.django_db(transaction=True)
def test_failed_request_is_stored_with_its_request_id_and_the_error_page_links_to_it(system_log, settings, client):
    # given a view that writes and then raises inside the request (500)
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    # when it is requested with a request id
    response = client.get("/boom/", headers={"X-Request-ID": "req-test-0001"})
    system_log()
    # then the error page shows the id and links to the log, the write is rolled back, and the record is stored
    assert response.status_code == 500
    body = response.content.decode()
    assert "req-test-0001" in body
    assert "/operations/logs/?request_id=req-test-0001" in body
    record = SystemLog.objects.get(request_id="req-test-0001")
    assert record.level == logging.ERROR
    assert record.logger == "django.request"
    assert "RuntimeError: boom in a view password=[redacted]" in record.stack_trace
    assert "hunter2" not in record.stack_trace


@pytest.mark.django_db(transaction=True)
def test_record_carries_the_logged_in_user_and_session(system_log, settings, admin_user, client):
    settings.ROOT_URLCONF = __name__
    client.force_login(admin_user)
    client.get("/warn/", headers={"X-Request-ID": "req-test-0002"})
    system_log()
    record = SystemLog.objects.get(logger="tests.operations.view")
    assert (record.user_id, record.username, record.request_id) == (admin_user.pk, "boss", "req-test-0002")
    assert record.session == client.session.session_key


@pytest.mark.django_db(transaction=True)
def test_records_below_the_level_are_not_stored_and_job_is_tagged(system_log):
    logger.info("only info")
    with job_logging("job-7"):
        logger.error("job failed")
    system_log()
    assert list(SystemLog.objects.values_list("message", "job")) == [("job failed", "job-7")]


@pytest.mark.django_db(transaction=True)
def test_writer_queries_are_never_logged_again(system_log, settings):
    # given every query logged at DEBUG (debug cursor) and a handler that stores DEBUG records
    settings.DEBUG = True
    db_logger = logging.getLogger("django.db.backends")
    handlers = [h for h in logging.getLogger().handlers if type(h).__name__ == "DatabaseLogHandler"]
    old_levels = db_logger.level, [h.level for h in handlers], logging.getLogger().level
    db_logger.setLevel(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    for handler in handlers:
        handler.setLevel(logging.DEBUG)
    try:
        # when one record is logged (its INSERT, in the writer thread, is a DEBUG query record)
        logger.warning("just one")
        system_log()
        system_log()
    finally:
        db_logger.setLevel(old_levels[0])
        logging.getLogger().setLevel(old_levels[2])
        for handler, level in zip(handlers, old_levels[1], strict=True):
            handler.setLevel(level)
        settings.SYSTEM_LOG_ENABLED = False
    # then exactly that record is stored: the writer's own query was not queued, so nothing loops
    assert list(SystemLog.objects.values_list("message", flat=True)) == ["just one"]


@pytest.mark.django_db
def test_purge_removes_only_records_older_than_the_retention():
    now = timezone.now()
    old = SystemLog.objects.create(created_at=now - timedelta(days=31), level=30, message="old", logger="x")
    new = SystemLog.objects.create(created_at=now - timedelta(days=29), level=30, message="new", logger="x")
    assert system_log_purge(days=30) == 1
    assert list(SystemLog.objects.values_list("pk", flat=True)) == [new.pk]
    assert not SystemLog.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_purge_refuses_a_retention_under_one_day():
    SystemLog.objects.create(created_at=timezone.now() - timedelta(days=3), level=30, message="kept", logger="x")
    with pytest.raises(ApplicationError, match="at least one day"):
        system_log_purge(days=0)
    assert SystemLog.objects.count() == 1


def _records():
    now = timezone.now()
    SystemLog.objects.create(created_at=now, level=40, message="disk full", logger="operations.backup", request_id="r1")
    SystemLog.objects.create(created_at=now, level=30, message="slow push", logger="syncing.push", job="sync-3")
    SystemLog.objects.create(created_at=now - timedelta(days=2), level=50, message="old crash", logger="django.request")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("level=40", {"disk full", "old crash"}, id="level_and_above_case"),
        pytest.param("logger=syncing", {"slow push"}, id="logger_prefix_case"),
        pytest.param("q=DISK", {"disk full"}, id="text_case"),
        pytest.param("request_id=r1", {"disk full"}, id="request_id_case"),
        pytest.param("job=sync-3", {"slow push"}, id="job_case"),
    ],
)
def test_system_log_api_filters(admin_api, query, expected):
    _records()
    response = admin_api.get(f"/api/v1/system-logs/?{query}")
    assert response.status_code == 200
    assert {r["message"] for r in response.json()["results"]} == expected


@pytest.mark.django_db
def test_system_log_api_time_filter_and_shape(admin_api):
    _records()
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = admin_api.get("/api/v1/system-logs/", {"created_after": since})
    rows = response.json()["results"]
    assert {r["message"] for r in rows} == {"disk full", "slow push"}
    assert {"level", "level_name", "logger", "request_id", "job", "stack_trace", "extra"} <= set(rows[0])


@pytest.mark.django_db
def test_system_log_api_is_for_admins_only(viewer_api, api):
    _records()
    assert viewer_api.get("/api/v1/system-logs/").status_code == 403
    assert api.get("/api/v1/system-logs/").status_code == 403


@pytest.mark.django_db
def test_system_log_api_refuses_a_bad_level(admin_api):
    response = admin_api.get("/api/v1/system-logs/?level=loud")
    assert response.status_code == 400


@pytest.mark.django_db
def test_system_log_page_filters_and_is_admin_only(staff_client, editor_client, django_assert_max_num_queries):
    _records()
    with django_assert_max_num_queries(8):
        response = staff_client.get("/operations/logs/?request_id=r1")
    assert response.status_code == 200
    body = response.content.decode()
    assert "disk full" in body
    assert "slow push" not in body
    assert editor_client.get("/operations/logs/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_stopping_while_the_writer_logs_about_itself_does_not_hang(system_log, monkeypatch):
    """The writer logs a warning about its own INSERT (a slow query) while stop() waits for it: that record is the
    writer's own and is dropped. It used to start a second writer on the same queue, which took the stop sentinel
    and left the first waiting forever: `manage.py import_products` hung at exit in CI."""
    import threading

    from operations import systemlog

    [handler] = [h for h in logging.getLogger().handlers if isinstance(h, systemlog.DatabaseLogHandler)]
    sentinel_sent = threading.Event()
    original_emit, original_sentinel = systemlog._DatabaseWriter.emit, systemlog._Listener.enqueue_sentinel

    def slow_writer(self, record):
        if record.lm_row["message"] == "first":
            assert sentinel_sent.wait(10)
            logger.warning("slow query about the writer's own insert")  # logged from the writer thread
        original_emit(self, record)

    def sentinel(self):
        original_sentinel(self)
        sentinel_sent.set()

    monkeypatch.setattr(systemlog._DatabaseWriter, "emit", slow_writer)
    monkeypatch.setattr(systemlog._Listener, "enqueue_sentinel", sentinel)
    logger.warning("first")
    stopper = threading.Thread(target=handler.stop, daemon=True)
    stopper.start()
    stopper.join(timeout=20)
    assert not stopper.is_alive(), "stop() hung: a second writer took the sentinel"
    assert list(SystemLog.objects.values_list("message", flat=True)) == ["first"]

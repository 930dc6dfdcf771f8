"""Supplier feeds end to end: real FTP, SFTP and HTTP servers on loopback, the mapping, the import engine, the
lock, the checksum skip and every bad input ending in a clear message and a failed job with its log."""

import shutil

import pytest
from django.core.files.base import ContentFile

from catalog.models import Product
from common.errors import ApplicationError
from operations.choices import JobStatus
from operations.demo import DEMO_MAPPING, SAMPLE, seed_demo_feed
from operations.models import Feed, FeedFile
from operations.services.feeds import feed_preview, feed_run_start, feed_save
from operations.services.runners import job_execute

from .conftest import FEED_PASSWORD, FEED_USER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_hosts(settings):
    settings.FEED_ALLOW_PRIVATE_HOSTS = True


def make_feed(url, source_type="ftp", **extra):
    data = {
        "name": extra.pop("name", f"{source_type} feed"),
        "source_type": source_type,
        "url": url,
        "username": FEED_USER,
        "path_pattern": "products_*.csv",
        "format": "csv",
        "mapping": DEMO_MAPPING,
        "on_error": "reject-all",
    } | extra
    return feed_save(data=data, password=extra.pop("password", FEED_PASSWORD))


def run(feed, user=None):
    return job_execute(job_id=feed_run_start(feed=feed, user=user, inline=True).pk)


def log_text(job):
    return "\n".join(job.log_lines.values_list("message", flat=True))


def test_ftp_feed_imports_through_the_engine_and_skips_an_unchanged_file(ftp_server, feed_dir):
    shutil.copy(SAMPLE, feed_dir / "products_20261206.csv")
    (feed_dir / "other.csv").write_text("not matched")
    feed = make_feed(ftp_server)
    assert feed.password_encrypted
    assert FEED_PASSWORD not in feed.password_encrypted

    job = run(feed)

    assert job.status == JobStatus.SUCCEEDED, log_text(job)
    assert (job.read_count, job.write_count, job.skip_count) == (8, 8, 0)
    toner = Product.objects.get(sku="HP-CF410A")
    assert toner.brand == "HP"
    assert str(toner.price) == "107.99"  # 89.50 + 20 % = 107.40, rounded up to .99
    assert str(toner.cost_price) == "89.50"
    assert toner.weight_grams == 862  # 1.9 lb
    assert toner.category.full_name == "Office > Printer supplies > Toner"
    mouse = Product.objects.get(sku="LOG-910-005565")
    assert mouse.category.full_name == "Computers > Accessories > Mice"  # unmapped path kept, '|' made '>'
    assert FeedFile.objects.filter(feed=feed, name="products_20261206.csv", job=job).exists()
    assert "import-" in log_text(job)

    again = run(feed)
    assert again.status == JobStatus.SUCCEEDED
    assert (again.read_count, again.write_count, again.skip_count) == (0, 0, 1)
    assert "unchanged" in log_text(again)
    assert again.result["unchanged_files"] == ["products_20261206.csv"]


def test_sftp_feed_downloads_and_imports(sftp_server, feed_dir):
    shutil.copy(SAMPLE, feed_dir / "products_1.csv")
    job = run(make_feed(sftp_server, "sftp"))
    assert job.status == JobStatus.SUCCEEDED, log_text(job)
    assert job.write_count == 8
    assert Product.objects.filter(sku="SAM-MZ-V9P1T0").exists()


def test_http_feed_json_with_record_path(http_server):
    body = b'{"data": {"items": [{"sku": "J-1", "name": "Json item", "cost": "10"}]}}'
    http_server.routes["/feed.json"] = (200, {"Content-Length": str(len(body))}, [body])
    mapping = {
        "sku": {"from": "sku"},
        "title": {"from": "name"},
        "price": {"from": "cost", "transform": {"type": "price", "markup_percent": 50, "rounding": "1"}},
    }
    feed = make_feed(f"{http_server.base}/feed.json", "http", format="json", record_path="data.items", mapping=mapping)
    job = run(feed)
    assert job.status == JobStatus.SUCCEEDED, log_text(job)
    assert str(Product.objects.get(sku="J-1").price) == "15.00"


def test_upload_demo_feed_runs(settings):
    feed, created = seed_demo_feed()
    assert created
    assert feed.source_type == "upload"
    job = run(feed)
    assert job.status == JobStatus.SUCCEEDED, log_text(job)
    assert job.write_count == 8
    assert seed_demo_feed() == (feed, False)


def test_preview_maps_the_first_20_rows(ftp_server, feed_dir):
    lines = SAMPLE.read_text().splitlines()
    body = [lines[0]] + [lines[1].replace("HP-CF410A", f"SKU-{i}") for i in range(30)]
    (feed_dir / "products_big.csv").write_text("\n".join(body))
    preview = feed_preview(feed=make_feed(ftp_server))
    assert len(preview["rows"]) == 20
    assert preview["rows"][0]["sku"] == "SKU-0"
    assert preview["rows"][0]["price"] == "107.99"
    assert "MfgPartNo" in preview["their_columns"]
    assert Product.objects.count() == 0


# --- bad input: each a clear message and a failed job with its log, nothing imported ---


def assert_failed(job, words):
    assert job.status == JobStatus.FAILED
    assert words in job.error, job.error
    assert words in log_text(job)
    assert Product.objects.count() == 0
    assert not FeedFile.objects.exists()


def test_private_host_refused_unless_allowed(settings, ftp_server, feed_dir):
    shutil.copy(SAMPLE, feed_dir / "products_1.csv")
    feed = make_feed(ftp_server)
    settings.FEED_ALLOW_PRIVATE_HOSTS = False
    assert_failed(run(feed), "private or local address")
    with pytest.raises(ApplicationError, match="FEED_ALLOW_PRIVATE_HOSTS"):
        feed_preview(feed=feed)


def test_wrong_ftp_credentials(ftp_server, feed_dir):
    shutil.copy(SAMPLE, feed_dir / "products_1.csv")
    feed = make_feed(ftp_server, password="wrong")
    assert_failed(run(feed), f"FTP login refused for user '{FEED_USER}'")


def test_wrong_sftp_credentials(sftp_server, feed_dir):
    shutil.copy(SAMPLE, feed_dir / "products_1.csv")
    assert_failed(run(make_feed(sftp_server, "sftp", password="wrong")), "SFTP login refused")


def test_file_not_in_the_declared_format(ftp_server, feed_dir):
    (feed_dir / "products_1.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    assert_failed(run(make_feed(ftp_server)), "is not a CSV file: it looks like a ZIP archive")
    (feed_dir / "products_1.csv").write_text("<html><body>Login</body></html>")
    assert_failed(run(make_feed(ftp_server, name="x", format="xlsx")), "is not an XLSX workbook")


def test_mapping_to_unknown_column_refused_on_save_and_at_run(ftp_server, feed_dir):
    with pytest.raises(ApplicationError, match="'colour' is not an import column"):
        make_feed(ftp_server, mapping={"sku": {"from": "MfgPartNo"}, "colour": {"from": "Color"}})
    assert not Feed.objects.exists()
    shutil.copy(SAMPLE, feed_dir / "products_1.csv")
    feed = make_feed(ftp_server, mapping={"sku": {"from": "MfgPartNo"}, "title": {"from": "Name"}})
    assert_failed(run(feed), "title: the file has no column 'Name'")
    Feed.objects.filter(pk=feed.pk).update(mapping={"sku": {"from": "MfgPartNo"}, "colour": {"from": "x"}})
    assert_failed(run(Feed.objects.get(pk=feed.pk)), "'colour' is not an import column")


def test_unparsable_cron_refused(ftp_server):
    with pytest.raises(ApplicationError, match="is not a cron expression"):
        make_feed(ftp_server, schedule="every day at 3")
    make_feed(ftp_server, schedule="0 3 * * *")


def test_two_gigabyte_file_refused_by_size_before_download(ftp_server, feed_dir, http_server):
    with (feed_dir / "products_huge.csv").open("wb") as fh:  # sparse: nothing is written to disk
        fh.truncate(2 * 1024**3)
    assert_failed(run(make_feed(ftp_server)), "refused before download")

    def endless():
        while True:
            yield b"x" * 65536

    http_server.routes["/huge.csv"] = (200, {"Content-Length": str(2 * 1024**3)}, endless())
    assert_failed(run(make_feed(f"{http_server.base}/huge.csv", "http", name="h")), "refused before download")


def test_stream_without_length_stops_at_the_cap(settings, http_server):
    settings.FEED_MAX_BYTES = 1024 * 1024

    def endless():
        while True:
            yield b"x" * 65536

    http_server.routes["/stream.csv"] = (200, {}, endless())
    assert_failed(run(make_feed(f"{http_server.base}/stream.csv", "http")), "larger than the 1 MB limit")


def test_reject_all_with_a_bad_row_imports_nothing(ftp_server, feed_dir):
    text = SAMPLE.read_text().replace("889894912510", "123")
    (feed_dir / "products_1.csv").write_text(text)
    job = run(make_feed(ftp_server))
    assert_failed(job, "nothing was imported")
    assert job.warning_count >= 1
    assert "barcode" in str(job.warnings)


def test_never_two_runs_of_one_feed_at_once(ftp_server):
    feed = make_feed(ftp_server)
    first = feed_run_start(feed=feed, inline=True)
    with pytest.raises(ApplicationError, match=f"already running \\({first.public_id}\\)"):
        feed_run_start(feed=feed, inline=True)


def test_upload_feed_without_file():
    feed = feed_save(data={"name": "u", "source_type": "upload", "mapping": DEMO_MAPPING})
    assert_failed(run(feed), "has no file yet")
    feed.upload.save("products.csv", ContentFile(SAMPLE.read_bytes()))
    assert run(feed).status == JobStatus.SUCCEEDED


def test_each_active_scheduled_feed_gets_a_cron_schedule_kept_in_step_on_save(django_capture_on_commit_callbacks):
    from django_q.models import Schedule

    from operations.services.feeds import feed_delete, feed_run_scheduled

    with django_capture_on_commit_callbacks(execute=True):
        feed = make_feed("ftp://ftp.example.com/in/", schedule="0 3 * * *")
        make_feed("ftp://ftp.example.com/in/", name="unscheduled")
    schedule = Schedule.objects.get(name=f"operations.feed.{feed.pk}")
    assert (schedule.schedule_type, schedule.cron) == (Schedule.CRON, "0 3 * * *")
    assert schedule.func == "operations.tasks.feed_run_scheduled_task"
    assert Schedule.objects.filter(name__startswith="operations.feed.").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        feed = feed_save(feed=feed, data={"schedule": "30 4 * * 1"})
    assert Schedule.objects.get(name=f"operations.feed.{feed.pk}").cron == "30 4 * * 1"

    # the scheduled task starts a run, and skips while one is queued or running
    first = feed_run_scheduled(feed_id=feed.pk)
    assert first is not None
    assert feed_run_scheduled(feed_id=feed.pk) is None

    with django_capture_on_commit_callbacks(execute=True):
        feed_save(feed=feed, data={"is_active": False})
    assert not Schedule.objects.filter(name__startswith="operations.feed.").exists()
    with django_capture_on_commit_callbacks(execute=True):
        feed_delete(feed=feed)
    assert not Feed.objects.filter(pk=feed.pk).exists()


def test_stop_request_is_honoured_between_files(ftp_server, feed_dir, monkeypatch):
    from django.utils import timezone

    from operations.models import Job
    from operations.services import feeds as feeds_service
    from operations.services import jobs as jobs_service

    monkeypatch.setattr(jobs_service, "STOP_CHECK_SECONDS", 0)
    shutil.copy(SAMPLE, feed_dir / "products_1.csv")
    shutil.copy(SAMPLE, feed_dir / "products_2.csv")
    real_fetch = feeds_service.fetch

    def fetch_then_stop(*args, **kwargs):  # somebody presses Stop while the files download
        files = real_fetch(*args, **kwargs)
        Job.objects.filter(type="feed_run").update(stop_requested_at=timezone.now())
        return files

    monkeypatch.setattr(feeds_service, "fetch", fetch_then_stop)
    job = run(make_feed(ftp_server))
    assert job.status == JobStatus.CANCELLED
    assert Product.objects.count() == 0
    assert "Stopped on request." in log_text(job)


def test_seed_demo_feeds_command_creates_and_runs_the_demo_feed():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo_feeds", "--run", stdout=out)
    assert "demo feed: Etilize demo feed (created)" in out.getvalue()
    assert "succeeded: read=8 written=8 skipped=0" in out.getvalue()
    assert Product.objects.filter(sku="BRO-TN760").exists()


# --- SFTP key login (docs/operations.md#sftp-keys) ---


def test_sftp_feed_logs_in_with_a_private_key_stored_encrypted(sftp_server, feed_dir):
    from .conftest import FEED_KEY_TEXT

    shutil.copy(SAMPLE, feed_dir / "products_1.csv")
    feed = make_feed(sftp_server, "sftp", password="")
    feed = feed_save(feed=feed, data={}, private_key=FEED_KEY_TEXT)
    assert feed.has_private_key
    assert not feed.has_password
    assert "PRIVATE KEY" not in feed.private_key_encrypted

    job = run(feed)

    assert job.status == JobStatus.SUCCEEDED, log_text(job)
    assert job.write_count == 8
    # None keeps the stored key; "" removes it, and then the server refuses the login
    assert feed_save(feed=feed, data={"is_active": True}).has_private_key
    cleared = feed_save(feed=feed, data={}, private_key="")
    assert not cleared.has_private_key
    refused = run(cleared)
    assert refused.status == JobStatus.FAILED
    assert "SFTP login refused for user 'etilize'." in log_text(refused)


def test_a_passphrase_protected_key_uses_the_password_as_its_passphrase(sftp_server, feed_dir):
    from .conftest import FEED_KEY_PASSPHRASE, FEED_KEY_PROTECTED

    shutil.copy(SAMPLE, feed_dir / "products_1.csv")
    feed = make_feed(sftp_server, "sftp", password=FEED_KEY_PASSPHRASE)
    feed = feed_save(feed=feed, data={}, private_key=FEED_KEY_PROTECTED)
    assert run(feed).status == JobStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("source_type", "key", "password", "message"),
    [
        (
            "sftp",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64\n",
            "",
            "private_key: The private key cannot be read",
        ),
        ("sftp", "protected", "", "private_key: The private key is protected by a passphrase"),
        ("sftp", "protected", "wrong passphrase", "private_key: The private key is protected by a passphrase"),
        ("ftp", "plain", "", "private_key: only SFTP feeds log in with a private key"),
    ],
)
def test_a_bad_private_key_is_refused_naming_the_field_and_nothing_is_saved(source_type, key, password, message):
    from .conftest import FEED_KEY_PROTECTED, FEED_KEY_TEXT

    text = {"protected": FEED_KEY_PROTECTED, "plain": FEED_KEY_TEXT}.get(key, key)
    data = {
        "name": "keyed",
        "source_type": source_type,
        "url": f"{source_type}://127.0.0.1:2222/incoming",
        "username": FEED_USER,
        "format": "csv",
        "mapping": DEMO_MAPPING,
    }
    with pytest.raises(ApplicationError) as refused:
        feed_save(data=data, password=password, private_key=text)
    assert str(refused.value.message).startswith(message)
    assert not Feed.objects.filter(name="keyed").exists()


def test_feed_api_and_page_take_the_key_write_only(admin_api, staff_client, sftp_server):
    from .conftest import FEED_KEY_TEXT

    body = {
        "name": "api keyed",
        "source_type": "sftp",
        "url": sftp_server,
        "username": FEED_USER,
        "format": "csv",
        "mapping": DEMO_MAPPING,
        "private_key": FEED_KEY_TEXT,
    }
    created = admin_api.post("/api/v1/feeds/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["has_private_key"] is True
    assert "private_key" not in created.json()
    bad = admin_api.patch(f"/api/v1/feeds/{created.json()['id']}/", {"private_key": "nonsense"}, format="json")
    assert bad.status_code == 400
    assert "private_key: The private key cannot be read" in bad.content.decode()

    page = staff_client.get(f"/operations/feeds/{created.json()['id']}/").content.decode()
    assert "A private key is stored (encrypted)" in page
    assert "PRIVATE KEY" not in page


def test_stop_request_is_honoured_inside_one_import_batch(monkeypatch):
    # given an upload feed of 2,500 rows (three chunks), and its run asked to stop while the commit writes the
    # first chunk (the chunk publishes its quantities in its own transaction)
    from django.utils import timezone

    from catalog.events import STOCK_QUANTITIES_IMPORTED
    from catalog.models import ImportBatch, ImportBatchStatus
    from common import events
    from operations.models import Job
    from operations.services import jobs as jobs_service

    monkeypatch.setattr(jobs_service, "STOP_CHECK_SECONDS", 0)
    lines = ["Part,Name,Cost,Stock"] + [f"F-{i:05d},Item {i},9.50,{i % 4 + 1}" for i in range(2500)]
    mapping = {
        "sku": {"from": "Part"},
        "title": {"from": "Name"},
        "price": {"from": "Cost"},
        "currency": {"transform": {"type": "constant", "value": "USD"}},
        "quantity": {"from": "Stock"},
    }
    feed = feed_save(
        data={"name": "big", "source_type": "upload", "format": "csv", "mapping": mapping, "on_error": "skip-rows"},
        upload=ContentFile("\n".join(lines).encode(), name="big.csv"),
    )

    def press_stop(**payload):
        Job.objects.filter(type="feed_run", stop_requested_at=None).update(stop_requested_at=timezone.now())

    monkeypatch.setitem(events._handlers, STOCK_QUANTITIES_IMPORTED, [*events.subscribers(STOCK_QUANTITIES_IMPORTED)])
    events.subscribe(STOCK_QUANTITIES_IMPORTED, press_stop)

    # when the feed runs
    job = run(feed)

    # then the batch stopped at the second chunk: the first chunk's rows stay, counted; the file is not recorded
    assert job.status == JobStatus.CANCELLED, log_text(job)
    assert Product.objects.count() == 1000
    assert (job.read_count, job.write_count) == (1000, 1000)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatchStatus.COMMITTED
    assert batch.message.startswith(f"Stopped at row 1,002 ({job.public_id} was asked to stop): 1,000 of 2,500 rows")
    assert f"big.csv: import-{batch.pk}: Stopped at row 1,002" in log_text(job)
    assert "Stopped on request." in log_text(job)
    assert not FeedFile.objects.filter(feed=feed).exists()  # the next run imports the file again

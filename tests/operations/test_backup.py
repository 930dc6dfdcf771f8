"""Backups: written as a job with SHA-256 and schema version (SQLite online backup, pg_dump on PostgreSQL),
retention, the restore dry run (checksum, readable file, schema version) and `manage.py restore`."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_q.models import Schedule

from catalog.models import Product
from common.schedules import schedules_sync
from operations.choices import JobStatus, JobType
from operations.models import Backup, Job
from operations.services import backups as backups_service
from operations.services import jobs as jobs_service
from operations.services.backups import PG_CLIENT_MISSING, backup_run_now, manifest_path
from operations.services.runners import job_execute
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)  # a backup inside an open test transaction waits for its lock


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(jobs_service, "enqueue", lambda func, *args, **kw: calls.append(args))
    return calls


def backup_file() -> Path:
    job = backup_run_now()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return Path(job.result["path"])


def test_backup_records_size_checksum_and_schema_version_and_writes_a_manifest(backup_dir):
    path = backup_file()
    backup = Backup.objects.get()
    assert path.parent == backup_dir.resolve()
    assert path.suffix == (".sqlite3" if connection.vendor == "sqlite" else ".dump")
    assert (backup.path, backup.size_bytes, backup.vendor) == (str(path), path.stat().st_size, connection.vendor)
    assert backup.sha256 == backups_service.file_sha256(path)
    assert backup.schema_version == backups_service.schema_version(backups_service.applied_migrations())
    manifest = json.loads(manifest_path(path).read_text())
    assert (manifest["sha256"], manifest["schema_version"]) == (backup.sha256, backup.schema_version)
    assert backup.job.type == JobType.BACKUP


@pytest.mark.slow
def test_backup_and_restore_round_trip(tmp_path):
    # given a product in a backup
    ProductFactory(sku="KEEP-1")
    target = tmp_path / "one.bak"
    out = io.StringIO()
    call_command("backup", str(target), stdout=out)
    assert "backup written to" in out.getvalue()
    # when a later product is added and the backup is restored
    ProductFactory(sku="LOSE-1")
    out = io.StringIO()
    call_command("restore", str(target), "--yes", stdout=out)
    # then the dry run ran first and the database is as it was at backup time
    assert "can be restored: checksum and schema version match" in out.getvalue()
    assert list(Product.objects.values_list("sku", flat=True)) == ["KEEP-1"]


def test_restore_refuses_a_file_whose_checksum_does_not_match(tmp_path):
    path = backup_file()
    ProductFactory(sku="STAYS")
    with path.open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(CommandError, match=r"restore refused \(job-\d+\): Checksum mismatch for"):
        call_command("restore", str(path), "--yes", stdout=io.StringIO())
    # a failed job with its log, and nothing restored
    check = Job.objects.filter(type=JobType.RESTORE_CHECK).get()
    assert check.status == JobStatus.FAILED
    assert "The file is damaged or was changed; it will not be restored." in check.error
    assert check.log_lines.filter(level=40, message__startswith="Checksum mismatch").exists()
    assert Product.objects.filter(sku="STAYS").exists()


def test_restore_refuses_a_file_without_a_recorded_checksum(tmp_path):
    stray = tmp_path / "stray.sqlite3"
    stray.write_bytes(b"x" * 100)
    with pytest.raises(CommandError, match="No checksum is recorded for stray.sqlite3"):
        call_command("restore", str(stray), "--dry-run", stdout=io.StringIO())
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "missing.dump"), "--dry-run", stdout=io.StringIO())


def _with_manifest(path: Path, **changes) -> None:
    manifest = {
        "sha256": backups_service.file_sha256(path),
        "vendor": connection.vendor,
        "migrations": backups_service.applied_migrations(),
    } | changes
    manifest_path(path).write_text(json.dumps(manifest))


def test_restore_refuses_a_backup_from_a_newer_version(tmp_path):
    path = backup_file()
    copy = tmp_path / "copy.bak"
    copy.write_bytes(path.read_bytes())
    _with_manifest(copy, migrations=[*backups_service.applied_migrations(), "catalog.9999_from_the_future"])
    with pytest.raises(CommandError, match="comes from a newer version of the app: 1 of its migrations"):
        call_command("restore", str(copy), "--dry-run", stdout=io.StringIO())


def test_an_older_backup_passes_the_dry_run_with_a_warning(tmp_path):
    path = backup_file()
    copy = tmp_path / "copy.bak"
    copy.write_bytes(path.read_bytes())
    _with_manifest(copy, migrations=[m for m in backups_service.applied_migrations() if m != "operations.0003_backups"])
    out = io.StringIO()
    call_command("restore", str(copy), "--dry-run", stdout=out)
    assert "dry run passed" in out.getvalue()
    check = Job.objects.filter(type=JobType.RESTORE_CHECK).get()
    assert check.status == JobStatus.COMPLETED_WITH_WARNINGS
    assert check.warnings[0]["item"] == ["operations.0003_backups"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite file check")
@pytest.mark.parametrize(
    ("content_case", "message"),
    [("garbage", "is not a SQLite database"), ("foreign", "no django_migrations table")],
)
def test_restore_refuses_files_that_are_not_our_database(tmp_path, content_case, message):
    import sqlite3

    source = tmp_path / "bad.sqlite3"
    if content_case == "garbage":
        source.write_bytes(b"this is not sqlite at all" * 100)
    else:
        with sqlite3.connect(source) as db:
            db.execute("CREATE TABLE other (id integer)")
        db.close()
    _with_manifest(source)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(source), "--yes", stdout=io.StringIO())


def test_retention_keeps_the_newest_backups(settings):
    settings.BACKUP_KEEP = 2
    paths = [backup_file() for _ in range(3)]
    assert list(Backup.objects.order_by("created_at").values_list("path", flat=True)) == [str(p) for p in paths[1:]]
    assert not paths[0].exists()
    assert not manifest_path(paths[0]).exists()
    assert paths[2].exists()


def test_backup_refuses_to_overwrite(tmp_path):
    target = tmp_path / "exists.bak"
    target.write_bytes(b"old")
    with pytest.raises(CommandError, match="already exists; choose another file name"):
        call_command("backup", str(target), stdout=io.StringIO())
    assert target.read_bytes() == b"old"
    assert Backup.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump is the PostgreSQL path")
def test_missing_pg_dump_fails_the_job_with_a_clear_message(monkeypatch, backup_dir):
    monkeypatch.setattr(backups_service.shutil, "which", lambda name: None)
    job = backup_run_now()
    assert (job.status, job.error) == (JobStatus.FAILED, PG_CLIENT_MISSING)
    assert Backup.objects.count() == 0
    assert not backup_dir.exists() or list(backup_dir.iterdir()) == []


def test_backup_api_lists_starts_and_checks(admin_api, viewer_api, queued):
    backup = Backup.objects.get(path=str(backup_file()))
    rows = admin_api.get("/api/v1/backups/").json()["results"]
    assert [(r["id"], r["size_bytes"], r["sha256"], r["is_present"]) for r in rows] == [
        (backup.pk, backup.size_bytes, backup.sha256, True)
    ]
    started = admin_api.post("/api/v1/backups/")
    assert (started.status_code, started.json()["type"], started.json()["status"]) == (202, "backup", "queued")
    check = admin_api.post(f"/api/v1/backups/{backup.pk}/check/")
    assert (check.status_code, check.json()["type"]) == (202, "restore_check")
    job = job_execute(job_id=int(check.json()["id"].removeprefix("job-")))
    assert job.status == JobStatus.SUCCEEDED
    assert viewer_api.get("/api/v1/backups/").status_code == 403
    assert viewer_api.post("/api/v1/backups/").status_code == 403
    assert len(queued) == 2


def test_backup_page_lists_and_queues(staff_client, editor_client, queued):
    backup_file()
    page = staff_client.get("/operations/backups/")
    assert page.status_code == 200
    assert Backup.objects.get().sha256[:16] in page.content.decode()
    response = staff_client.post("/operations/backups/new/")
    job = Job.objects.filter(type=JobType.BACKUP, status=JobStatus.QUEUED).get()
    assert response["Location"] == f"/operations/jobs/job-{job.pk}/"
    assert editor_client.get("/operations/backups/").status_code == 403


def test_backup_schedule_follows_the_interval_setting(settings):
    settings.BACKUP_INTERVAL_MINUTES = 60
    schedules_sync()
    assert Schedule.objects.get(name="operations.backup").minutes == 60
    settings.BACKUP_INTERVAL_MINUTES = 0
    schedules_sync()
    assert not Schedule.objects.filter(name="operations.backup").exists()

"""Supplier feeds: save a feed, preview its mapping, start a run, and the run itself as a `feed_run` job
(docs/operations.md#supplier-feeds).

A run downloads the feed's files, skips those whose SHA-256 was already imported, maps each to our import columns
and hands it to the import engine as a CSV: dry run, then commit, with the services the upload page and
`manage.py import_products` use. Never two runs of one feed at once: a run is refused while another `feed_run`
job of the feed is queued or running (checked with the feed row locked).
"""

import hashlib
import io
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from catalog.importing.services import import_batch_commit, import_batch_create, import_batch_validate
from catalog.importing.stopping import StopCheck, batch_stopped
from catalog.models import ImportBatch, ImportBatchStatus, ImportErrorPolicy
from channels.crypto import credentials_decrypt, credentials_encrypt
from common.actors import Actor
from common.errors import ApplicationError
from common.schedules import schedules_sync
from operations.choices import ACTIVE_JOB_STATUSES, FeedSourceType, JobType, LogLevel
from operations.feeds.mapping import MappingError, cron_check, map_row, mapping_check
from operations.feeds.parsing import FormatError, parse_feed, rows_to_csv
from operations.feeds.transport import Fetched, Source, TransportError, fetch, sftp_key_check
from operations.models import Feed, FeedFile, Job
from operations.services.jobs import JobRun, JobStopped, job_create

PREVIEW_ROWS = 20
URL_SCHEMES = {
    FeedSourceType.FTP: ("ftp",),
    FeedSourceType.SFTP: ("sftp",),
    FeedSourceType.HTTP: ("http", "https"),
}
EDITABLE_FIELDS = (
    "name",
    "source_type",
    "url",
    "username",
    "path_pattern",
    "format",
    "record_path",
    "mapping",
    "on_error",
    "schedule",
    "is_active",
)


def feed_check(feed: Feed) -> None:
    """Everything a feed must satisfy before it is saved; ApplicationError naming the field otherwise."""
    try:
        cron_check(feed.schedule)
        mapping_check(feed.mapping)
    except MappingError as exc:
        raise ApplicationError(str(exc)) from None
    schemes = URL_SCHEMES.get(FeedSourceType(feed.source_type), ())
    if schemes and urlsplit(feed.url).scheme not in schemes:
        starts = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ApplicationError(f"A {FeedSourceType(feed.source_type).label} feed needs a URL starting with {starts}.")
    if schemes and not urlsplit(feed.url).hostname:
        raise ApplicationError(f"The URL '{feed.url}' has no host.")
    if feed.format in ("xml",) and not feed.record_path.strip():
        raise ApplicationError("An XML feed needs a record path, e.g. products/product.")
    try:
        feed.full_clean(exclude=["password_encrypted"])
    except ValidationError as exc:
        raise ApplicationError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None


def feed_save(
    *,
    feed: Feed | None = None,
    data: dict[str, Any],
    password: str | None = None,
    private_key: str | None = None,
    upload: File | None = None,
    user: Actor = None,
) -> Feed:
    """Create or update a feed (page, API and admin). `password` and `private_key` (SFTP key login): None keeps
    the stored one, "" clears it. A key must be readable, with the password as its passphrase if it has one."""
    feed = feed or Feed()
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(feed, name, data[name])
    if password is not None:
        feed.password_encrypted = credentials_encrypt({"password": password} if password else {})
    if private_key is not None:
        feed.private_key_encrypted = credentials_encrypt({"private_key": private_key}) if private_key else ""
    _key_check(feed)
    if upload is not None:
        feed.upload.save(Path(upload.name or "feed").name, upload, save=False)
    feed_check(feed)
    with transaction.atomic():
        feed.save()
        transaction.on_commit(schedules_sync)
    return feed


def _secret(ciphertext: str, name: str) -> str:
    return str(credentials_decrypt(ciphertext).get(name, "")) if ciphertext else ""


def _key_check(feed: Feed, password: str | None = None, private_key: str | None = None) -> None:
    """An SFTP feed's private key must be readable; any other kind of feed has none (docs/operations.md#sftp-keys)."""
    key = private_key if private_key else _secret(feed.private_key_encrypted, "private_key")
    if not key:
        return
    if feed.source_type != FeedSourceType.SFTP:
        raise ApplicationError("private_key: only SFTP feeds log in with a private key; clear it or choose SFTP.")
    problem = sftp_key_check(key, password if password else _secret(feed.password_encrypted, "password"))
    if problem:
        raise ApplicationError(f"private_key: {problem}")


def feed_delete(*, feed: Feed, user: Actor = None) -> None:
    with transaction.atomic():
        feed.delete()
        transaction.on_commit(schedules_sync)


def _source(feed: Feed, password: str | None = None, upload_path: str = "", private_key: str | None = None) -> Source:
    return Source(
        source_type=feed.source_type,
        url=feed.url,
        username=feed.username,
        password=password if password else credentials_decrypt(feed.password_encrypted).get("password", ""),
        pattern=feed.path_pattern,
        upload_path=upload_path or (feed.upload.path if feed.upload and feed.pk else ""),
        max_bytes=settings.FEED_MAX_BYTES,
        allow_private=settings.FEED_ALLOW_PRIVATE_HOSTS,
        private_key=private_key if private_key else _secret(feed.private_key_encrypted, "private_key"),
    )


def feed_preview(
    *, feed: Feed, password: str | None = None, upload: File | None = None, private_key: str | None = None
) -> dict[str, Any]:
    """The first PREVIEW_ROWS rows of the feed's first file, as the supplier wrote them and as the mapping makes
    them. The feed may be unsaved: the edit page previews what is being typed, with the password and file typed
    in (or else the stored ones). Nothing is saved."""
    feed_check(feed)
    _key_check(feed, password, private_key)
    with tempfile.TemporaryDirectory(prefix="feed-preview-") as folder:
        upload_path = ""
        if upload is not None:
            target = Path(folder) / "upload"
            target.mkdir()
            upload_path = str(target / Path(upload.name or "feed").name)
            with open(upload_path, "wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
        try:
            files = fetch(_source(feed, password, upload_path, private_key), Path(folder))
            if not files:
                raise ApplicationError(f"No file matches '{feed.path_pattern or '*'}' at the feed's source.")
            columns, rows = parse_feed(files[0].path, feed.format, feed.record_path, limit=PREVIEW_ROWS)
            mapping_check(feed.mapping, columns)
        except (TransportError, FormatError, MappingError) as exc:
            raise ApplicationError(str(exc)) from None
    mapped = [map_row(feed.mapping, row) for row in rows]
    return {
        "file": files[0].name,
        "their_columns": columns,
        "source_rows": rows,
        "columns": list(feed.mapping),
        "rows": [row for row, _ in mapped],
        "problems": [{"row": i + 1, "problems": p} for i, (_, p) in enumerate(mapped) if p],
    }


def _active_run(feed: Feed, exclude: int | None = None) -> Job | None:
    runs = Job.objects.filter(type=JobType.FEED_RUN, parameters__feed=feed.pk, status__in=ACTIVE_JOB_STATUSES)
    return runs.exclude(pk=exclude).order_by("pk").first() if exclude else runs.order_by("pk").first()


def feed_run_start(*, feed: Feed, user: Actor = None, inline: bool = False, priority: int | None = None) -> Job:
    """Queue a run of the feed; refused while another run of it is queued or running (the lock)."""
    with transaction.atomic():
        feed = Feed.objects.select_for_update().get(pk=feed.pk)
        running = _active_run(feed)
        if running is not None:
            raise ApplicationError(
                f"Feed '{feed.name}' is already running ({running.public_id}); a new run can start when it ends."
            )
        return job_create(
            type=JobType.FEED_RUN,
            parameters={"feed": feed.pk, "name": feed.name},
            user=user,
            inline=inline,
            priority=priority,
        )


def feed_run_scheduled(*, feed_id: int) -> Job | None:
    """The cron schedule's entry: start a run of an active feed, or skip it while one is still going."""
    feed = Feed.objects.filter(pk=feed_id, is_active=True).first()
    if feed is None:
        return None
    try:
        return feed_run_start(feed=feed)
    except ApplicationError:
        return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def feed_runner(run: JobRun) -> dict[str, Any]:
    """The `feed_run` job: download, skip unchanged files, map, dry run, commit."""
    feed = Feed.objects.filter(pk=run.job.parameters.get("feed")).first()
    if feed is None:
        raise ApplicationError("The feed of this run has been deleted.")
    other = _active_run(feed, exclude=run.job.pk)
    if other is not None and other.pk < run.job.pk:
        raise ApplicationError(f"Feed '{feed.name}' is already running ({other.public_id}); this run did nothing.")
    try:
        mapping_check(feed.mapping)
    except MappingError as exc:
        raise ApplicationError(f"The feed's mapping is wrong: {exc}") from None
    result: dict[str, Any] = {"feed": feed.pk, "files": [], "unchanged_files": [], "imports": []}
    with tempfile.TemporaryDirectory(prefix=f"feed-{feed.pk}-") as folder:
        run.stage(f"Downloading from {feed.get_source_type_display()}")
        try:
            files = fetch(_source(feed), Path(folder))
        except TransportError as exc:
            raise ApplicationError(str(exc)) from None
        if not files:
            run.log(f"No file matches '{feed.path_pattern or '*'}'; nothing to import.", LogLevel.WARNING)
            return result
        run.log(f"Downloaded {len(files)} file(s): {', '.join(f'{f.name} ({f.size} bytes)' for f in files)}.")
        run.stage("Importing", total=len(files))
        for fetched in files:
            run.check_stop()
            _run_file(run, feed, fetched, result)
            run.advance(1)
    return result


def _run_file(run: JobRun, feed: Feed, fetched: Fetched, result: dict[str, Any]) -> None:
    sha256 = _sha256(fetched.path)
    if FeedFile.objects.filter(feed=feed, sha256=sha256).exists():
        run.log(f"{fetched.name}: unchanged (this file was already imported), skipped.")
        run.advance(0, skipped=1)
        result["unchanged_files"].append(fetched.name)
        return
    try:
        columns, rows = parse_feed(fetched.path, feed.format, feed.record_path)
        mapping_check(feed.mapping, columns)
    except (FormatError, MappingError) as exc:
        raise ApplicationError(f"{fetched.name}: {exc}") from None
    run.log(f"{fetched.name}: {len(rows)} row(s) read in {feed.get_format_display()}.")
    mapped = []
    for number, row in enumerate(rows, start=2):
        ours, problems = map_row(feed.mapping, row)
        for problem in problems:
            run.warn(f"{fetched.name} row {number}: {problem}", item={"file": fetched.name, "row": number})
        mapped.append(ours)
    user = run.job.created_by
    batch = import_batch_create(
        upload=io.BytesIO(rows_to_csv(list(feed.mapping), mapped)),
        filename=f"{Path(fetched.name).stem}.csv",
        on_error=feed.on_error,
        user=user,
        start=False,
    )
    result["imports"].append(batch.pk)
    run.log(f"{fetched.name}: import-{batch.pk} created; dry run.")
    if batch.status == ImportBatchStatus.REFUSED:
        raise ApplicationError(f"{fetched.name}: the import refused the mapped file: {batch.message}")
    batch = import_batch_validate(batch=batch, user=user, stop_check=_stop_check(run))
    _stop_if_stopped(run, batch, fetched.name)
    _check_batch(run, batch, fetched.name, committed=False)
    run.check_stop()
    run.log(f"{fetched.name}: dry run {_counts(batch)}; importing.")
    batch = import_batch_commit(batch=batch, user=user, stop_check=_stop_check(run))
    _stop_if_stopped(run, batch, fetched.name)
    _check_batch(run, batch, fetched.name, committed=True)
    run.advance(
        0,
        read=batch.processed_rows,
        written=batch.created_count + batch.updated_count,
        skipped=batch.unchanged_count,
    )
    run.log(f"{fetched.name}: imported, {_counts(batch)}.")
    FeedFile.objects.create(
        feed=feed, name=fetched.name, sha256=sha256, size_bytes=fetched.size, job=run.job, import_batch_id=batch.pk
    )
    result["files"].append({"name": fetched.name, "sha256": sha256, "import": batch.pk, "counts": _counts(batch)})


def _stop_check(run: JobRun) -> StopCheck:
    """The import engine asks this before each chunk: the run's stop request stops the batch there too."""
    return lambda: f"{run.job.public_id} was asked to stop" if run.stop_requested() else ""


def _stop_if_stopped(run: JobRun, batch: ImportBatch, name: str) -> None:
    """A batch stopped between chunks (this run's stop, or a stop on the import itself) ends the run cancelled.
    What its commit wrote stays and is counted; the file's checksum is not recorded, so the next run imports it
    again."""
    if not batch_stopped(batch):
        return
    if batch.status == ImportBatchStatus.COMMITTED:
        written = batch.created_count + batch.updated_count
        run.advance(0, read=batch.processed_rows, written=written, skipped=batch.unchanged_count)
    run.log(f"{name}: import-{batch.pk}: {batch.message}", LogLevel.WARNING)
    raise JobStopped


def _counts(batch: ImportBatch) -> str:
    return (
        f"created {batch.created_count}, updated {batch.updated_count}, "
        f"unchanged {batch.unchanged_count}, errors {batch.error_count}"
    )


def _check_batch(run: JobRun, batch: ImportBatch, name: str, *, committed: bool) -> None:
    """Row errors become the job's warnings (with the row); under reject-all any error ends the run before
    the commit, so nothing of the file is imported."""
    expected = ImportBatchStatus.COMMITTED if committed else ImportBatchStatus.VALIDATED
    if committed or batch.on_error == ImportErrorPolicy.REJECT_ALL:
        for error in batch.first_errors:
            run.warn(
                f"{name} row {error.get('row')} {error.get('column')}: {error.get('message')}",
                item={"file": name, **error},
            )
    if batch.status != expected:
        raise ApplicationError(f"{name}: the import ended {batch.get_status_display().lower()}: {batch.message}")
    if not committed and batch.on_error == ImportErrorPolicy.REJECT_ALL and batch.error_count:
        raise ApplicationError(
            f"{name}: {batch.error_count} row(s) failed the dry run and the feed rejects the whole file on error; "
            "nothing was imported."
        )


def feed_runs(*, feed: Feed | None = None, limit: int = 20) -> list[Job]:
    """The newest runs (of one feed), for the run history."""
    runs = Job.objects.filter(type=JobType.FEED_RUN)
    if feed is not None:
        runs = runs.filter(parameters__feed=feed.pk)
    return list(runs.order_by("-created_at", "-id")[:limit])

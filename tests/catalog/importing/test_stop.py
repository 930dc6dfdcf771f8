"""A stop request honoured between the chunks of one import batch (docs/operations.md#jobs): the chunks committed
before it stay, the batch says where it stopped, and the Jobs page and API show it cancelled."""

import re

import pytest
from django.db import connection
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from catalog.events import STOCK_QUANTITIES_IMPORTED
from catalog.importing.services import (
    import_batch_commit,
    import_batch_confirm,
    import_batch_create,
    import_batch_stop,
    import_batch_undo,
    import_batch_validate,
    import_file,
)
from catalog.importing.stopping import stop_check_for
from catalog.importing.writer import ChunkWriter
from catalog.models import ImportBatch, ImportBatchStatus, Product
from common import events
from common.errors import ApplicationError

from .conftest import product_rows, write_csv

pytestmark = pytest.mark.django_db
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"


def run_queue(limit: int = 20) -> list[str]:
    """Run the queued tasks in this process, oldest first (the queue run inline); their names."""
    ran = []
    while (row := OrmQ.objects.order_by("id").first()) is not None:
        assert len(ran) < limit, f"the queue did not drain: {ran}"
        task = SignedPackage.loads(row.payload)
        row.delete()
        task["func"](*task["args"], **task["kwargs"])
        ran.append(task["func"].__name__)
    return ran


def upload(path, user, **kwargs):
    with path.open("rb") as fh:
        return import_batch_create(upload=fh, filename=path.name, user=user, **kwargs)


def skus() -> list[str]:
    return list(Product.objects.order_by("sku").values_list("sku", flat=True))


def test_a_commit_stopped_from_the_jobs_api_after_its_first_chunk_keeps_only_that_chunk(
    tmp_path, api, api_user, monkeypatch
):
    # given a 2,500-row file (chunks of 1,000 rows) uploaded, its dry run run by the queue, and confirmed
    batch = upload(write_csv(tmp_path / "big.csv", product_rows(2500)), api_user)
    assert run_queue() == ["import_batch_validate_task"]
    batch = import_batch_confirm(batch=ImportBatch.objects.get(pk=batch.pk), user=api_user)
    # and somebody pressing Stop through the Jobs API while the first chunk is written (the chunk publishes its
    # quantities, in its own transaction)
    pressed = []

    def press_stop(*, batch, items):
        if not pressed:
            pressed.append(api.post(f"/api/v1/jobs/import-{batch.pk}/stop/"))

    monkeypatch.setitem(events._handlers, STOCK_QUANTITIES_IMPORTED, [*events.subscribers(STOCK_QUANTITIES_IMPORTED)])
    events.subscribe(STOCK_QUANTITIES_IMPORTED, press_stop)

    # when the queue runs the commit
    assert run_queue() == ["import_batch_commit_task"]

    # then the stop was accepted while it ran, and the import stopped before the second chunk
    assert (pressed[0].status_code, pressed[0].json()["status"], pressed[0].json()["can_stop"]) == (
        200,
        "running",
        True,
    )
    assert re.fullmatch(
        f"Stop requested by api-editor at {WHEN}; it stops at the next chunk boundary.",
        pressed[0].json()["log"][0]["message"],
    )
    batch.refresh_from_db()
    assert skus() == [f"P-{i:06d}" for i in range(1000)]
    assert (batch.status, batch.processed_rows, batch.created_count, batch.total_rows) == (
        ImportBatchStatus.COMMITTED,
        1000,
        1000,
        2500,
    )
    assert re.fullmatch(
        rf"Stopped at row 1,002 \(stop requested by api-editor at {WHEN}\): 1,000 of 2,500 rows done, 1,000 "
        r"written \(1,000 created, 0 updated\), 0 unchanged, 0 failed\. The 1,500 rows not reached were not "
        r"imported; what was written stays \(undo this batch to remove it\)\.",
        batch.message,
    )
    assert batch.created_product_ids  # what the first chunk created can be undone
    # and the Jobs API shows it cancelled, its log saying where it stopped
    job = api.get(f"/api/v1/jobs/import-{batch.pk}/").json()
    assert (job["status"], job["write_count"], job["read_count"], job["can_stop"], job["error"]) == (
        "cancelled",
        1000,
        1000,
        False,
        "",
    )
    assert [line["message"] for line in job["log"]] == [batch.message]
    assert [j["id"] for j in api.get("/api/v1/jobs/?status=cancelled").json()["results"]] == [f"import-{batch.pk}"]
    assert api.get("/api/v1/jobs/?status=succeeded&source=import").json()["results"] == []

    # when the stopped batch is undone, then what it wrote is gone
    import_batch_undo(batch=batch, user=api_user)
    assert skus() == []


def test_a_dry_run_can_be_stopped_between_chunks_and_writes_nothing(tmp_path, admin_user):
    # given a 2,500-row file and a stop pressed (the service the Jobs page calls) once the first chunk is checked
    batch = upload(write_csv(tmp_path / "big.csv", product_rows(2500)), admin_user, start=False)
    boundaries = []

    def stop_after_first_chunk():
        boundaries.append(ImportBatch.objects.get(pk=batch.pk).processed_rows)
        if len(boundaries) == 2:
            import_batch_stop(batch=batch, user=admin_user)
        return ""

    # when the dry run runs
    batch = import_batch_validate(batch=batch, user=admin_user, stop_check=stop_after_first_chunk)

    # then it stopped at the second chunk's boundary: checked 1,000 rows, wrote nothing, cannot be confirmed
    assert boundaries == [0, 1000]
    assert (batch.status, batch.processed_rows, batch.created_count) == (ImportBatchStatus.FAILED, 1000, 1000)
    assert re.fullmatch(
        rf"Stopped at row 1,002 \(stop requested by boss at {WHEN}\): the dry run checked 1,000 of 2,500 rows "
        r"\(1,000 to create, 0 to update, 0 unchanged, 0 failed\); nothing was written\. Upload the file again to "
        r"check and import it\.",
        batch.message,
    )
    assert skus() == []
    with pytest.raises(ApplicationError, match="cannot be confirmed: it is failed"):
        import_batch_confirm(batch=batch, user=admin_user)
    assert OrmQ.objects.count() == 0


def test_stopping_a_finished_batch_is_refused_and_changes_nothing(tmp_path, admin_user):
    # given an import that has ended
    batch = import_file(path=write_csv(tmp_path / "small.csv", product_rows(3)), user=admin_user)
    assert batch.status == ImportBatchStatus.COMMITTED
    before = ImportBatch.objects.filter(pk=batch.pk).values().get()

    # when somebody asks it to stop, then it is refused with the reason
    with pytest.raises(ApplicationError) as refused:
        import_batch_stop(batch=batch, user=admin_user)
    assert refused.value.message == (
        f"import-{batch.pk} has already ended (imported); it cannot be stopped. Undo it on its page if needed."
    )
    assert ImportBatch.objects.filter(pk=batch.pk).values().get() == before
    assert OrmQ.objects.count() == 0


def test_an_undo_is_not_stopped_half_way(tmp_path, admin_user):
    batch = import_file(path=write_csv(tmp_path / "small.csv", product_rows(3)), user=admin_user)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatchStatus.UNDOING)
    with pytest.raises(ApplicationError, match=f"import-{batch.pk} is being undone; an undo is not stopped half-way"):
        import_batch_stop(batch=batch, user=admin_user)
    assert ImportBatch.objects.get(pk=batch.pk).message == ""


def test_a_stop_asked_after_the_last_chunk_boundary_is_noted_and_the_import_finishes(tmp_path, admin_user, monkeypatch):
    # given a one-chunk file, and a stop asked while its only chunk is written (no boundary is left after it)
    def press_stop(*, batch, items):
        import_batch_stop(batch=batch, user=admin_user)

    monkeypatch.setitem(events._handlers, STOCK_QUANTITIES_IMPORTED, [*events.subscribers(STOCK_QUANTITIES_IMPORTED)])
    events.subscribe(STOCK_QUANTITIES_IMPORTED, press_stop)

    # when it is imported
    batch = import_file(path=write_csv(tmp_path / "small.csv", product_rows(5)), user=admin_user)

    # then it finished, its log keeps the request, and nothing is left asking a later run to stop
    assert (batch.status, batch.created_count) == (ImportBatchStatus.COMMITTED, 5)
    assert re.fullmatch(
        rf"The import finished before it reached a stop point \(stop requested by boss at {WHEN}\)\.", batch.message
    )
    assert stop_check_for(batch.pk)() == ""
    assert len(skus()) == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor not in ("sqlite", "postgresql"), reason="the writer threads' databases")
def test_a_commit_through_the_writer_threads_stops_after_the_chunks_handed_over(tmp_path, admin_user, settings):
    # given the writer threads on (a commit outside any transaction), and a stop at the second chunk boundary
    settings.IMPORT_WRITERS = 2
    assert ChunkWriter.usable(commit=True)
    batch = upload(write_csv(tmp_path / "big.csv", product_rows(2500)), admin_user, start=False)
    boundaries = []

    def stop_at_second_boundary():
        boundaries.append(1)
        return "stop requested by the test" if len(boundaries) == 2 else ""

    # when it is committed
    batch = import_batch_commit(batch=batch, user=admin_user, stop_check=stop_at_second_boundary)

    # then the first chunk, written by a writer thread, was committed before the batch ended; nothing after it
    assert skus() == [f"P-{i:06d}" for i in range(1000)]
    assert (batch.status, batch.processed_rows, batch.created_count) == (ImportBatchStatus.COMMITTED, 1000, 1000)
    assert batch.message.startswith("Stopped at row 1,002 (stop requested by the test): 1,000 of 2,500 rows done")
    import_batch_undo(batch=batch, user=admin_user)
    assert skus() == []

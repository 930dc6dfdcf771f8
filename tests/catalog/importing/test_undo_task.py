"""Undo runs in a worker, chunk by chunk with progress, and resumes after a worker died half-way."""

from decimal import Decimal
from unittest.mock import patch

import pytest

from catalog.importing import services, tasks, undo
from catalog.importing.services import import_batch_undo_request, import_file
from catalog.importing.undo import import_batch_undo
from catalog.models import ImportBatch, ImportBatchStatus, Product
from catalog.services import product_create, product_update
from common.errors import ApplicationError

from .conftest import product_rows, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(tmp_path):
    """A batch that updated three catalog products and created two."""
    for i in range(3):
        product_create(sku=f"P-{i:06d}", title=f"Product {i}", price=Decimal("9.00"), brand="Acme")
    return import_file(path=write_xlsx(tmp_path / "u.xlsx", product_rows(5)))


def test_undo_request_queues_the_task_and_changes_nothing_else(committed):
    # when undo is asked for
    with patch("catalog.importing.services.enqueue") as enqueue:
        batch = import_batch_undo_request(batch=committed)

    # then the task is queued once, the batch is "undoing" with its total, and no product changed yet
    assert [c.args for c in enqueue.call_args_list] == [(tasks.import_batch_undo_task, batch.pk)]
    assert enqueue.call_args.kwargs == {"group": "imports", "task_name": f"import-{batch.pk}-undo"}
    batch.refresh_from_db()
    assert (batch.status, batch.progress_done, batch.progress_total, batch.is_running) == ("undoing", 0, 5, True)
    assert Product.objects.count() == 5
    assert set(Product.objects.values_list("price", flat=True)) == {Decimal("10.50")}


@pytest.mark.parametrize("status", ["validated", "undoing", "undone"])
def test_undo_request_of_a_batch_not_imported_is_refused_and_nothing_is_queued(committed, status):
    ImportBatch.objects.filter(pk=committed.pk).update(status=status)
    with patch("catalog.importing.services.enqueue") as enqueue, pytest.raises(ApplicationError, match="Only an"):
        import_batch_undo_request(batch=committed)
    assert enqueue.call_count == 0
    assert ImportBatch.objects.get().status == status


def test_undo_task_refuses_rows_changed_since_and_says_which(committed):
    # given one updated and one created product edited by hand after the import
    product_update(product=Product.objects.get(sku="P-000001"), title="Edited")
    product_update(product=Product.objects.get(sku="P-000004"), title="Edited too")
    with patch("catalog.importing.services.enqueue"):
        import_batch_undo_request(batch=committed)

    # when the worker runs
    tasks.import_batch_undo_task(committed.pk)

    # then the others are undone and the two are named with the reason
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatchStatus.UNDONE
    assert {r["sku"]: r["reason"] for r in batch.undo_report["refused"]} == {
        "P-000001": "changed since the import (version 3, the import left version 2)",
        "P-000004": "changed since the import (now version 2)",
    }
    report = {k: batch.undo_report[k] for k in ("restored", "deleted", "refused_count", "done", "total")}
    assert report == {"restored": 2, "deleted": 1, "refused_count": 2, "done": 5, "total": 5}
    assert sorted(Product.objects.values_list("sku", "title")) == [
        ("P-000000", "Product 0"),
        ("P-000001", "Edited"),
        ("P-000002", "Product 2"),
        ("P-000004", "Edited too"),
    ]
    assert "2 row(s) left as they are because they changed since the import" in batch.message


def test_undo_that_dies_half_way_keeps_its_progress_and_resumes(committed, monkeypatch):
    # given chunks of one row, and a worker that dies while restoring the second updated row
    monkeypatch.setattr(undo, "CHUNK_SIZE", 1)
    real = undo._undo_updates
    calls = {"n": 0}

    def dies_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(undo, "_undo_updates", dies_on_second)
    with patch("catalog.importing.services.enqueue"):
        import_batch_undo_request(batch=committed)
    with pytest.raises(RuntimeError):
        tasks.import_batch_undo_task(committed.pk)

    # then the first chunk is undone and recorded, the second rolled back, the batch still "undoing"
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.undo_report["done"], batch.undo_report["restored"]) == ("undoing", 1, 1)
    assert Product.objects.get(sku="P-000000").price == Decimal("9.00")
    assert Product.objects.get(sku="P-000001").price == Decimal("10.50")

    # when the task runs again (the queue re-delivers it)
    tasks.import_batch_undo_task(committed.pk)

    # then it resumes: every row is undone exactly once, none refused as "changed since"
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatchStatus.UNDONE
    counts = {k: batch.undo_report[k] for k in ("restored", "deleted", "refused_count", "done", "total")}
    assert counts == {"restored": 3, "deleted": 2, "refused_count": 0, "done": 5, "total": 5}
    assert "cursor" not in batch.undo_report
    assert list(Product.objects.order_by("sku").values_list("price", "version")) == [(Decimal("9.00"), 3)] * 3


def test_undo_task_delivered_again_after_the_undo_does_nothing(committed):
    # given an undone batch, and a product created since with an SKU the batch had created
    undone = import_batch_undo(batch=committed)
    product_create(sku="P-000004", title="New life", price=Decimal("1.00"))

    # when the task is delivered again
    tasks.import_batch_undo_task(committed.pk)

    # then nothing changes
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.undo_report, batch.message) == ("undone", undone.undo_report, undone.message)
    assert Product.objects.filter(sku="P-000004").exists()


def test_reject_all_commit_that_meets_a_bad_row_undoes_what_it_wrote(tmp_path, monkeypatch):
    # given a reject-all batch whose dry run passed, in chunks of one row
    monkeypatch.setattr("catalog.importing.engine.CHUNK_SIZE", 1)
    path = write_xlsx(tmp_path / "r.xlsx", [["sku", "title", "price"], ["R-1", "one", 1], ["R-2", "two", 2]])
    with path.open("rb") as fh:
        batch = services.import_batch_create(upload=fh, filename="r.xlsx", on_error="reject-all", start=False)
    batch = services.import_batch_validate(batch=batch)
    assert (batch.status, batch.created_count) == ("validated", 2)

    # and, before the commit, someone makes R-2 a variant of another product
    other = product_create(sku="OTHER", title="Other", price=Decimal("1.00"))
    from catalog.services import variant_create

    variant_create(product=other, sku="R-2", options={})

    # when the commit runs: R-1 is written, then R-2 fails
    batch = services.import_batch_commit(batch=batch)

    # then nothing of the file is kept, and the batch says so with its undo report
    assert batch.status == ImportBatchStatus.FAILED
    assert "nothing was kept" in batch.message
    assert not Product.objects.filter(sku="R-1").exists()
    stored = ImportBatch.objects.get(pk=batch.pk)
    assert (stored.status, stored.undo_report["deleted"], stored.undo_report["done"]) == ("failed", 1, 1)
    assert stored.first_errors[0]["column"] == "sku"

"""The PostgreSQL writer threads of an import commit (writer.ChunkWriter) and the COPY text they send."""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from psycopg.types.json import Jsonb

from accounts.models import AuditEntry
from catalog.choices import ProductStatus
from catalog.importing import engine, sql, writer, writes
from catalog.importing.services import import_batch_commit, import_batch_create, import_batch_undo, import_file
from catalog.models import ImportBatch, Product, Variant
from catalog.services import product_create
from common.copy import copy_text

from .conftest import write_xlsx

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer threads are PostgreSQL's")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        ("tab\there", "tab\\there"),
        ("line\nbreak\r", "line\\nbreak\\r"),
        ("back\\slash", "back\\\\slash"),
        (None, "\\N"),
        (True, "t"),
        (False, "f"),
        (7, "7"),
        (Decimal("12.50"), "12.50"),
        (ProductStatus.ACTIVE, "active"),
        (Jsonb({"a": "x\ty"}), '{"a": "x\\\\ty"}'),
        (datetime.datetime(2026, 12, 2, 7, 0, tzinfo=datetime.UTC), "2026-12-02T07:00:00+00:00"),
    ],
)
def test_copy_text_writes_each_value_as_postgresql_reads_it(value, text):
    assert copy_text(value) == text


def test_copy_text_refuses_a_value_it_has_no_form_for():
    with pytest.raises(TypeError, match="no COPY text form for object"):
        copy_text(object())


def _mixed_rows() -> list[list]:
    """40 updates and 20 unchanged rows of stored products, 150 new products, 30 variants, 3 failing rows."""
    rows = [["sku", "title", "price", "quantity", "parent_sku", "option1_name", "option1_value"]]
    rows += [[f"OLD-{i:03d}", f"Old {i}", "5.00", 100 + i if i < 40 else i, None, None, None] for i in range(60)]
    rows += [[f"NEW-{i:03d}", f"New {i}\twith a tab", "7.25", i, None, None, None] for i in range(150)]
    rows += [[f"NEW-{i:03d}-V", None, None, 1, f"NEW-{i:03d}", "Size", "M"] for i in range(130, 150)]  # last written
    rows += [[f"OLD-{i:03d}-V", None, None, 2, f"OLD-{i:03d}", "Size", "L"] for i in range(10)]
    rows += [["BAD-1", "No price", None, 1, None, None, None], ["BAD-2", "Bad", "abc", 1, None, None, None]]
    rows += [["BAD-3", None, None, 1, "NOWHERE", None, None]]
    return rows


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_commit_through_the_writer_threads_writes_what_the_single_connection_path_writes(
    tmp_path, monkeypatch, settings
):
    # given 60 stored products and a file mixing updates, unchanged rows, new products, variants and errors,
    # imported in chunks of 10 so most chunks go to the writers and some do not
    for i in range(60):
        product_create(sku=f"OLD-{i:03d}", title=f"Old {i}", price=Decimal("5.00"), quantity=i)
    monkeypatch.setattr(engine, "CHUNK_SIZE", 10)
    settings.IMPORT_WRITERS = 3
    written_by = set()
    original = writer.ChunkWriter._write

    def slow(self, chunk, progress, *staged):  # writers lagging behind the checks, as with a busy server
        written_by.add(threading.current_thread().name)
        time.sleep(0.05)
        return original(self, chunk, progress, *staged)

    monkeypatch.setattr(writer.ChunkWriter, "_write", slow)

    # when committed (valid rows imported, the failing ones reported)
    batch = import_file(path=write_xlsx(tmp_path / "mixed.xlsx", _mixed_rows()), on_error="skip-rows")

    # then the writer threads wrote chunks, and the result is every row's own
    assert len(written_by) >= 2
    assert all(name.startswith(f"import-{batch.pk}-writer-") for name in written_by)
    assert (batch.created_count, batch.updated_count, batch.unchanged_count, batch.error_count) == (180, 40, 20, 3)
    assert batch.status == "committed"
    assert batch.processed_rows == 243
    assert Product.objects.filter(sku__startswith="NEW-").count() == 150
    assert Product.objects.get(sku="NEW-007").title == "New 7\twith a tab"
    assert Product.objects.get(sku="OLD-003").quantity == 103
    assert Variant.objects.filter(product__sku__startswith="NEW-").count() == 20
    assert Variant.objects.filter(product__sku__startswith="OLD-").count() == 10
    # one creation entry per new product, and the batch's id ranges hold exactly the created rows
    new_ids = set(Product.objects.filter(sku__startswith="NEW-").values_list("id", flat=True))
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Product), action="create", object_id__in=map(str, new_ids)
    )
    assert entries.count() == 150
    in_ranges = {pk for first, last in batch.created_product_ids for pk in range(first, last + 1)}
    assert in_ranges == new_ids

    # and the whole batch undoes
    batch = import_batch_undo(batch=batch)
    assert not Product.objects.filter(sku__startswith="NEW-").exists()
    assert Product.objects.get(sku="OLD-003").quantity == 3


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_writer_that_fails_stops_the_import_and_the_batch_keeps_what_was_committed(tmp_path, monkeypatch, settings):
    # given a writer whose fourth insert fails
    monkeypatch.setattr(engine, "CHUNK_SIZE", 10)
    settings.IMPORT_WRITERS = 2
    calls = {"n": 0}
    original = sql.executemany_insert

    def failing(model, rows, **kwargs):
        if model is Product and rows:
            calls["n"] += 1
            if calls["n"] == 4:
                raise RuntimeError("the server went away")
        return original(model, rows, **kwargs)

    monkeypatch.setattr(writes, "executemany_insert", failing)
    rows = [["sku", "title", "price"]] + [[f"W-{i:03d}", f"W {i}", "3.00"] for i in range(100)]
    with write_xlsx(tmp_path / "w.xlsx", rows).open("rb") as fh:
        batch = import_batch_create(upload=fh, filename="w.xlsx", on_error="skip-rows", start=False)

    # when committed, the writer's error reaches the caller
    with pytest.raises(RuntimeError, match="the server went away"):
        import_batch_commit(batch=batch)

    # then no chunk after the failure was written, and the batch's id ranges hold exactly what was
    stored = set(Product.objects.filter(sku__startswith="W-").values_list("id", flat=True))
    assert 0 < len(stored) < 100
    assert len(stored) % 10 == 0
    saved = ImportBatch.objects.get(pk=batch.pk)
    assert {pk for first, last in saved.created_product_ids for pk in range(first, last + 1)} == stored


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_no_writer_thread_inside_an_outer_transaction_or_when_turned_off(tmp_path, settings):
    from django.db import transaction

    rows = [["sku", "title", "price"]] + [[f"T-{i:03d}", f"T {i}", "3.00"] for i in range(5)]
    assert writer.ChunkWriter.usable(True) is True
    assert writer.ChunkWriter.usable(False) is False  # a dry run writes nothing
    with transaction.atomic():
        assert writer.ChunkWriter.usable(True) is False
    settings.IMPORT_WRITERS = 0
    assert writer.ChunkWriter.usable(True) is False
    batch = import_file(path=write_xlsx(tmp_path / "t.xlsx", rows))
    assert batch.created_count == 5
    assert Product.objects.filter(sku__startswith="T-").count() == 5

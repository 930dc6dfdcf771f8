"""The import commit versions what it writes, set-wise, as one changeset that can be undone
(docs/catalog.md#versions)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.importing.services import import_file
from catalog.models import Product
from listings.choices import ChangesetKind
from listings.models import Changeset, ProductVersion
from listings.services import changeset_undo

from .conftest import product_rows, write_xlsx

pytestmark = pytest.mark.django_db


def test_import_commit_records_versions_in_its_changeset_and_undo_restores_them(tmp_path, admin_user):
    first = import_file(path=write_xlsx(tmp_path / "a.xlsx", product_rows(3)), user=admin_user)
    created = Changeset.objects.get(import_batch_id=first.pk)
    assert created.kind == ChangesetKind.IMPORT
    versions = ProductVersion.objects.filter(changeset=created)
    assert versions.count() == 3
    assert {(v.version_number, v.change_type, v.source) for v in versions} == {
        (1, "import", f"import batch #{first.pk}")
    }
    assert {v.created_by for v in versions} == {admin_user}

    # a second file changes two titles and leaves one as it is
    rows = product_rows(3)
    rows[1][1], rows[2][1] = "Renamed 0", "Renamed 1"
    second = import_file(path=write_xlsx(tmp_path / "b.xlsx", rows), user=admin_user)
    changed = Changeset.objects.get(import_batch_id=second.pk)
    assert sorted(ProductVersion.objects.filter(changeset=changed).values_list("snapshot__title", flat=True)) == [
        "Renamed 0",
        "Renamed 1",
    ]

    report = changeset_undo(changeset=changed, user=admin_user)

    assert (report.restored, report.conflicts) == (2, [])
    assert sorted(Product.objects.values_list("title", flat=True)) == ["Product 0", "Product 1", "Product 2"]
    # undoing the first import now: the two products changed since are conflicts; the third has nothing before
    # the changeset that created it, so it is skipped and named (the batch undo deletes created products)
    report = changeset_undo(changeset=created, user=admin_user)
    assert report.conflicts == [
        "P-000000: changed since (version 3, Rollback by boss)",
        "P-000001: changed since (version 3, Rollback by boss)",
    ]
    assert report.skipped == ["P-000002: created by this changeset (nothing before it)"]


def test_versions_of_a_chunk_are_written_in_multi_row_inserts(tmp_path):
    with CaptureQueriesContext(connection) as ctx:
        batch = import_file(path=write_xlsx(tmp_path / "v.xlsx", product_rows(600)))
    assert batch.created_count == 600
    inserts = [q for q in ctx.captured_queries if 'INSERT INTO "listings_productversion"' in q["sql"]]
    # one statement on PostgreSQL; SQLite's 999-variable limit splits it into ~99-row statements, never one per row
    assert 1 <= len(inserts) <= 7
    assert ProductVersion.objects.count() == 600

"""The undo of a 10,000-product content changeset, chunk by chunk with a fixed number of queries per chunk
(docs/catalog.md#versions)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.importing.services import import_file
from catalog.models import Product
from catalog.services import product_update
from listings.choices import ChangesetKind, ChangesetStatus
from listings.models import Changeset, Listing, ListingVersion, ProductVersion
from listings.services import listings_bulk_assign
from listings.services.content_undo import UNDO_CHUNK
from listings.tasks import changeset_undo_task
from syncing.services import changeset_revert
from tests.catalog.importing.conftest import product_rows, write_csv

pytestmark = pytest.mark.django_db

PRODUCTS = 10_000
LISTED = 2_000  # products also on a channel: the import versions their listings in the same changeset


@pytest.mark.slow
def test_undo_of_a_10k_product_import_puts_every_title_back_in_fixed_queries_per_chunk(
    tmp_path, make_channel, admin_user, monkeypatch
):
    # given 10,000 products, 2,000 of them listed, and an import that renamed every one of them
    import_file(path=write_csv(tmp_path / "create.csv", product_rows(PRODUCTS)), user=admin_user)
    shop = make_channel("shopify", name="Shop")
    listings_bulk_assign(products=Product.objects.order_by("pk")[:LISTED], channels=[shop], user=admin_user)
    renamed = product_rows(PRODUCTS)
    for row in renamed[1:]:
        row[1] = f"Renamed {row[0]}"
    batch = import_file(path=write_csv(tmp_path / "rename.csv", renamed), user=admin_user)
    changeset = Changeset.objects.get(import_batch_id=batch.pk)
    assert changeset.kind == ChangesetKind.IMPORT
    assert ProductVersion.objects.filter(changeset=changeset).count() == PRODUCTS
    assert ListingVersion.objects.filter(changeset=changeset).count() == LISTED
    edited = Product.objects.get(sku="P-000007")
    product_update(product=edited, user=admin_user, title="Edited by hand")  # changed since: left and named

    # when the changeset is reverted: queued as a job, which the worker runs
    queued = []
    monkeypatch.setattr("common.enqueue.enqueue", lambda func, *args, **kw: queued.append((func, args)))
    assert changeset_revert(changeset=changeset, user=admin_user).queued
    [(func, args)] = queued
    assert func is changeset_undo_task
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        func(*args)

    # then every title is back but the edited one, in a bounded number of queries per chunk
    changeset.refresh_from_db()
    assert (changeset.status, changeset.undo_total, changeset.undo_done) == (
        ChangesetStatus.UNDONE,
        PRODUCTS + LISTED,
        PRODUCTS + LISTED,
    )
    assert changeset.undo_report["restored"] == PRODUCTS - 1
    [conflict] = changeset.undo_report["conflicts"]
    assert conflict.startswith("P-000007: changed since (version 3, ")
    titles = dict(Product.objects.values_list("sku", "title"))
    expected = {f"P-{i:06d}": f"Product {i}" for i in range(PRODUCTS)} | {"P-000007": "Edited by hand"}
    assert titles == expected
    # each listing got a rollback version showing its product's old title again
    newest = {
        v.listing_id: v for v in ListingVersion.objects.filter(change_type="rollback").select_related("product_version")
    }
    listings = dict(Listing.objects.values_list("pk", "product__sku"))
    assert len(listings) == LISTED
    assert {pk: newest[pk].product_version.snapshot["title"] for pk in listings if pk in newest} == {
        pk: expected[sku] for pk, sku in listings.items() if sku != "P-000007"
    }
    chunks = -(-PRODUCTS // UNDO_CHUNK) + -(-LISTED // UNDO_CHUNK)
    # a product chunk: its versions, rows and categories read, one executemany UPDATE, readiness, push on change
    # and versions once each (about 30); a chunk of listings that only followed their product: 3. Per product
    # (product_update and a versions record each) it was over 15 queries a product: 150,000.
    assert len(captured) <= 40 * chunks + 40, f"{len(captured)} queries for {chunks} chunks"

from unittest import mock

import pytest

from accounts.models import AuditEntry
from catalog.choices import ProductStatus
from catalog.models import Product
from channels.models import Channel
from common.errors import ApplicationError
from listings.models import Changeset, Listing
from listings.services import assign, listing_create, listings_bulk_assign
from tests.fixtures.channels import bulk_products

pytestmark = pytest.mark.django_db


def _products(n, *, status=ProductStatus.ACTIVE, prefix="BULK"):
    return bulk_products(n, status=status, prefix=prefix)


@pytest.fixture
def six_channels(make_channel):
    return [make_channel(m) for m in ("shopify", "lazada", "shopee", "tiktok", "etsy", "amazon")]


def test_assigns_every_pair_and_records_the_actor(make_channel, admin_user):
    # given
    products = _products(5)
    channels = [make_channel("shopify"), make_channel("etsy")]
    # when
    counts = listings_bulk_assign(products=products, channels=channels, user=admin_user)
    # then
    assert counts == {
        "products": 5,
        "channels": 2,
        "created": 10,
        "skipped_existing": 0,
        "skipped_archived": 0,
        "skipped_missing": 0,
        "skipped": 0,
        "changeset": Changeset.objects.get(kind="bulk_assign").pk,  # its undo deletes the 10 drafts
    }
    assert Listing.objects.filter(status="draft", variant=None, created_by=admin_user).count() == 10


def test_existing_listings_are_skipped_and_a_rerun_creates_nothing(make_channel):
    products = _products(4)
    channel = make_channel("shopify")
    listing_create(product=products.first(), channel=channel)
    first = listings_bulk_assign(products=products, channels=[channel])
    again = listings_bulk_assign(products=products, channels=[channel])
    assert (first["created"], first["skipped_existing"]) == (3, 1)
    assert (again["created"], again["skipped_existing"], again["skipped"]) == (0, 4, 4)
    assert Listing.objects.count() == 4


def test_archived_and_missing_products_are_skipped(make_channel):
    active = list(_products(3).values_list("pk", flat=True))
    archived = list(_products(2, status=ProductStatus.ARCHIVED, prefix="OLD").values_list("pk", flat=True))
    channels = [make_channel("shopify"), make_channel("lazada")]
    counts = listings_bulk_assign(products=[*active, *archived, 999_999], channels=[c.pk for c in channels])
    assert (counts["created"], counts["skipped_archived"], counts["skipped_missing"]) == (6, 4, 1)
    assert counts["products"] == 5
    assert not Listing.objects.filter(product_id__in=archived).exists()


def test_products_by_filter_and_by_sliced_selection(make_channel):
    _products(6)
    channel = make_channel("shopify")
    counts = listings_bulk_assign(products=Product.objects.order_by("sku")[:2], channels=[channel])
    assert counts["created"] == 2
    counts = listings_bulk_assign(
        products=Product.objects.filter(sku__in=["BULK-100004", "BULK-100005"]),
        channels=Channel.objects.filter(pk=channel.pk),
    )
    assert counts["created"] == 2
    assert set(Listing.objects.values_list("product__sku", flat=True)) == {
        "BULK-100000",
        "BULK-100001",
        "BULK-100004",
        "BULK-100005",
    }


def test_unknown_channel_is_refused_before_any_write():
    products = _products(2)
    with pytest.raises(ApplicationError, match="Unknown channel id\\(s\\): 424242."):
        listings_bulk_assign(products=products, channels=[424242])
    assert not Listing.objects.exists()


def test_no_channel_is_refused():
    with pytest.raises(ApplicationError, match="Choose at least one channel"):
        listings_bulk_assign(products=_products(1), channels=[])


def test_chunks_are_processed_one_transaction_each(make_channel, monkeypatch):
    # given: tiny chunks so 7 products make 3 chunks
    monkeypatch.setattr(assign, "ASSIGN_CHUNK", 3)
    products = _products(7)
    channel = make_channel("shopify")
    # when
    counts = listings_bulk_assign(products=products, channels=[channel])
    # then
    assert (counts["products"], counts["created"]) == (7, 7)
    assert Listing.objects.count() == 7


@pytest.mark.slow
def test_ten_thousand_products_on_six_channels_with_a_query_guard(six_channels, django_assert_max_num_queries):
    # given
    products = _products(10_000)
    listing_create(product=products.order_by("pk").first(), channel=six_channels[0])
    chunks = 10_000 // assign.ASSIGN_CHUNK
    # per chunk: read ids + statuses, one INSERT ... SELECT, one INSERT ... SELECT of the audit entries,
    # savepoint + release; then the last (empty) read and the content type lookup. The new listings' readiness
    # is left to one queued task per channel (6,000 new listings per chunk is above ASSIGN_SYNC_READINESS_MAX), and
    # their first price points to two queued recordings per chunk (5,000 ids each, docs/pricing.md#who-records);
    # the chunk's new listings are recorded in the assignment's changeset (one INSERT per chunk), which is opened
    # once, in a few statements (docs/catalog.md#undoing-publishes-and-assignments). Measured: 88 for 10 chunks.
    budget = chunks * 8 + 8
    # when
    with django_assert_max_num_queries(budget), mock.patch("listings.services.assign.enqueue") as enqueue:
        counts = listings_bulk_assign(products=products, channels=six_channels)
    # then
    assert AuditEntry.objects.filter(content_type__model="listing", action="create").count() == 60_000
    assert counts["created"] == 59_999
    assert counts["skipped_existing"] == 1
    assert Listing.objects.count() == 60_000
    assert Listing.objects.filter(channel=six_channels[5]).count() == 10_000
    assert [call.args[1] for call in enqueue.call_args_list] == [c.pk for c in six_channels]


def test_a_chunk_of_only_archived_products_writes_nothing(make_channel):
    products = _products(2, status=ProductStatus.ARCHIVED)
    counts = listings_bulk_assign(products=products, channels=[make_channel("shopify")])
    assert (counts["created"], counts["skipped_archived"], counts["skipped"]) == (0, 2, 2)
    assert not Listing.objects.exists()


def test_bulk_assign_writes_one_audit_entry_per_new_listing(make_channel, admin_user):
    from accounts.audit import audit_actor

    # given
    products = _products(3)
    channel = make_channel("shopify", name="Audit Shop")
    listings_bulk_assign(products=products[:1], channels=[channel])  # the first one exists already
    # when
    with audit_actor("user", admin_user.username, user=admin_user):
        counts = listings_bulk_assign(products=products, channels=[channel], user=admin_user)
    # then
    entries = AuditEntry.objects.filter(content_type__model="listing", actor=admin_user)
    assert counts["created"] == entries.count() == 2
    for entry in entries:
        listing = Listing.objects.select_related("product").get(pk=int(entry.object_id))
        assert entry.action == "create"
        assert entry.actor_kind == "user"
        assert entry.object_repr == f"{listing.product.sku} on Audit Shop"
        assert entry.changes == {
            "product": [None, listing.product_id],
            "channel": [None, channel.pk],
            "status": [None, "draft"],
        }

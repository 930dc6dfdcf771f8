"""The stored readiness verdict: kept fresh by the services that change its inputs, rebuilt in chunks."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.services import image_delete, product_update, variant_create
from channels.services import category_mapping_delete, category_mapping_set, channel_update
from listings.models import Listing
from listings.readiness import listing_readiness
from listings.services import assign, listing_update, listings_bulk_assign, listings_readiness_refresh, verdicts
from listings.tasks import listings_readiness_refresh_task

pytestmark = pytest.mark.django_db


def _stored(listing):
    listing.refresh_from_db(fields=verdicts.READINESS_FIELDS)
    return listing.readiness_blocking, [issue["code"] for issue in listing.readiness_issues]


def _live(listing):
    fresh = Listing.objects.get(pk=listing.pk)
    issues = listing_readiness(fresh)
    return sum(1 for i in issues if i.is_blocking), [i.code for i in issues]


def test_a_new_listing_is_checked_when_created(ready_listing):
    assert _stored(ready_listing) == (0, [])
    assert ready_listing.readiness_checked_at is not None


def test_product_update_refreshes_its_listings(ready_listing):
    # when
    product_update(product=ready_listing.product, status="draft")
    # then
    assert _stored(ready_listing) == (1, ["product_not_active"])
    assert ready_listing.readiness_issues[0]["severity"] == "blocking"


def test_listing_override_refreshes_the_verdict(ready_listing):
    listing_update(listing=ready_listing, title="x" * 300)
    assert _stored(ready_listing) == (1, ["title_too_long"])
    listing_update(listing=ready_listing, title=None)
    assert _stored(ready_listing) == (0, [])


def test_image_delete_refreshes_the_verdict(ready_listing):
    image_delete(image=ready_listing.product.images.get())
    assert _stored(ready_listing) == _live(ready_listing)
    assert "too_few_images" in _stored(ready_listing)[1]


def test_variant_write_refreshes_the_verdict(ready_listing):
    product_update(product=ready_listing.product, quantity=0)
    assert _stored(ready_listing) == (0, ["out_of_stock"])
    variant_create(product=ready_listing.product, sku="VAR-1", options={"size": "M"}, quantity=3)
    assert _stored(ready_listing) == (0, [])


def test_stored_verdict_matches_the_live_one_after_a_full_refresh(make_listing, make_channel):
    # given: a ready listing with a wrong verdict written by hand, and an unmapped one
    channel = make_channel("etsy")
    ready = make_listing(channel=channel)
    unmapped = make_listing(channel=channel, map_category=False)
    Listing.objects.filter(pk=ready.pk).update(readiness_blocking=5, readiness_issues=[])
    # when
    checked = listings_readiness_refresh()
    # then
    assert checked == 2
    assert _stored(ready) == _live(ready) == (0, [])
    assert _stored(unmapped) == _live(unmapped)
    assert "category_not_mapped" in _stored(unmapped)[1]


def test_refresh_queries_are_constant_per_chunk(make_listing, make_channel, monkeypatch):
    # given: 9 listings over 3 channels, refreshed in chunks of 2 and of 4
    channels = [make_channel("shopify"), make_channel("lazada"), make_channel("etsy")]
    for index in range(9):
        make_listing(channel=channels[index % 3])

    def queries(chunk):
        monkeypatch.setattr(verdicts, "READINESS_CHUNK", chunk)
        with CaptureQueriesContext(connection) as ctx:
            assert listings_readiness_refresh() == 9
        return len(ctx.captured_queries)

    # when / then: 2 rule queries per channel + 5 per chunk (listings, products, images, variants, UPDATE) + the
    # last, empty read + the required metafield keys, read once (docs/catalog.md#metafields); category names are not
    # read, as no message needs one
    assert queries(2) == 2 * 3 + 5 * 5 + 1 + 1
    assert queries(4) == 2 * 3 + 5 * 3 + 1 + 1


def test_category_names_are_read_once_per_refresh_when_messages_need_them(make_listing, make_channel, monkeypatch):
    # given: 4 listings whose category is not mapped (the message names the category)
    channel = make_channel("shopify")
    for _ in range(4):
        make_listing(channel=channel, map_category=False)
    monkeypatch.setattr(verdicts, "READINESS_CHUNK", 2)
    # when
    with CaptureQueriesContext(connection) as ctx:
        assert listings_readiness_refresh() == 4
    # then: one more query than a refresh without such messages
    assert len(ctx.captured_queries) == 2 + 5 * 2 + 1 + 1 + 1  # + the required metafield keys, read once
    assert Listing.objects.first().readiness_issues[0]["message"].startswith("Category 'Listable category")


def test_refresh_scope_and_unchecked_only(make_listing, make_channel):
    first, second = make_listing(), make_listing()
    Listing.objects.filter(pk=second.pk).update(readiness_checked_at=None, readiness_blocking=None)
    assert listings_readiness_refresh(unchecked_only=True) == 1
    assert listings_readiness_refresh(product_ids=[first.product_id]) == 1
    assert listings_readiness_refresh(listing_ids=[]) == 0


def test_bulk_assign_checks_the_new_listings(make_channel, make_listable_product):
    channel = make_channel("shopify")
    products = [make_listable_product(), make_listable_product()]
    counts = listings_bulk_assign(products=products, channels=[channel])
    assert counts["created"] == 2
    listings = list(Listing.objects.filter(channel=channel))
    assert all(listing.readiness_checked_at is not None for listing in listings)
    assert {listing.readiness_blocking for listing in listings} == {1}  # categories not mapped on this channel


def test_a_large_bulk_assign_queues_the_checks_per_channel(make_channel, make_listable_product, monkeypatch):
    from listings.tasks import listings_readiness_check_new_task

    # given: a threshold below the assignment's size
    monkeypatch.setattr(assign, "ASSIGN_SYNC_READINESS_MAX", 1)
    channels = [make_channel("shopify"), make_channel("etsy")]
    products = [make_listable_product(), make_listable_product()]
    # when
    with mock.patch("listings.services.assign.enqueue") as enqueue:
        listings_bulk_assign(products=products, channels=channels)
    # then: nothing checked yet, one task per channel
    assert Listing.objects.filter(readiness_checked_at__isnull=True).count() == 4
    assert [(c.args[0], c.args[1]) for c in enqueue.call_args_list] == [
        (listings_readiness_check_new_task, channels[0].pk),
        (listings_readiness_check_new_task, channels[1].pk),
    ]
    # when: the tasks run
    for channel in channels:
        listings_readiness_check_new_task(channel.pk)
    # then
    assert set(Listing.objects.values_list("readiness_blocking", flat=True)) == {1}  # categories not mapped


# --- channel-wide changes: a background refresh through common's enqueue ---


@pytest.fixture
def enqueued():
    with mock.patch("listings.services.verdicts.enqueue") as patched:
        yield patched


def _queued_channels(enqueued):
    return [call.args[1] for call in enqueued.call_args_list if call.args[0] is listings_readiness_refresh_task]


def test_channel_rule_change_queues_a_refresh(ready_listing, enqueued):
    channel_update(channel=ready_listing.channel, title_max_length=10)
    assert _queued_channels(enqueued) == [ready_listing.channel_id]
    assert enqueued.call_args.kwargs["group"] == "readiness"


def test_a_rule_change_on_an_instance_changed_beforehand_queues_a_refresh(ready_listing, enqueued):
    # given: what Django Admin hands over (the form already put the new value on the instance)
    channel = ready_listing.channel
    channel.min_images = 3
    # when
    channel_update(channel=channel, min_images=3)
    # then
    assert _queued_channels(enqueued) == [channel.pk]


def test_admin_change_of_allowed_categories_queues_a_refresh(ready_listing, admin_client, enqueued):
    from django.urls import reverse

    channel = ready_listing.channel
    url = reverse("admin:channels_channel_change", args=[channel.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data |= {"allowed_categories": [ready_listing.product.category_id], "required_attributes": "[]"}
    for prefix in ("category_mappings", "attribute_mappings"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _queued_channels(enqueued) == [channel.pk]


def test_sync_bookkeeping_and_unchanged_rules_queue_nothing(ready_listing, enqueued):
    channel = ready_listing.channel
    channel_update(channel=channel, consecutive_failures=3, circuit_open_until=timezone.now())
    channel_update(channel=channel, title_max_length=channel.title_max_length, allowed_categories=[])
    assert _queued_channels(enqueued) == []


def test_allowed_categories_change_queues_a_refresh(ready_listing, enqueued):
    channel_update(channel=ready_listing.channel, allowed_categories=[ready_listing.product.category])
    assert _queued_channels(enqueued) == [ready_listing.channel_id]


def test_category_mapping_set_and_delete_queue_a_refresh(ready_listing, enqueued):
    channel, category = ready_listing.channel, ready_listing.product.category
    mapping = category_mapping_set(channel=channel, category=category, external_category_id="other")
    category_mapping_delete(mapping=mapping)
    assert _queued_channels(enqueued) == [channel.pk, channel.pk]
    assert [call.args[3] for call in enqueued.call_args_list] == [category.pk, category.pk]


def test_mapping_a_category_no_listed_product_is_in_queues_nothing(ready_listing, enqueued):
    from catalog.services import category_create

    other = category_create(name="Nobody listed here")
    category_mapping_set(channel=ready_listing.channel, category=other, external_category_id="9")
    assert _queued_channels(enqueued) == []


def test_a_category_move_queues_a_refresh_of_its_subtree(ready_listing, enqueued):
    from catalog.services import category_create, category_update

    parent = category_create(name="New parent")
    category_update(category=ready_listing.product.category, parent=parent)
    args = enqueued.call_args.args  # (task, channel id, requested at, category id)
    assert (args[0], args[1], args[3]) == (listings_readiness_refresh_task, None, ready_listing.product.category_id)


def test_a_channel_without_listings_queues_nothing(make_channel, listable_product, enqueued):
    channel = make_channel("shopify")
    category_mapping_set(channel=channel, category=listable_product.category, external_category_id="1")
    channel_update(channel=channel, title_max_length=10)
    assert _queued_channels(enqueued) == []


def test_the_task_refreshes_the_channel_and_skips_what_was_checked_since(make_listing, make_channel):
    # given: a mapping removed without a worker; the stored verdict is stale
    channel = make_channel("shopify")
    listing = make_listing(channel=channel)
    with mock.patch("listings.services.verdicts.enqueue"):
        category_mapping_delete(mapping=channel.category_mappings.get())
    assert _stored(listing) == (0, [])
    # when: a task requested before the last check has nothing to do
    listings_readiness_refresh_task(channel.pk, (timezone.now() - timedelta(hours=1)).isoformat())
    assert _stored(listing) == (0, [])
    # when: a task requested now refreshes it
    listings_readiness_refresh_task(channel.pk, (timezone.now() + timedelta(seconds=1)).isoformat())
    # then
    assert _stored(listing) == (1, ["category_not_mapped"])


def test_the_task_keeps_to_the_category_subtree(make_listing, make_channel):
    # given: two listings on one channel, in two categories, both stale
    channel = make_channel("shopify")
    first, second = make_listing(channel=channel), make_listing(channel=channel)
    Listing.objects.update(readiness_blocking=None, readiness_checked_at=None)
    # when
    listings_readiness_refresh_task(channel.pk, timezone.now().isoformat(), first.product.category_id)
    # then
    assert _stored(first) == (0, [])
    assert _stored(second)[0] is None


def test_the_task_of_a_deleted_channel_does_nothing(ready_listing):
    with CaptureQueriesContext(connection) as ctx:
        listings_readiness_refresh_task(999_999, timezone.now().isoformat())
    assert len(ctx.captured_queries) == 1
    assert _stored(ready_listing) == (0, [])


def test_refresh_readiness_command_rebuilds_every_verdict(make_listing):
    listing = make_listing()
    Listing.objects.update(readiness_blocking=None, readiness_issues=[], readiness_checked_at=None)
    out = io.StringIO()
    call_command("refresh_readiness", stdout=out)
    assert out.getvalue().strip() == "readiness: 1 listing(s) checked"
    assert _stored(listing) == (0, [])
    call_command("refresh_readiness", "--channel", str(listing.channel_id + 1), stdout=out)
    assert out.getvalue().strip().endswith("readiness: 0 listing(s) checked")


def test_seed_demo_ends_with_fresh_verdicts():
    # given: demo data whose verdicts were lost (e.g. seeded before verdicts were stored)
    call_command("seed_demo", products=12, no_images=True, stdout=io.StringIO())
    Listing.objects.update(readiness_blocking=None, readiness_issues=[], readiness_checked_at=None)
    # when: seeding again (nothing new to create)
    out = io.StringIO()
    call_command("seed_demo", products=12, no_images=True, stdout=out)
    # then: every demo listing has a verdict, and it is the live one
    listings = list(Listing.objects.all())
    assert listings
    assert f"readiness verdicts: {len(listings)} listing(s) checked" in out.getvalue()
    for listing in listings:
        assert _stored(listing) == _live(listing)


def test_import_commit_and_undo_refresh_the_listed_products(ready_listing, tmp_path):
    from catalog.importing.services import import_batch_undo, import_file
    from tests.catalog.importing.conftest import write_csv

    # given: a listed, ready product
    sku = ready_listing.product.sku
    rows = [["sku", "quantity", "status"], [sku, 0, "draft"]]
    # when: an import takes its stock to 0 and makes it a draft
    batch = import_file(path=write_csv(tmp_path / "t.csv", rows))
    # then
    assert batch.status == "committed"
    assert _stored(ready_listing) == (1, ["product_not_active", "out_of_stock"])
    # when: the import is undone
    import_batch_undo(batch=batch)
    # then
    assert _stored(ready_listing) == (0, [])

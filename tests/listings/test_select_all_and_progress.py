"""'Select all N matching this filter' on the product and listing lists, and the inline progress of the jobs a
publish starts (docs/pages.md#select-all-matching, #publish-progress)."""

from unittest import mock

import pytest
from django.urls import reverse

from accounts.models import UserProfile
from catalog.models import Product
from listings.models import Listing
from syncing.models import SyncJob
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db

PRODUCT_BULK = "/catalog/products/bulk/"
LISTING_BULK = "/listings/bulk/"
NO_ENQUEUE = "syncing.services.publish.push_chunks_enqueue"


def _flashes(response):
    return [str(m) for m in response.context["messages"]]


# --- products ---


def test_product_select_all_applies_to_every_match_not_only_the_checked(editor_client):
    matching = [ProductFactory(sku=f"SA-{i}") for i in range(3)]
    other = ProductFactory(sku="ZZ-1")

    response = editor_client.post(
        PRODUCT_BULK,
        {"action": "status_active", "ids": [matching[0].pk], "select_all": "1", "filters": "q=SA-&page=2"},
        follow=True,
    )

    statuses = dict(Product.objects.values_list("sku", "status"))
    assert statuses == {"SA-0": "active", "SA-1": "active", "SA-2": "active", "ZZ-1": "draft"}
    assert "Status set to Active on 3 product(s), 0 skipped." in _flashes(response)
    assert other.pk not in [p.pk for p in Product.objects.filter(status="active")]


def test_product_select_all_refuses_a_filter_naming_a_channel_the_user_may_not_use(
    editor_client, editor_user, make_channel
):
    mine, theirs = make_channel("shopify"), make_channel("etsy")
    UserProfile.objects.update_or_create(user=editor_user, defaults={"allowed_channel_ids": [mine.pk]})
    product = ProductFactory(sku="CH-1")

    response = editor_client.post(
        PRODUCT_BULK,
        {"action": "status_active", "select_all": "1", "filters": f"channel={theirs.pk}"},
        follow=True,
    )

    assert "These filters are not valid; filter the list again." in _flashes(response)
    product.refresh_from_db()
    assert product.status == "draft"


def test_product_select_all_status_change_over_the_cap_is_refused_whole(editor_client, settings):
    ProductFactory(sku="CAP-1")
    ProductFactory(sku="CAP-2")

    with mock.patch("catalog.views.BULK_MAX", 1):
        response = editor_client.post(
            PRODUCT_BULK, {"action": "status_active", "select_all": "1", "filters": "q=CAP"}, follow=True
        )

    assert any("2 products match" in line for line in _flashes(response))
    assert set(Product.objects.values_list("status", flat=True)) == {"draft"}


def test_product_list_renders_the_select_all_bar_with_the_filter(editor_client):
    for i in range(3):
        ProductFactory(sku=f"PG-{i}")

    page = editor_client.get("/catalog/products/?q=PG&per_page=25").content.decode()

    assert "data-select-all-bar" in page
    assert 'name="filters" value="q=PG&amp;per_page=25"' in page
    assert "js/select_all.js" in page


# --- listings ---


def test_listing_select_all_publishes_every_match_on_the_users_channels_only(
    editor_client, editor_user, make_listing, make_channel
):
    mine, theirs = make_channel("etsy"), make_channel("shopify")
    UserProfile.objects.update_or_create(user=editor_user, defaults={"allowed_channel_ids": [mine.pk]})
    drafts = [make_listing(channel=mine) for _ in range(3)]
    hidden = make_listing(channel=theirs)

    with mock.patch(NO_ENQUEUE):
        response = editor_client.post(
            LISTING_BULK,
            {"action": "publish", "ids": [drafts[0].pk], "select_all": "1", "filters": "status=draft"},
            follow=True,
        )

    job = SyncJob.objects.get()
    assert job.channel_id == mine.pk
    assert job.listing_ids == sorted(x.pk for x in drafts)
    assert hidden.pk not in job.listing_ids
    assert f'Publishing 3 listing(s) on {mine.name}: <a href="/sync/jobs/{job.pk}/">job #{job.pk}</a>, 0 skipped.' in (
        _flashes(response)
    )


def test_listing_select_all_with_another_channel_in_the_filter_changes_nothing(
    editor_client, editor_user, make_listing, make_channel
):
    mine, theirs = make_channel("etsy"), make_channel("shopify")
    UserProfile.objects.update_or_create(user=editor_user, defaults={"allowed_channel_ids": [mine.pk]})
    hidden = make_listing(channel=theirs)

    response = editor_client.post(
        LISTING_BULK, {"action": "paused", "select_all": "1", "filters": f"channel={theirs.pk}"}, follow=True
    )

    assert "These filters are not valid; filter the list again." in _flashes(response)
    assert Listing.objects.get(pk=hidden.pk).status == "draft"
    assert not SyncJob.objects.exists()


def test_listing_select_all_transition_says_moved_and_skipped(editor_client, make_listing, channel):
    listings = [make_listing(channel=channel) for _ in range(2)]
    Listing.objects.filter(pk=listings[1].pk).update(status="live", external_id="x-1")

    response = editor_client.post(LISTING_BULK, {"action": "paused", "select_all": "1", "filters": ""}, follow=True)

    flashes = _flashes(response)
    assert "1 listing(s) moved to Paused, 1 skipped (refused, below)." in flashes
    assert Listing.objects.get(pk=listings[0].pk).status == "paused"
    assert Listing.objects.get(pk=listings[1].pk).status == "live"


def test_listing_bulk_without_selection_or_select_all_says_so(editor_client, make_listing, channel):
    make_listing(channel=channel)

    response = editor_client.post(LISTING_BULK, {"action": "paused"}, follow=True)

    assert "Select at least one listing first." in _flashes(response)
    assert set(Listing.objects.values_list("status", flat=True)) == {"draft"}


# --- publish progress ---


def test_publish_shows_the_jobs_progress_once_with_a_link_and_a_disabled_button(editor_client, ready_listing):
    url = reverse("listings:listing_detail", kwargs={"pk": ready_listing.pk})

    with mock.patch(NO_ENQUEUE):
        editor_client.post(reverse("listings:listing_publish", kwargs={"pk": ready_listing.pk}))
    job = SyncJob.objects.get()
    first = editor_client.get(url).content.decode()
    again = editor_client.get(url).content.decode()

    assert f'data-poll-url="/sync/jobs/{job.pk}/progress/"' in first
    assert f'<a href="/sync/jobs/{job.pk}/" class="job-link">job #{job.pk}</a>' in first
    assert "data-job-button disabled" in first
    assert "js/job_watch.js" in first
    assert f'<a href="/sync/jobs/{job.pk}/">job #{job.pk}</a>' in first  # the flash links the job too
    assert "data-poll-url" not in again
    assert "data-job-button disabled" not in again


def test_progress_box_shows_no_job_of_a_channel_the_user_may_not_use(
    editor_client, editor_user, make_listing, make_channel
):
    theirs = make_channel("shopify")
    listing = make_listing(channel=theirs)
    job = SyncJob.objects.create(channel=theirs, kind="push", listing_ids=[listing.pk], total=1)
    session = editor_client.session
    session["watched_jobs"] = [job.pk]
    session.save()
    UserProfile.objects.update_or_create(user=editor_user, defaults={"allowed_channel_ids": [make_channel("etsy").pk]})

    page = editor_client.get("/listings/").content.decode()

    assert "data-poll-url" not in page


# --- product page: list on channels, publish everywhere ---


def test_list_on_channels_shows_readiness_per_channel_before_creating(editor_client, listable_product, make_channel):
    ready_here = make_channel("shopify")
    from channels.services import category_mapping_set

    category_mapping_set(channel=ready_here, category=listable_product.category, external_category_id="cat-1")
    unmapped = make_channel("etsy")

    page = editor_client.get(f"/catalog/products/{listable_product.pk}/list-on/")

    rows = {row["channel"].pk: row for row in page.context["rows"]}
    assert rows[ready_here.pk]["can_publish"] is True
    assert rows[unmapped.pk]["can_publish"] is False
    assert rows[unmapped.pk]["blocking"]
    assert not Listing.objects.exists()


def test_list_on_channels_creates_listings_and_publishes_the_ready_ones(editor_client, listable_product, make_channel):
    from channels.services import category_mapping_set

    ready_here = make_channel("shopify")
    category_mapping_set(channel=ready_here, category=listable_product.category, external_category_id="cat-1")
    unmapped = make_channel("etsy")

    with mock.patch(NO_ENQUEUE):
        response = editor_client.post(
            f"/catalog/products/{listable_product.pk}/list-on/",
            {"channels": [ready_here.pk, unmapped.pk], "publish": "on"},
            follow=True,
        )

    assert Listing.objects.filter(product=listable_product).count() == 2
    job = SyncJob.objects.get()
    assert job.channel_id == ready_here.pk
    flashes = _flashes(response)
    assert f"Listed {listable_product.sku} on 2 channel(s), 0 skipped (already listed)." in flashes
    assert f"1 skipped: not ready to publish ({unmapped.name}); fix them first." in flashes


def test_publish_everywhere_publishes_ready_listings_and_names_the_blocked(editor_client, make_listing, make_channel):
    ready = make_listing(channel=make_channel("shopify"))
    blocked = make_listing(product=ready.product, channel=make_channel("etsy"), map_category=False)

    with mock.patch(NO_ENQUEUE):
        response = editor_client.post(f"/catalog/products/{ready.product_id}/publish/", follow=True)

    assert SyncJob.objects.get().listing_ids == [ready.pk]
    assert any(blocked.channel.name in line and "not ready" in line for line in _flashes(response))
    assert "data-poll-url" in response.content.decode()


def test_publish_everywhere_is_refused_to_a_viewer(viewer_client, ready_listing):
    response = viewer_client.post(f"/catalog/products/{ready_listing.product_id}/publish/")

    assert response.status_code == 403
    assert not SyncJob.objects.exists()

"""Deactivation on the marketplace, end to end against the sandbox: the page's confirmation, the API, the product
page's "Delist everywhere" and archive; the status follows the marketplace's answer (docs/sync.md#deactivation)."""

import pytest
import requests
from django.urls import reverse

from catalog.models import Product
from catalog.services import product_archive
from common.errors import ApplicationError
from listings.choices import ListingStatus
from listings.models import Listing
from listings.state import listing_status_move
from syncing.models import SyncEvent, SyncJob
from syncing.services import listings_deactivate, listings_publish

from .conftest import run_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopify(make_sandbox_channel, settings):
    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1, 0.1)
    return make_sandbox_channel("shopify", name="Shopify US")


@pytest.fixture
def live_listing(shopify, make_listing, sandbox):
    """A listing published to the Shopify sandbox, live there."""
    listing = make_listing(channel=shopify)
    listings_publish(channel=shopify, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE, listing.last_error_message
    return listing


def _remote(sandbox, listing):
    return next((item for item in sandbox.items("shopify") if item["id"] == listing.external_id), None)


def test_delist_from_the_listing_page_asks_naming_the_marketplace_then_deactivates_it(
    staff_client, live_listing, sandbox
):
    url = reverse("listings:listing_deactivate", kwargs={"pk": live_listing.pk})
    # Given a live listing, when staff open "Deactivate on marketplace", the page names the channel and marketplace
    page = staff_client.get(url).content.decode()
    assert "Shopify US" in page
    assert "Yes, send it to Shopify" in page
    assert SyncJob.objects.filter(kind="deactivate").count() == 0  # asking sends nothing
    # When they confirm, a job is started and, until the marketplace answered, the status stays
    response = staff_client.post(url, {"mode": "delist"}, follow=True)
    assert "The status changes once Shopify has confirmed." in response.content.decode()
    assert Listing.objects.get(pk=live_listing.pk).status == ListingStatus.LIVE
    run_queue()
    # Then the item is inactive on Shopify (read over HTTP from the sandbox's /_control/items) and the listing is
    # delisted
    items = requests.get(f"{sandbox.base_url}/_control/items", params={"marketplace": "shopify"}, timeout=5).json()
    assert [i["status"] for i in items["items"] if i["id"] == live_listing.external_id] == ["ARCHIVED"]
    live_listing.refresh_from_db()
    assert live_listing.status == ListingStatus.DELISTED
    assert SyncEvent.objects.filter(listing=live_listing, operation="deactivate", outcome="succeeded").count() == 1


def test_pause_and_delete_follow_the_marketplace(live_listing, shopify, sandbox):
    listings_deactivate(channel=shopify, listing_ids=[live_listing.pk], mode="pause")
    run_queue()
    live_listing.refresh_from_db()
    assert (live_listing.status, _remote(sandbox, live_listing)["status"]) == (ListingStatus.PAUSED, "ARCHIVED")
    external_id = live_listing.external_id
    listings_deactivate(channel=shopify, listing_ids=[live_listing.pk], mode="delete")
    run_queue()
    live_listing.refresh_from_db()
    assert live_listing.status == ListingStatus.DELISTED
    assert live_listing.external_id == ""
    assert all(item["id"] != external_id for item in sandbox.items("shopify"))


def test_a_failed_deactivation_keeps_the_status_and_shows_why(live_listing, shopify, sandbox, settings):
    settings.SYNC_MAX_ATTEMPTS = 2
    sandbox.set_faults("shopify", status_5xx=503, times=20)
    listings_deactivate(channel=shopify, listing_ids=[live_listing.pk])
    run_queue()
    live_listing.refresh_from_db()
    assert live_listing.status == ListingStatus.LIVE
    assert "503" in live_listing.last_error_message
    assert _remote(sandbox, live_listing)["status"] == "ACTIVE"
    attempts = SyncEvent.objects.filter(listing=live_listing, operation="deactivate").count()
    assert attempts == 2  # gave up after SYNC_MAX_ATTEMPTS, as a push does


@pytest.mark.parametrize(
    "to_status", ["paused", "delisted", "publishing", "in_review", "suppressed", "queued"], ids=lambda s: f"{s}_case"
)
def test_statuses_that_state_the_marketplace_are_never_set_by_hand(live_listing, to_status):
    with pytest.raises(ApplicationError) as refused:
        listing_status_move(listing=live_listing, to_status=to_status)
    assert refused.value.extra["code"] in ("marketplace_status", "illegal_transition")
    assert Listing.objects.get(pk=live_listing.pk).status == ListingStatus.LIVE


def test_a_draft_without_external_id_may_still_be_parked_by_hand(make_listing, shopify):
    listing = make_listing(channel=shopify)
    assert listing_status_move(listing=listing, to_status="delisted").status == ListingStatus.DELISTED


def test_the_status_form_refuses_delisting_a_live_listing(staff_client, live_listing):
    url = reverse("listings:listing_transition", kwargs={"pk": live_listing.pk})
    response = staff_client.post(url, {"to_status": "delisted"}, follow=True)
    assert "Use &quot;Deactivate on marketplace&quot; instead." in response.content.decode()
    assert Listing.objects.get(pk=live_listing.pk).status == ListingStatus.LIVE


def test_api_deactivate_works_for_a_listing_delisted_by_hand_before_the_rule(api, live_listing, sandbox):
    # Given a live listing whose status was set to delisted by hand (before this rule): still for sale on Shopify
    Listing.objects.filter(pk=live_listing.pk).update(status=ListingStatus.DELISTED)
    response = api.post(f"/api/v1/listings/{live_listing.pk}/deactivate/", {}, format="json")
    assert response.status_code == 202, response.json()
    run_queue()
    assert _remote(sandbox, live_listing)["status"] == "ARCHIVED"


def test_api_deactivate_refuses_a_listing_on_no_marketplace(api, make_listing, shopify):
    listing = make_listing(channel=shopify)
    response = api.post(f"/api/v1/listings/{listing.pk}/deactivate/", {"mode": "pause"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_on_marketplace"
    assert SyncJob.objects.count() == 0


def test_bulk_deactivate_confirms_then_runs_per_channel(staff_client, live_listing, make_listing, shopify, sandbox):
    draft = make_listing(channel=shopify)
    data = {"action": "deactivate", "ids": [live_listing.pk, draft.pk], "next": "/listings/"}
    page = staff_client.post(reverse("listings:listing_bulk"), data).content.decode()
    assert "Shopify US" in page
    assert "1 selected listing is on no marketplace" in page
    assert not SyncJob.objects.filter(kind="deactivate").exists()
    staff_client.post(reverse("listings:listing_bulk"), {**data, "confirm": "yes", "mode": "delist"})
    run_queue()
    assert Listing.objects.get(pk=live_listing.pk).status == ListingStatus.DELISTED
    assert Listing.objects.get(pk=draft.pk).status == ListingStatus.DRAFT


def test_delist_everywhere_from_the_product_page(staff_client, live_listing, sandbox):
    url = reverse("listings:product_delist", kwargs={"product_pk": live_listing.product_id})
    assert "Shopify US" in staff_client.get(url).content.decode()
    staff_client.post(url, {"mode": "delist"})
    run_queue()
    assert _remote(sandbox, live_listing)["status"] == "ARCHIVED"
    assert Listing.objects.get(pk=live_listing.pk).status == ListingStatus.DELISTED


def test_archiving_a_live_product_is_refused_naming_the_channels(api, live_listing, sandbox):
    product = live_listing.product
    response = api.post(f"/api/v1/products/{product.pk}/archive/", {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "live_listings"
    assert "Shopify US" in body["detail"]
    assert body["channels"] == [{"id": live_listing.channel_id, "name": "Shopify US"}]
    assert Product.objects.get(pk=product.pk).status == "active"
    assert not SyncJob.objects.filter(kind="deactivate").exists()


def test_archiving_with_the_flag_deactivates_the_listings(api, live_listing, sandbox):
    product = live_listing.product
    response = api.post(f"/api/v1/products/{product.pk}/archive/", {"deactivate_listings": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "archived"
    run_queue()
    assert _remote(sandbox, live_listing)["status"] == "ARCHIVED"
    assert Listing.objects.get(pk=live_listing.pk).status == ListingStatus.DELISTED


def test_archive_page_warns_and_offers_to_deactivate(staff_client, live_listing, sandbox):
    url = reverse("catalog:product_archive", kwargs={"pk": live_listing.product_id})
    page = staff_client.get(url).content.decode()
    assert "is still on 1 marketplace channel" in page
    assert "Shopify US" in page
    refused = staff_client.post(url, {})
    assert refused.status_code == 409
    assert Product.objects.get(pk=live_listing.product_id).status == "active"
    staff_client.post(url, {"deactivate_listings": "on"})
    assert Product.objects.get(pk=live_listing.product_id).status == "archived"
    run_queue()
    assert Listing.objects.get(pk=live_listing.pk).status == ListingStatus.DELISTED


def test_archiving_a_product_on_no_marketplace_needs_no_flag(make_listing, shopify):
    listing = make_listing(channel=shopify)
    assert product_archive(product=listing.product).status == "archived"


def test_an_import_cannot_archive_a_product_still_on_a_marketplace(live_listing, make_listing, shopify, tmp_path):
    from catalog.importing.services import import_file
    from tests.catalog.importing.conftest import write_xlsx

    # Given a live product and one on no marketplace, when a file archives both
    idle = make_listing(channel=shopify).product
    rows = [["sku", "status"], [live_listing.product.sku, "archived"], [idle.sku, "archived"]]
    batch = import_file(path=write_xlsx(tmp_path / "archive.xlsx", rows), on_error="skip-rows")
    # Then the live one is refused, naming the channel, and the other is archived
    assert (batch.updated_count, batch.error_count) == (1, 1)
    assert Product.objects.get(pk=live_listing.product_id).status == "active"
    assert Product.objects.get(pk=idle.pk).status == "archived"
    assert "The product is on Shopify US: archiving it here would leave it for sale there." in str(batch.first_errors)


def test_admin_deactivate_action_confirms_naming_the_channel_then_runs(staff_client, live_listing, sandbox):
    url = reverse("admin:listings_listing_changelist")
    data = {"action": "deactivate_on_marketplace", "_selected_action": [live_listing.pk]}
    page = staff_client.post(url, data).content.decode()
    assert "<strong>Shopify US</strong>: 1 listing" in page
    assert not SyncJob.objects.filter(kind="deactivate").exists()
    response = staff_client.post(url, {**data, "confirm": "yes"}, follow=True)
    assert "Shopify US: deactivating as job #" in response.content.decode()
    run_queue()
    assert Listing.objects.get(pk=live_listing.pk).status == ListingStatus.DELISTED


def test_admin_refuses_to_delete_a_listing_the_marketplace_holds(staff_client, live_listing):
    url = reverse("admin:listings_listing_delete", args=[live_listing.pk])
    assert staff_client.get(url).status_code == 403
    assert Listing.objects.filter(pk=live_listing.pk).exists()


def test_the_event_list_hides_retry_on_work_a_later_attempt_did(staff_client, live_listing):
    from syncing.choices import SyncOutcome

    failed = SyncEvent.objects.create(
        channel_id=live_listing.channel_id, listing=live_listing, operation="update", outcome=SyncOutcome.FAILED
    )
    retry_url = reverse("syncing:event_retry", kwargs={"pk": failed.pk})
    assert retry_url in staff_client.get(reverse("syncing:event_list")).content.decode()
    SyncEvent.objects.create(
        channel_id=live_listing.channel_id, listing=live_listing, operation="update", outcome=SyncOutcome.SUCCEEDED
    )
    assert retry_url not in staff_client.get(reverse("syncing:event_list")).content.decode()
    listing_page = staff_client.get(reverse("listings:listing_detail", kwargs={"pk": live_listing.pk}))
    assert retry_url not in listing_page.content.decode()

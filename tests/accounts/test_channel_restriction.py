"""A user limited to some channels (UserProfile.allowed_channel_ids) sees and acts on those channels only:
staff pages, the API and the services that take channels from the caller."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.roles import CHANNEL_MANAGER, EDITOR
from accounts.services import user_channels_restrict
from listings.models import Listing
from listings.services import listing_create, listings_bulk_assign
from syncing.services import listings_publish
from syncing.services.jobs import sync_job_create
from tests.fixtures.pages import failed_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_channels(make_channel, make_listing, listable_product):
    """Channel A (allowed) and B (not), the same product listed on both, a job and a failed event on each."""
    allowed = make_channel("shopify", name="Allowed Shop")
    other = make_channel("etsy", name="Other Etsy")
    objects = {"allowed": allowed, "other": other}
    for key, channel in (("allowed", allowed), ("other", other)):
        listing = make_listing(product=listable_product, channel=channel)
        job = sync_job_create(channel=channel, kind="push", listing_ids=[listing.pk])
        event = failed_event(job, listing, f"refused on {channel.name}")
        objects[f"{key}_listing"], objects[f"{key}_job"], objects[f"{key}_event"] = listing, job, event
    objects["product"] = listable_product
    return objects


@pytest.fixture
def limited_editor(make_user, two_channels):
    user = make_user("limited-editor", EDITOR)
    user_channels_restrict(target=user, channel_ids=[two_channels["allowed"].pk])
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def limited_client(limited_editor):
    client = Client()
    client.force_login(limited_editor)
    return client


def _pages(objs, key):
    return [
        reverse("channels:channel_detail", kwargs={"pk": objs[key].pk}),
        reverse("listings:listing_detail", kwargs={"pk": objs[f"{key}_listing"].pk}),
        reverse("syncing:job_detail", kwargs={"pk": objs[f"{key}_job"].pk}),
        reverse("syncing:job_progress", kwargs={"pk": objs[f"{key}_job"].pk}),
    ]


def test_pages_of_another_channel_are_not_found_and_own_ones_open(limited_client, two_channels):
    for url in _pages(two_channels, "allowed"):
        assert limited_client.get(url).status_code == 200, url
    for url in _pages(two_channels, "other"):
        assert limited_client.get(url).status_code == 404, url


def test_lists_dashboard_and_matrix_show_only_allowed_channels(limited_client, two_channels, editor_client):
    pages = [
        reverse("channels:channel_list"),
        reverse("listings:listing_list"),
        reverse("listings:listing_matrix"),
        reverse("syncing:event_list"),
        reverse("dashboard"),
        reverse("catalog:product_detail", kwargs={"pk": two_channels["product"].pk}),
    ]
    for url in pages:
        limited = limited_client.get(url).content.decode()
        unrestricted = editor_client.get(url).content.decode()
        assert "Allowed Shop" in limited, url
        assert "Other Etsy" not in limited, url
        assert "Other Etsy" in unrestricted, url  # the same page shows both to an unrestricted editor


def test_writes_on_another_channel_are_refused(limited_client, two_channels):
    other_listing = two_channels["other_listing"]
    response = limited_client.post(reverse("listings:listing_publish", kwargs={"pk": other_listing.pk}))
    assert response.status_code == 404
    response = limited_client.post(
        reverse("syncing:event_retry", kwargs={"pk": two_channels["other_event"].pk}), follow=False
    )
    assert response.status_code == 404
    response = limited_client.post(
        reverse("listings:listing_bulk"), {"ids": [other_listing.pk], "action": "paused", "next": "/listings/"}
    )
    other_listing.refresh_from_db()
    assert other_listing.status != "paused"


def test_product_bulk_assign_offers_only_allowed_channels(limited_client, two_channels, make_listable_product):
    product = make_listable_product()
    response = limited_client.post(
        reverse("catalog:product_bulk"),
        {
            "ids": [product.pk],
            "action": "assign",
            "channels": [two_channels["other"].pk],
            "next": reverse("catalog:product_list"),
        },
        follow=True,
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Listing.objects.filter(product=product).exists()


def test_services_refuse_channels_outside_the_restriction(limited_editor, two_channels, make_listable_product):
    product = make_listable_product()
    with pytest.raises(PermissionDenied, match="Other Etsy"):
        listings_bulk_assign(products=[product.pk], channels=[two_channels["other"]], user=limited_editor)
    with pytest.raises(PermissionDenied, match="Other Etsy"):
        listing_create(product=product, channel=two_channels["other"], user=limited_editor)
    with pytest.raises(PermissionDenied):
        listings_publish(
            channel=two_channels["other"], listing_ids=[two_channels["other_listing"].pk], user=limited_editor
        )
    counts = listings_bulk_assign(products=[product.pk], channels=[two_channels["allowed"]], user=limited_editor)
    assert counts["created"] == 1
    # jobs and imports run as the system and are never restricted
    assert listings_bulk_assign(products=[product.pk], channels=[two_channels["other"]])["created"] == 1


def test_api_scopes_reads_and_refuses_writes(limited_editor, two_channels, token_client_for):
    api = token_client_for(limited_editor)
    listed = {row["id"] for row in api.get("/api/v1/listings/").json()["results"]}
    assert listed == {two_channels["allowed_listing"].pk}
    assert api.get(f"/api/v1/listings/{two_channels['other_listing'].pk}/").status_code == 404
    assert {row["name"] for row in api.get("/api/v1/channels/").json()["results"]} == {"Allowed Shop"}
    assert {row["channel"] for row in api.get("/api/v1/sync-jobs/").json()["results"]} == {two_channels["allowed"].pk}
    assert api.get(f"/api/v1/sync-events/{two_channels['other_event'].pk}/").status_code == 404
    response = api.post(
        "/api/v1/listings/assign/",
        {"products": [two_channels["product"].pk], "channels": [two_channels["other"].pk]},
        format="json",
    )
    assert response.status_code == 403
    assert "Other Etsy" in str(response.json())
    response = api.post(
        "/api/v1/listings/bulk-update/",
        {"policy": "skip_failed", "items": [{"id": two_channels["other_listing"].pk, "price": "1.00"}]},
        format="json",
    )
    assert response.json()["failed"] == 1
    assert Listing.objects.get(pk=two_channels["other_listing"].pk).price is None


def test_a_limited_channel_manager_cannot_add_channels(make_user, two_channels, token_client_for):
    manager = make_user("limited-manager", CHANNEL_MANAGER)
    user_channels_restrict(target=manager, channel_ids=[two_channels["allowed"].pk])
    client = Client()
    client.force_login(manager)
    response = client.get(reverse("channels:channel_create"))
    assert response.status_code == 403
    assert "an admin adds new channels" in response.content.decode()
    edit = client.get(reverse("channels:channel_update", kwargs={"pk": two_channels["other"].pk}))
    assert edit.status_code == 404
    assert client.get(reverse("channels:channel_update", kwargs={"pk": two_channels["allowed"].pk})).status_code == 200
    api = token_client_for(type(manager).objects.get(pk=manager.pk))
    response = api.post("/api/v1/channels/", {"name": "New", "marketplace": "shopify"}, format="json")
    assert response.status_code == 403
    assert "an admin adds new channels" in str(response.json())
    assert not type(two_channels["allowed"]).objects.filter(name="New").exists()


def test_audit_log_hides_entries_of_other_channels(limited_client, two_channels, editor_client):
    url = reverse("accounts:auditentry_list")
    limited = limited_client.get(url, {"model": "listing"}).content.decode()
    unrestricted = editor_client.get(url, {"model": "listing"}).content.decode()
    assert f"on {two_channels['allowed'].name}" in limited
    assert f"on {two_channels['other'].name}" not in limited
    assert f"on {two_channels['other'].name}" in unrestricted
    channels_page = limited_client.get(url, {"model": "channel"}).content.decode()
    assert "Allowed Shop" in channels_page
    assert "Other Etsy" not in channels_page

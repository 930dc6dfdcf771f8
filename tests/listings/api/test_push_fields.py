"""The listing resource tells the whole truth: effective values with their rules, changes not pushed, pending,
remote status and the marketplace's answer; `changed_since_push` and `status=suppressed` filter."""

from decimal import Decimal

from catalog.services import product_update
from channels.services import channel_update
from listings.models import Listing
from listings.selectors import listing_marketplace_payload_hash, listings_with_payload_inputs


def _live(listing, **fields):
    row = listings_with_payload_inputs(Listing.objects.filter(pk=listing.pk)).get()
    Listing.objects.filter(pk=listing.pk).update(
        status=fields.pop("status", "live"),
        external_id=f"EXT-{listing.pk}",
        last_pushed_hash=listing_marketplace_payload_hash(row),
        **fields,
    )
    return Listing.objects.get(pk=listing.pk)


def test_detail_shows_effective_values_with_their_rules_and_the_sync_truth(make_listing, channel, api):
    channel_update(channel=channel, price_adjust_type="percent", price_adjust_value=Decimal("10"))
    listing = _live(
        make_listing(channel=channel),
        remote_status="suppressed",
        remote_issues=[{"code": "X1", "message": "Missing brand"}],
        channel_payload={"raw_status": "SUPPRESSED"},
        pending={"price": "22.00"},
    )
    product_update(product=listing.product, price=Decimal("30.00"))
    data = api.get(f"/api/v1/listings/{listing.pk}/").json()
    assert data["effective"]["price"]["value"] == "33.00"
    assert data["effective"]["price"]["source"] == "product"
    assert "10" in data["effective"]["price"]["rule"]
    assert data["effective"]["quantity"]["value"] == "10"
    assert data["effective"]["compare_at_price"] == {"value": None, "source": "none", "rule": "not set"}
    assert data["changed_since_push"] is True
    assert data["changed_parts"] == ["offers"]
    assert data["changed_at"]
    assert data["pending"] == {"price": "22.00"}
    assert data["remote_status"] == "suppressed"
    assert data["remote_issues"] == [{"code": "X1", "message": "Missing brand"}]
    assert data["channel_payload"] == {"raw_status": "SUPPRESSED"}


def test_sync_truth_is_read_only(make_listing, api):
    listing = _live(make_listing())
    response = api.patch(
        f"/api/v1/listings/{listing.pk}/",
        {"changed_since_push": True, "pending": {"price": "1"}, "remote_status": "live", "effective": {}},
        format="json",
    )
    assert response.status_code == 200
    listing.refresh_from_db()
    assert (listing.changed_since_push, listing.pending, listing.remote_status) == (False, {}, "")


def test_changed_since_push_and_suppressed_filter(make_listing, channel, api):
    changed = _live(make_listing(channel=channel))
    quiet = _live(make_listing(channel=channel))
    suppressed = _live(make_listing(channel=channel), status="suppressed")
    product_update(product=changed.product, title="New title")
    ids = [row["id"] for row in api.get("/api/v1/listings/", {"changed_since_push": "true"}).json()["results"]]
    assert ids == [changed.pk]
    ids = {row["id"] for row in api.get("/api/v1/listings/", {"changed_since_push": "false"}).json()["results"]}
    assert {quiet.pk, suppressed.pk} <= ids
    assert changed.pk not in ids
    ids = [row["id"] for row in api.get("/api/v1/listings/", {"status": "suppressed"}).json()["results"]]
    assert ids == [suppressed.pk]


def test_publish_changes_needs_ids_or_filters_and_refuses_unknown_ids(api):
    assert api.post("/api/v1/listings/publish-changes/", {}, format="json").status_code == 400
    both = {"listings": [1], "filters": {"channel": 1}}
    assert api.post("/api/v1/listings/publish-changes/", both, format="json").status_code == 400
    response = api.post("/api/v1/listings/publish-changes/", {"listings": [987654]}, format="json")
    assert response.status_code == 400
    assert "987654" in str(response.json())


def test_channel_api_exposes_push_settings(api, admin_api, channel):
    data = admin_api.get(f"/api/v1/channels/{channel.pk}/").json()
    assert (data["auto_push_offers"], data["auto_push_content"], data["push_debounce_seconds"]) == (True, False, 2.0)
    response = admin_api.patch(
        f"/api/v1/channels/{channel.pk}/", {"auto_push_content": True, "push_debounce_seconds": 0.5}, format="json"
    )
    assert response.status_code == 200, response.json()
    channel.refresh_from_db()
    assert (channel.auto_push_content, channel.push_debounce_seconds) == (True, 0.5)
    response = admin_api.patch(f"/api/v1/channels/{channel.pk}/", {"push_debounce_seconds": -1}, format="json")
    assert response.status_code == 400

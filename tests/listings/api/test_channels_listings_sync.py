import pytest
import yaml
from django.utils import timezone
from django_q.models import OrmQ

from channels.models import Channel
from listings.models import Listing
from syncing.models import SyncEvent, SyncJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel_admin_api(make_user, token_client_for):
    from accounts.roles import CHANNEL_MANAGER

    return token_client_for(make_user("api-chan", CHANNEL_MANAGER))


# --- Channels ---


def test_channel_credentials_are_write_only(channel_admin_api, channel):
    # when a channel is read
    body = channel_admin_api.get(f"/api/v1/channels/{channel.pk}/").json()
    # then credential names are listed but no value is ever returned
    assert "credentials" not in body
    assert body["credential_fields_set"] == sorted(channel.get_credentials())
    secret_values = [v for v in channel.get_credentials().values() if len(v) > 3]
    assert secret_values
    text = channel_admin_api.get("/api/v1/channels/").content.decode()
    assert not any(value in text for value in secret_values)


def test_channel_create_and_credentials_update(channel_admin_api, settings):
    payload = {
        "name": "Etsy shop",
        "marketplace": "etsy",
        "country": "US",
        "currency": "USD",
        "base_url": f"{settings.SANDBOX_URL}/etsy",
        "credentials": {"api_key": "key-123456", "access_token": "tok-abcdef"},
    }
    response = channel_admin_api.post("/api/v1/channels/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["credential_fields_set"] == ["access_token", "api_key"]
    assert body["credential_fields_missing"] == []
    assert "tok-abcdef" not in response.content.decode()
    response = channel_admin_api.patch(
        f"/api/v1/channels/{body['id']}/", {"credentials": {"access_token": "s3cret-value"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert "s3cret-value" not in response.content.decode()
    stored = Channel.objects.get(pk=body["id"]).get_credentials()
    assert stored == {"api_key": "key-123456", "access_token": "s3cret-value"}


def test_channel_create_without_credentials_names_the_missing_ones(channel_admin_api, settings):
    payload = {"name": "E", "marketplace": "etsy", "country": "US", "currency": "USD", "base_url": settings.SANDBOX_URL}
    response = channel_admin_api.post("/api/v1/channels/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "credentials"
    assert not Channel.objects.exists()


def test_channel_unknown_credential_field_is_field_error(channel_admin_api, channel):
    response = channel_admin_api.patch(f"/api/v1/channels/{channel.pk}/", {"credentials": {"nope": "x"}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "credentials"


def test_channel_update_refused_credentials_keep_the_settings(channel_admin_api, channel):
    # given a channel and its stored credentials
    before = Channel.objects.get(pk=channel.pk)
    # when one request changes a setting and sends a credential the marketplace does not use
    response = channel_admin_api.patch(
        f"/api/v1/channels/{channel.pk}/", {"name": "Renamed", "credentials": {"nope": "x"}}, format="json"
    )
    # then the whole update is refused: neither the setting nor the credentials changed
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "credentials"
    after = Channel.objects.get(pk=channel.pk)
    assert after.name == before.name == "Shopify US"
    assert after.updated_at == before.updated_at
    assert after.get_credentials() == before.get_credentials()


def test_editor_cannot_change_channels(api, channel):
    response = api.patch(f"/api/v1/channels/{channel.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    assert Channel.objects.get(pk=channel.pk).name == "Shopify US"


# --- Listings ---


def test_listing_create_update_and_filters(api, channel, listable_product, make_channel):
    other = make_channel("lazada")
    response = api.post("/api/v1/listings/", {"product": listable_product.pk, "channel": channel.pk}, format="json")
    assert response.status_code == 201, response.json()
    listing_id = response.json()["id"]
    assert response.json()["status"] == "draft"
    response = api.patch(f"/api/v1/listings/{listing_id}/", {"price": "25.00", "status": "live"}, format="json")
    assert response.status_code == 200
    assert response.json()["price"] == "25.00"
    assert Listing.objects.get(pk=listing_id).status == "draft"  # status is read-only
    api.post("/api/v1/listings/", {"product": listable_product.pk, "channel": other.pk}, format="json")

    def ids(**params):
        response = api.get("/api/v1/listings/", params)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids(channel=channel.pk) == [listing_id]
    assert len(ids(product=listable_product.pk)) == 2
    assert ids(status="live") == []
    assert len(ids(status="draft")) == 2


def test_listing_external_url_is_null_until_published_and_nullable_in_the_schema(api, ready_listing, anon_api):
    # given a listing never published (no marketplace page yet)
    url = f"/api/v1/listings/{ready_listing.pk}/"
    # then its URL is null, not "" (the schema says format: uri)
    assert api.get(url).json()["external_url"] is None
    schema = yaml.safe_load(anon_api.get("/api/schema/").content)
    field = schema["components"]["schemas"]["Listing"]["properties"]["external_url"]
    assert (field["format"], field["nullable"], field["readOnly"]) == ("uri", True, True)
    # when the marketplace gave it a page
    Listing.objects.filter(pk=ready_listing.pk).update(external_url="https://shop.example/p/1")
    # then the URL is returned as is
    assert api.get(url).json()["external_url"] == "https://shop.example/p/1"


def test_listing_duplicate_is_409(api, ready_listing):
    payload = {"product": ready_listing.product_id, "channel": ready_listing.channel_id}
    response = api.post("/api/v1/listings/", payload, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"
    assert response.json()["listing_id"] == ready_listing.pk
    assert Listing.objects.count() == 1


def test_listing_readiness_action_and_filter(api, ready_listing, make_listing, channel):
    blocked = make_listing(channel=channel, map_category=False)
    body = api.get(f"/api/v1/listings/{ready_listing.pk}/readiness/").json()
    assert body["is_ready"] is True
    blocked_body = api.get(f"/api/v1/listings/{blocked.pk}/readiness/").json()
    assert blocked_body["is_ready"] is False
    assert any(issue["severity"] == "blocking" for issue in blocked_body["issues"])
    ready_ids = [r["id"] for r in api.get("/api/v1/listings/", {"readiness": "ready"}).json()["results"]]
    blocked_ids = [r["id"] for r in api.get("/api/v1/listings/", {"readiness": "blocked"}).json()["results"]]
    assert (ready_ids, blocked_ids) == ([ready_listing.pk], [blocked.pk])


def test_listing_publish_starts_a_job(api, ready_listing):
    queued_before = OrmQ.objects.count()
    response = api.post(f"/api/v1/listings/{ready_listing.pk}/publish/")
    assert response.status_code == 202, response.json()
    job = SyncJob.objects.get(pk=response.json()["id"])
    assert job.kind == "push"
    assert job.listing_ids == [ready_listing.pk]
    assert response.json()["status"] == "queued"
    assert OrmQ.objects.count() > queued_before


def test_listing_publish_on_paused_channel_is_409_and_enqueues_nothing(api, ready_listing):
    Channel.objects.filter(pk=ready_listing.channel_id).update(is_active=False)
    queued_before = OrmQ.objects.count()
    response = api.post(f"/api/v1/listings/{ready_listing.pk}/publish/")
    assert response.status_code == 409
    assert "paused" in response.json()["detail"]
    assert not SyncJob.objects.exists()
    assert OrmQ.objects.count() == queued_before


def test_listing_deactivate_needs_a_marketplace_listing(api, ready_listing):
    response = api.post(f"/api/v1/listings/{ready_listing.pk}/deactivate/")
    assert response.status_code == 409
    assert not SyncJob.objects.exists()


def test_listing_retry_without_failure_is_409(api, ready_listing):
    response = api.post(f"/api/v1/listings/{ready_listing.pk}/retry/")
    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_retry"


def test_listing_retry_of_failed_attempt(api, ready_listing):
    SyncEvent.objects.create(
        channel_id=ready_listing.channel_id, listing=ready_listing, operation="push", outcome="failed"
    )
    response = api.post(f"/api/v1/listings/{ready_listing.pk}/retry/")
    assert response.status_code == 202, response.json()
    assert SyncJob.objects.get(pk=response.json()["id"]).listing_ids == [ready_listing.pk]


def test_listing_transition_is_checked_by_state_machine(api, ready_listing):
    # Given a delisted draft, when it is moved to paused (a manual status the table does not allow from delisted)
    Listing.objects.filter(pk=ready_listing.pk).update(status="delisted")
    response = api.post(f"/api/v1/listings/{ready_listing.pk}/transition/", {"status": "paused"}, format="json")
    # Then the state machine refuses it
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert Listing.objects.get(pk=ready_listing.pk).status == "delisted"


def test_listing_transition_refuses_a_status_only_the_marketplace_sets(api, ready_listing):
    response = api.post(f"/api/v1/listings/{ready_listing.pk}/transition/", {"status": "live"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "marketplace_status"
    assert "only by the sync engine" in response.json()["detail"]
    assert Listing.objects.get(pk=ready_listing.pk).status == "draft"


def test_listing_assign_and_bulk(api, channel, make_listable_product):
    a, b = make_listable_product(), make_listable_product()
    response = api.post("/api/v1/listings/assign/", {"products": [a.pk, b.pk], "channels": [channel.pk]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    listing_ids = sorted(Listing.objects.values_list("pk", flat=True))
    items = [{"id": listing_ids[0], "price": "30.00"}, {"id": listing_ids[1], "quantity": -1}]
    response = api.post("/api/v1/listings/bulk-update/", {"policy": "skip_failed", "items": items}, format="json")
    assert response.status_code == 400  # -1 breaks the documented minimum: the request is malformed
    items[1]["quantity"] = 3
    items.append({"id": 10**9, "title": "ghost"})
    response = api.post("/api/v1/listings/bulk-update/", {"policy": "reject_all", "items": items}, format="json")
    assert [r["status"] for r in response.json()["results"]] == ["not_applied", "not_applied", "failed"]
    assert Listing.objects.get(pk=listing_ids[1]).quantity is None
    response = api.post("/api/v1/listings/bulk-update/", {"policy": "skip_failed", "items": items}, format="json")
    assert [r["status"] for r in response.json()["results"]] == ["updated", "updated", "failed"]
    assert Listing.objects.get(pk=listing_ids[1]).quantity == 3


def test_listing_bulk_create_skip_failed(api, channel, listable_product, make_listable_product):
    other = make_listable_product()
    items = [
        {"product": listable_product.pk, "channel": channel.pk},
        {"product": listable_product.pk, "channel": channel.pk},
        {"product": other.pk, "channel": channel.pk, "title": "Own title"},
    ]
    response = api.post("/api/v1/listings/bulk-create/", {"policy": "skip_failed", "items": items}, format="json")
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["created", "failed", "created"]
    assert body["results"][1]["errors"][0]["code"] == "duplicate"
    assert body["results"][2]["data"]["title"] == "Own title"
    assert Listing.objects.count() == 2


def test_viewer_cannot_publish(viewer_api, ready_listing):
    assert viewer_api.get(f"/api/v1/listings/{ready_listing.pk}/").status_code == 200
    assert viewer_api.post(f"/api/v1/listings/{ready_listing.pk}/publish/").status_code == 403
    assert not SyncJob.objects.exists()


# --- Sync jobs and events ---


def test_sync_job_progress_and_cancel(api, ready_listing):
    job_id = api.post(f"/api/v1/listings/{ready_listing.pk}/publish/").json()["id"]
    SyncJob.objects.filter(pk=job_id).update(total=4, processed=1, status="running")
    body = api.get(f"/api/v1/sync-jobs/{job_id}/").json()
    assert (body["progress"], body["is_active"]) == (25.0, True)
    assert api.get("/api/v1/sync-jobs/", {"status": "running"}).json()["count"] == 1
    response = api.post(f"/api/v1/sync-jobs/{job_id}/cancel/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False


def test_sync_event_filters_and_retry(api, ready_listing, make_listing, channel):
    other = make_listing(channel=channel)
    failed = SyncEvent.objects.create(
        channel=channel, listing=ready_listing, operation="push", outcome="failed", error_code="E_TITLE"
    )
    SyncEvent.objects.create(channel=channel, listing=other, operation="push", outcome="succeeded")

    def ids(**params):
        response = api.get("/api/v1/sync-events/", params)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids(listing=ready_listing.pk) == [failed.pk]
    assert ids(error_code="e_title") == [failed.pk]
    assert ids(outcome="failed") == [failed.pk]
    assert len(ids(channel=channel.pk)) == 2
    assert len(ids(created_after=(timezone.now() - timezone.timedelta(hours=1)).isoformat())) == 2
    assert ids(created_before="2000-01-01T00:00:00Z") == []
    response = api.post(f"/api/v1/sync-events/{failed.pk}/retry/")
    assert response.status_code == 202
    assert SyncJob.objects.get(pk=response.json()["id"]).listing_ids == [ready_listing.pk]

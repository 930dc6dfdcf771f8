"""Pull now (channel) and Refresh from marketplace / Push my value again (listing): API, pages and permissions.
(Listing and channel API actions call syncing.services.pull; what they do is tested in engine/test_remote_status.py.)"""

import pytest
from django.urls import reverse

from channels.models import Channel
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.choices import SyncJobKind
from syncing.models import SyncJob


@pytest.fixture
def published(make_listing, channel):
    listing = make_listing(channel=channel)
    Listing.objects.filter(pk=listing.pk).update(external_id="gid://shopify/Product/77", status=ListingStatus.LIVE)
    listing.refresh_from_db()
    return listing


def test_pull_now_answers_202_with_the_job(api, channel):
    response = api.post(f"/api/v1/channels/{channel.pk}/pull/", {"full": False}, format="json")
    assert response.status_code == 202, response.json()
    job = SyncJob.objects.get(pk=response.json()["id"])
    assert (job.kind, job.channel_id) == (SyncJobKind.PULL, channel.pk)
    assert job.message.startswith("Full pull")  # a channel never pulled gets a full pull


def test_pull_now_without_body_is_incremental_once_a_cursor_exists(api, channel):
    from django.utils import timezone

    Channel.objects.filter(pk=channel.pk).update(pull_cursor=timezone.now())
    response = api.post(f"/api/v1/channels/{channel.pk}/pull/", {}, format="json")
    assert response.status_code == 202
    assert response.json()["message"].startswith("Incremental pull")


def test_pull_now_refuses_bad_input(api, channel):
    assert api.post(f"/api/v1/channels/{channel.pk}/pull/", {"full": "maybe"}, format="json").status_code == 400
    assert api.post(f"/api/v1/channels/{channel.pk}/pull/", {}, format="json").status_code == 202
    running = api.post(f"/api/v1/channels/{channel.pk}/pull/", {}, format="json")
    assert running.status_code == 409
    assert "already running" in running.json()["detail"]
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    SyncJob.objects.update(status="succeeded")
    paused = api.post(f"/api/v1/channels/{channel.pk}/pull/", {}, format="json")
    assert paused.status_code == 409
    assert "paused" in paused.json()["detail"]
    assert api.post("/api/v1/channels/999999/pull/", {}, format="json").status_code == 404


def test_pull_now_needs_the_sync_right(viewer_api, channel_manager_api, admin_api, channel):
    assert viewer_api.post(f"/api/v1/channels/{channel.pk}/pull/", {}, format="json").status_code == 403
    assert channel_manager_api.post(f"/api/v1/channels/{channel.pk}/pull/", {}, format="json").status_code == 403
    assert admin_api.post(f"/api/v1/channels/{channel.pk}/pull/", {}, format="json").status_code == 202


def test_refresh_answers_202_with_the_job(api, published):
    response = api.post(f"/api/v1/listings/{published.pk}/refresh/")
    assert response.status_code == 202, response.json()
    job = SyncJob.objects.get(pk=response.json()["id"])
    assert (job.kind, job.listing_ids) == (SyncJobKind.PULL, [published.pk])
    again = api.post(f"/api/v1/listings/{published.pk}/refresh/")
    assert again.status_code == 409
    assert "already running" in again.json()["detail"]


def test_refresh_refuses_a_listing_never_published_or_a_paused_channel(api, make_listing, channel, published):
    never = make_listing(channel=channel)
    response = api.post(f"/api/v1/listings/{never.pk}/refresh/")
    assert response.status_code == 409
    assert "never published" in response.json()["detail"]
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    assert api.post(f"/api/v1/listings/{published.pk}/refresh/").status_code == 409


def test_refresh_and_push_again_need_the_listings_right(viewer_api, published):
    assert viewer_api.post(f"/api/v1/listings/{published.pk}/refresh/").status_code == 403
    assert viewer_api.post(f"/api/v1/listings/{published.pk}/push-again/").status_code == 403


def test_push_again_refuses_when_nothing_was_discarded_and_publishes_otherwise(api, published):
    nothing = api.post(f"/api/v1/listings/{published.pk}/push-again/")
    assert nothing.status_code == 409
    assert "nothing to push again" in nothing.json()["detail"]
    Listing.objects.filter(pk=published.pk).update(
        discarded_change={"price": {"ours": "19.5", "remote": "25", "at": "2026-12-06T20:00:00+00:00"}}
    )
    response = api.post(f"/api/v1/listings/{published.pk}/push-again/")
    assert response.status_code == 202, response.json()
    published.refresh_from_db()
    assert (str(published.price), published.discarded_change) == ("19.50", {})
    assert SyncJob.objects.get(pk=response.json()["id"]).kind == SyncJobKind.PUSH


def test_schema_documents_the_three_actions(anon_api):
    paths = anon_api.get("/api/schema/?format=json").json()["paths"]
    assert "202" in paths["/api/v1/channels/{id}/pull/"]["post"]["responses"]
    assert "202" in paths["/api/v1/listings/{id}/refresh/"]["post"]["responses"]
    assert "202" in paths["/api/v1/listings/{id}/push-again/"]["post"]["responses"]


# --- pages ---


def test_listing_page_shows_the_marketplace_side(staff_client, published):
    Listing.objects.filter(pk=published.pk).update(
        remote_status="suppressed",
        remote_raw_status="LISTING_SUPPRESSED",
        remote_issues=[{"code": "99400", "message": "Watermark", "severity": "error", "fix": "Replace the image"}],
        marketplace_ids={"asin": "B0TEST1234"},
        discarded_change={"price": {"ours": "19.5", "remote": "25", "at": "2026-12-06T20:00:00+00:00"}},
        channel_payload={"raw_status": "ACTIVE"},
    )
    page = staff_client.get(reverse("listings:listing_detail", args=[published.pk])).content.decode()
    for text in ("LISTING_SUPPRESSED", "Watermark", "Replace the image", "B0TEST1234", "Push my value again"):
        assert text in page
    assert "Refresh from marketplace" in page
    assert "channel payload" in page


def test_refresh_and_pull_now_buttons_start_jobs(staff_client, published, channel):
    response = staff_client.post(reverse("syncing:listing_refresh", args=[published.pk]))
    assert response.status_code == 302
    assert SyncJob.objects.filter(listing_ids=[published.pk]).count() == 1
    channel_page = staff_client.get(reverse("channels:channel_detail", args=[channel.pk])).content.decode()
    assert "Pull now" in channel_page
    response = staff_client.post(reverse("syncing:channel_pull", args=[channel.pk]), {"full": "1"})
    job = SyncJob.objects.filter(listing_ids=[]).get()
    assert response["Location"] == reverse("syncing:job_detail", args=[job.pk])
    assert job.message.startswith("Full pull")
    again = staff_client.post(reverse("syncing:channel_pull", args=[channel.pk]), follow=True)
    assert "already running" in again.content.decode()

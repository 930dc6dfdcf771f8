"""A sync job's failures grouped by cause (docs/sync.md#failures-grouped-by-cause): the job page, the API field,
"retry all failed after fixing" and "retry errors of this channel"."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import EDITOR
from accounts.services import user_channels_restrict
from listings.models import Listing
from syncing.models import SyncEvent, SyncJob
from syncing.selectors import sync_job_failed_listing_ids, sync_job_failure_groups
from syncing.services.jobs import sync_job_create

pytestmark = pytest.mark.django_db

DIMENSIONS = "Invalid product (package_length: required; package_width: required)"


def _final(job, listing, outcome, message, kind="rejected", code=""):
    return SyncEvent.objects.create(
        job=job,
        channel=listing.channel,
        listing=listing,
        operation="create",
        outcome=outcome,
        error_kind=kind,
        error_code=code,
        message=message,
        is_final=True,
        finished_at=timezone.now(),
    )


@pytest.fixture
def failed_job(make_listing, channel):
    """A finished push of 4 listings: 2 rejected for missing dimensions, 1 blocked by readiness, 1 ok."""
    listings = [make_listing(channel=channel) for _ in range(4)]
    job = sync_job_create(channel=channel, kind="push", listing_ids=[x.pk for x in listings])
    _final(job, listings[0], "rejected", DIMENSIONS, code="E0001")
    _final(job, listings[1], "rejected", DIMENSIONS, code="E0001")
    _final(job, listings[2], "failed", "Not ready: no image", kind="readiness")
    _final(job, listings[3], "succeeded", "", kind="")
    # an earlier, non-final attempt of a listing that later failed: not counted twice
    SyncEvent.objects.create(
        job=job, channel=channel, listing=listings[0], operation="create", outcome="retry_scheduled"
    )
    SyncJob.objects.filter(pk=job.pk).update(
        status="completed_with_errors", total=4, processed=4, failed=3, succeeded=1
    )
    job.refresh_from_db()
    return job, listings


def test_failures_are_grouped_by_cause_biggest_first(failed_job):
    job, listings = failed_job
    groups = sync_job_failure_groups(job=job)
    assert [(g.count, g.message, g.error_code) for g in groups] == [
        (2, DIMENSIONS, "E0001"),
        (1, "Not ready: no image", ""),
    ]
    assert groups[1].is_readiness
    assert not groups[0].is_readiness
    assert groups[1].listing_id == listings[2].pk
    assert sync_job_failed_listing_ids(job=job) == sorted(x.pk for x in listings[:3])


def test_a_job_without_failures_has_no_groups(make_listing, channel, staff_client):
    listing = make_listing(channel=channel)
    job = sync_job_create(channel=channel, kind="push", listing_ids=[listing.pk])
    _final(job, listing, "succeeded", "", kind="")
    assert sync_job_failure_groups(job=job) == []
    page = staff_client.get(reverse("syncing:job_detail", kwargs={"pk": job.pk})).content.decode()
    assert 'id="failure-groups"' not in page
    assert "progress-failed" not in page
    data = staff_client.get(f"/api/v1/sync-jobs/{job.pk}/").json()
    assert data["failure_groups"] == []


def test_job_page_shows_groups_with_fix_links_and_a_red_bar(failed_job, staff_client, channel):
    job, listings = failed_job
    page = staff_client.get(reverse("syncing:job_detail", kwargs={"pk": job.pk})).content.decode()
    assert page.count("data-failure-group") == 2
    assert f"2 listings:</strong> {DIMENSIONS} on {channel.name}" in page
    assert f"?channel={channel.pk}&amp;status=error" in page  # several rejected: the filtered list
    assert reverse("listings:listing_detail", kwargs={"pk": listings[2].pk}) in page  # one: the listing itself
    assert 'class="progress-failed"' in page
    assert 'id="retry-failed"' in page


def test_a_running_job_with_failures_shows_an_amber_bar_and_no_retry_all(failed_job, staff_client):
    job, _ = failed_job
    SyncJob.objects.filter(pk=job.pk).update(status="running", processed=3)
    page = staff_client.get(reverse("syncing:job_detail", kwargs={"pk": job.pk})).content.decode()
    assert 'class="progress-warning"' in page
    assert 'id="retry-failed"' not in page
    assert staff_client.get(reverse("syncing:job_progress", kwargs={"pk": job.pk})).json()["tone"] == "warning"


def test_api_job_detail_has_failure_groups_in_data_and_schema(failed_job, staff_client):
    job, listings = failed_job
    data = staff_client.get(f"/api/v1/sync-jobs/{job.pk}/").json()
    assert data["failure_groups"][0] == {
        "error_kind": "rejected",
        "error_code": "E0001",
        "message": DIMENSIONS,
        "count": 2,
        "listing_id": min(listings[0].pk, listings[1].pk),
    }
    schema = staff_client.get("/api/schema/").content.decode()
    assert "failure_groups" in schema
    assert "FailureGroup" in schema


def test_retry_all_failed_pushes_only_the_failed_listings(failed_job, staff_client):
    job, listings = failed_job
    response = staff_client.post(reverse("syncing:job_retry_failed", kwargs={"pk": job.pk}))
    retry = SyncJob.objects.exclude(pk=job.pk).get()
    assert response.url == reverse("syncing:job_detail", kwargs={"pk": retry.pk})
    assert sorted(retry.listing_ids) == sorted(x.pk for x in listings[:3])


def test_retry_all_failed_of_a_job_without_failures_is_refused(make_listing, channel, staff_client):
    listing = make_listing(channel=channel)
    job = sync_job_create(channel=channel, kind="push", listing_ids=[listing.pk])
    SyncJob.objects.filter(pk=job.pk).update(status="completed")
    response = staff_client.post(reverse("syncing:job_retry_failed", kwargs={"pk": job.pk}), follow=True)
    assert "Nothing to retry" in response.content.decode()
    assert SyncJob.objects.count() == 1


def _in_error(listing):
    Listing.objects.filter(pk=listing.pk).update(status="error")


def test_channel_retry_errors_pushes_that_channels_listings_in_error_only(make_channel, make_listing, staff_client):
    shop, etsy = make_channel("shopify", name="Shop A"), make_channel("etsy", name="Etsy B")
    broken, fine, elsewhere = make_listing(channel=shop), make_listing(channel=shop), make_listing(channel=etsy)
    _in_error(broken)
    _in_error(elsewhere)
    page = staff_client.get(reverse("channels:channel_detail", kwargs={"pk": shop.pk})).content.decode()
    assert "1 listing in error" in page
    assert 'id="retry-channel-errors"' in page
    staff_client.post(reverse("syncing:channel_retry_errors", kwargs={"pk": shop.pk}))
    job = SyncJob.objects.get()
    assert (job.channel_id, job.listing_ids) == (shop.pk, [broken.pk])
    assert fine.pk not in job.listing_ids


def test_channel_without_errors_shows_no_retry_button(channel, make_listing, staff_client):
    make_listing(channel=channel)
    page = staff_client.get(reverse("channels:channel_detail", kwargs={"pk": channel.pk})).content.decode()
    assert 'id="retry-channel-errors"' not in page


def test_channel_retry_errors_refuses_a_channel_the_user_may_not_use(make_channel, make_listing, make_user):
    allowed, other = make_channel("shopify", name="Allowed"), make_channel("etsy", name="Other")
    _in_error(make_listing(channel=other))
    user = make_user("limited", EDITOR)
    user_channels_restrict(target=user, channel_ids=[allowed.pk])
    client = Client()
    client.force_login(user)
    assert client.post(reverse("syncing:channel_retry_errors", kwargs={"pk": other.pk})).status_code == 404
    assert client.post(reverse("syncing:job_retry_failed", kwargs={"pk": 999999})).status_code == 404
    assert not SyncJob.objects.exists()

"""Issue 20, lists: sync history rows in plain words; matrix badges tell a blocked draft from a publishable one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from listings.models import Listing
from listings.services import listing_update, listings_readiness_refresh
from syncing.event_text import event_sentence
from syncing.models import SyncEvent, SyncJob

pytestmark = pytest.mark.django_db


def _event(listing, **fields):
    data = {"channel": listing.channel, "listing": listing, "operation": "create", "outcome": "succeeded"}
    return SyncEvent.objects.create(**(data | fields))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"external_id": "9001"}, "Created the listing on {ch} (id 9001)."),
        ({"operation": "offers"}, "Sent price and stock to {ch}."),
        ({"operation": "deactivate"}, "Took the listing off {ch}."),
        ({"operation": "lookup"}, "Found the listing already on {ch} (by its SKU) and linked it."),
        (
            {"outcome": "skipped", "operation": "update"},
            "Nothing had changed since the last push, so nothing was sent to {ch}.",
        ),
        (
            {"outcome": "rejected", "error_kind": "rejected", "message": "Title   is too\nlong"},
            "{ch} refused the creation: Title is too long",
        ),
        (
            {"outcome": "failed", "error_kind": "auth", "message": ""},
            "The creation on {ch} failed (the channel's authorisation expired, so the channel is paused).",
        ),
        ({"outcome": "failed", "error_kind": "", "message": "boom"}, "The creation on {ch} failed: boom"),
        (
            {"outcome": "interrupted", "operation": "update"},
            "The worker stopped during the update on {ch}; the job resumes it.",
        ),
        ({"outcome": "cancelled"}, "The creation was cancelled before it reached {ch}."),
        ({"outcome": "in_progress", "operation": "offers"}, "Sending the price and stock update to {ch}…"),
        (
            {"outcome": "retry_scheduled", "error_kind": "throttled"},
            "The creation on {ch} did not go through (the marketplace asked to slow down); it is tried again.",
        ),
    ],
)
def test_event_sentences(ready_listing, fields, expected):
    event = _event(ready_listing, **fields)
    assert event_sentence(event) == expected.format(ch=ready_listing.channel.name)


def test_retry_time_and_long_messages_are_shortened(ready_listing):
    at = timezone.now() + timedelta(minutes=5)
    retry = _event(ready_listing, outcome="retry_scheduled", error_kind="retryable", next_retry_at=at)
    assert event_sentence(retry).endswith(f"tried again at {timezone.localtime(at):%H:%M}.")
    long = _event(ready_listing, outcome="rejected", message="x" * 500)
    assert event_sentence(long).endswith("x…")
    assert len(event_sentence(long)) < 220


def test_history_pages_show_sentences(editor_client, ready_listing, django_assert_max_num_queries):
    job = SyncJob.objects.create(channel=ready_listing.channel, kind="push")
    for n in range(5):
        _event(ready_listing, job=job, outcome="rejected", message=f"Bad weight {n}", http_status=400, error_code="E7")
    channel = ready_listing.channel.name
    for url in ("/sync/events/", f"/sync/jobs/{job.pk}/", f"/listings/{ready_listing.pk}/"):
        page = editor_client.get(url).content.decode()
        assert f"{channel} refused the creation: Bad weight 4" in page, url
        assert "HTTP 400" in page, url
    editor_client.get(f"/sync/jobs/{job.pk}/")
    with django_assert_max_num_queries(25):  # the channel is loaded with the events, not once per row
        editor_client.get(f"/sync/jobs/{job.pk}/")
    few = len(editor_client.get(f"/sync/jobs/{job.pk}/").context["events"])
    assert few == 5


def test_matrix_badges_tell_blocked_from_publishable(editor_client, make_listing, make_channel, make_listable_product):
    channel = make_channel("etsy")
    good = make_listing(channel=channel)
    bad = make_listing(channel=channel)
    listing_update(listing=bad, title="T" * 150)
    unchecked = make_listing(channel=channel)
    listings_readiness_refresh(listing_ids=[good.pk, bad.pk])
    Listing.objects.filter(pk=unchecked.pk).update(readiness_blocking=None)

    page = editor_client.get("/listings/matrix/", {"channel": channel.pk}).content.decode()

    assert f'class="badge status-publishable" href="/listings/{good.pk}/"' in page
    assert "Can be published" in page
    assert f'class="badge status-blocked" href="/listings/{bad.pk}/"' in page
    assert "Blocked: 1 issue to fix before publishing" in page
    assert "· Not checked" in page

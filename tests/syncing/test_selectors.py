"""listing_retryable_event_latest: the attempt a listing's retry starts from."""

from datetime import timedelta

import pytest
from django.utils import timezone

from syncing.choices import RETRYABLE_OUTCOMES, SyncOutcome
from syncing.models import SyncEvent
from syncing.selectors import listing_retryable_event_latest

pytestmark = pytest.mark.django_db


def _event(listing, outcome, minutes_ago):
    event = SyncEvent.objects.create(channel_id=listing.channel_id, listing=listing, operation="push", outcome=outcome)
    SyncEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return event


def test_latest_retryable_event_skips_later_successes_and_other_listings(make_listing, channel):
    # given: an older failure, a newer rejection, then a success; and another listing's newer failure
    listing, other = make_listing(channel=channel), make_listing(channel=channel)
    _event(listing, SyncOutcome.FAILED, 30)
    rejected = _event(listing, SyncOutcome.REJECTED, 20)
    _event(listing, SyncOutcome.SUCCEEDED, 10)
    _event(other, SyncOutcome.FAILED, 1)
    # when / then
    assert listing_retryable_event_latest(listing=listing) == rejected
    assert rejected.is_retryable


def test_no_retryable_event_is_none(make_listing, channel):
    listing = make_listing(channel=channel)
    _event(listing, SyncOutcome.SUCCEEDED, 5)
    assert listing_retryable_event_latest(listing=listing) is None


@pytest.mark.parametrize("outcome", [o.value for o in SyncOutcome], ids=lambda o: f"{o}_case")
def test_is_retryable_follows_the_outcome(outcome):
    event = SyncEvent(listing_id=1, outcome=outcome)
    assert event.is_retryable is (outcome in RETRYABLE_OUTCOMES)
    assert SyncEvent(listing_id=None, outcome=outcome).is_retryable is False

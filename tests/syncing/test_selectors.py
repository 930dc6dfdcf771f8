"""listing_retryable_event_latest: the attempt a listing's retry starts from."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.errors import ApplicationError
from syncing.choices import RETRYABLE_OUTCOMES, SyncOutcome
from syncing.models import SyncEvent
from syncing.selectors import listing_retryable_event_latest, sync_event_done_later, sync_events_retry_marked
from syncing.services import sync_event_retry

pytestmark = pytest.mark.django_db


def _event(listing, outcome, minutes_ago, operation="update"):
    event = SyncEvent.objects.create(
        channel_id=listing.channel_id, listing=listing, operation=operation, outcome=outcome
    )
    SyncEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return event


def test_latest_retryable_event_skips_other_listings(make_listing, channel):
    # given: an older failure, a newer rejection; and another listing's newer failure
    listing, other = make_listing(channel=channel), make_listing(channel=channel)
    _event(listing, SyncOutcome.FAILED, 30)
    rejected = _event(listing, SyncOutcome.REJECTED, 20)
    _event(other, SyncOutcome.FAILED, 1)
    # when / then
    assert listing_retryable_event_latest(listing=listing) == rejected
    assert rejected.is_retryable


def test_a_failure_whose_work_a_later_attempt_finished_is_not_retryable(make_listing, channel):
    # given: a rejected update, then a successful push of the same listing by another job
    listing = make_listing(channel=channel)
    rejected = _event(listing, SyncOutcome.REJECTED, 20)
    done = _event(listing, SyncOutcome.SUCCEEDED, 10, operation="create")
    # when / then: no retry button, and the service refuses a retry naming the attempt that did it
    assert listing_retryable_event_latest(listing=listing) is None
    assert sync_event_done_later(event=rejected) == done
    [marked_done, marked_rejected] = sync_events_retry_marked([done, rejected])
    assert (marked_done.can_retry, marked_rejected.can_retry) == (False, False)
    with pytest.raises(ApplicationError, match=f"event #{done.pk}"):
        sync_event_retry(event=rejected)


def test_a_later_success_of_another_kind_of_work_leaves_the_retry(make_listing, channel):
    # given: a failed deactivation, then a successful price update (it does not take the item off sale)
    listing = make_listing(channel=channel)
    failed = _event(listing, SyncOutcome.FAILED, 20, operation="deactivate")
    _event(listing, SyncOutcome.SUCCEEDED, 10, operation="offers")
    # when / then
    assert listing_retryable_event_latest(listing=listing) == failed
    assert sync_events_retry_marked([failed])[0].can_retry is True


def test_no_retryable_event_is_none(make_listing, channel):
    listing = make_listing(channel=channel)
    _event(listing, SyncOutcome.SUCCEEDED, 5)
    assert listing_retryable_event_latest(listing=listing) is None


@pytest.mark.parametrize("outcome", [o.value for o in SyncOutcome], ids=lambda o: f"{o}_case")
def test_is_retryable_follows_the_outcome(outcome):
    event = SyncEvent(listing_id=1, outcome=outcome)
    assert event.is_retryable is (outcome in RETRYABLE_OUTCOMES)
    assert SyncEvent(listing_id=None, outcome=outcome).is_retryable is False

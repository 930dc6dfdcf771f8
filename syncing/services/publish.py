"""What operators start: publish a selection or a filter, re-push errors, retry one event."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from channels.models import Channel
from common.actors import Actor
from common.errors import ApplicationError
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.choices import RETRYABLE_OUTCOMES, SyncJobKind, SyncOperation
from syncing.models import SyncEvent, SyncJob
from syncing.selectors import sync_event_done_later

from .jobs import sync_job_create
from .push import push_chunks_enqueue

# Filters an operator may use to pick listings of a channel (the listing list page's own filter names).
LISTING_FILTERS: dict[str, str] = {
    "status": "status",
    "status__in": "status__in",
    "category": "product__category_id",
    "brand": "product__brand__iexact",
    "sku": "product__sku__icontains",
    "has_error": "last_error_message__gt",
    "changed_since_push": "changed_since_push",
}


def listing_selection(
    *, channel: Channel, listing_ids: Sequence[int] | None = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[Listing]:
    """The channel's listings picked by explicit ids or by a filter (exactly one of the two)."""
    if (listing_ids is None) == (filters is None):
        raise ApplicationError("Choose listings either by selection or by filter.")
    listings = Listing.objects.filter(channel=channel)
    if listing_ids is not None:
        wanted = set(listing_ids)
        found = set(listings.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - found:
            missing = ", ".join(str(pk) for pk in sorted(wanted - found)[:10])
            raise ApplicationError(f"These listings are not on channel {channel}: {missing}.")
        return listings.filter(pk__in=wanted)
    assert filters is not None
    unknown = set(filters) - set(LISTING_FILTERS)
    if unknown:
        raise ApplicationError(
            f"Unknown listing filter(s): {', '.join(sorted(unknown))}; use {', '.join(sorted(LISTING_FILTERS))}."
        )
    lookups = {LISTING_FILTERS[name]: value for name, value in filters.items()}
    if "last_error_message__gt" in lookups:
        lookups["last_error_message__gt"] = ""
    return listings.filter(**lookups)


def _channel_usable(channel: Channel) -> None:
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")


@transaction.atomic
def listings_publish(
    *,
    channel: Channel,
    listing_ids: Sequence[int] | None = None,
    filters: Mapping[str, Any] | None = None,
    user: Actor = None,
    message: str = "",
) -> SyncJob:
    """Publish (create or update) the chosen listings of `channel` in the background; returns the job.

    The job row and its queue rows commit together (ORM broker outbox), so a job never exists without its work
    or the other way round. Listings that are not ready end as failed with their readiness message.
    """
    _channel_usable(channel)
    selected = listing_selection(channel=channel, listing_ids=listing_ids, filters=filters)
    ids = list(
        selected.exclude(status__in=[ListingStatus.PAUSED]).order_by("pk").values_list("pk", flat=True).distinct()
    )
    if not ids:
        raise ApplicationError("No listings to publish: the selection is empty or every listing is paused.")
    job = sync_job_create(channel=channel, kind=SyncJobKind.PUSH, listing_ids=ids, message=message, user=user)
    push_chunks_enqueue(job=job, listing_ids=ids)
    return job


def listings_errors_repush(*, channel: Channel, user: Actor = None) -> SyncJob:
    """Push again every listing of `channel` that is in error (after the data or the channel was fixed)."""
    return listings_publish(channel=channel, filters={"status": ListingStatus.ERROR}, user=user)


@transaction.atomic
def sync_event_retry(*, event: SyncEvent, user: Actor = None) -> SyncJob:
    """Retry the listing of one failed event as a new one-listing job."""
    if event.listing_id is None:
        raise ApplicationError("This event has no listing to retry (it was a pull or the listing was deleted).")
    if event.outcome not in RETRYABLE_OUTCOMES:
        raise ApplicationError(f"Only failed events can be retried; this one {event.get_outcome_display().lower()}.")
    done = sync_event_done_later(event=event)
    if done is not None:
        raise ApplicationError(
            f"Nothing to retry: a later attempt (event #{done.pk}, job #{done.job_id}) already did this work.",
            extra={"code": "already_done"},
        )
    channel = Channel.objects.get(pk=event.channel_id)
    _channel_usable(channel)
    if event.operation == SyncOperation.DEACTIVATE:
        from .deactivate import job_deactivate_mode, listings_deactivate  # deactivate builds on this module

        mode = job_deactivate_mode(event.job).code if event.job is not None else "delist"
        return listings_deactivate(channel=channel, listing_ids=[event.listing_id], mode=mode, user=user)
    job = sync_job_create(
        channel=channel,
        kind=SyncJobKind.PUSH,
        listing_ids=[event.listing_id],
        message=f"Retry of event #{event.pk}.",
        user=user,
    )
    push_chunks_enqueue(job=job, listing_ids=[event.listing_id])
    return job

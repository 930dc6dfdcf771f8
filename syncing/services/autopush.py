"""Push on change: send what the listings' "changed since push" marks say, per channel, a debounce after the change.

Every write that changes a listing's payload marks it in the writing transaction (listings.services.changes) and
publishes `listings.changed_since_push`; `autopush_schedule` queues one `channel_autopush` per channel, delayed
by the channel's `push_debounce_seconds`, so every change of that window goes out in the same batched calls.
`channel_autopush` sends price and stock changes through the offers path (batched `update_offers`, ahead of
content pushes on the channel) and, when the channel's `auto_push_content` is on, content changes as a push.
The sends clear only the mark they read (compare-and-clear on `changed_at`); a change made meanwhile stays marked
and the next run sends it. A periodic sweep (`autopush_sweep`, schedule `sync-autopush-sweep`) runs the channels
that still have marks, so a worker killed between the mark and the clear loses nothing. See docs/sync.md.
"""

import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.roles import channel_scoped
from channels.models import Channel
from common.actors import Actor
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.choices import ListingStatus
from listings.models import Listing
from listings.services import AUTO_PUSH_STATUSES, PART_CONTENT, PART_OFFERS
from syncing import tasks
from syncing.choices import SyncJobKind, SyncJobStatus
from syncing.conf import sync_setting
from syncing.models import SyncEvent, SyncJob

from .offers import listings_offers_sync, offers_first_batch, sync_job_offers_batch
from .publish import listing_selection, listings_publish

logger = logging.getLogger(__name__)

AUTOPUSH_MESSAGE = "Push on change."
# A job that has not reported progress for this long no longer holds its listings: the sweep sends them again
# (a killed worker's batch comes back only after Q_RETRY; a repeat sends the current values, harmlessly).
IN_FLIGHT_SECONDS = 120.0
BOTH_PARTS = [PART_CONTENT, PART_OFFERS]


def _has_part(part: str) -> Q:
    """Marked with `part` (the stored list is one of [part], [content, offers])."""
    return Q(changed_parts=[part]) | Q(changed_parts=BOTH_PARTS)


def autopush_schedule(*, channel_ids: Sequence[int], parts: Collection[str], **_: Any) -> None:
    """Handler of `listings.changed_since_push`: queue each channel's push a debounce after the change."""
    for channel in Channel.objects.filter(pk__in=channel_ids, is_active=True).only(
        "pk", "auto_push_offers", "auto_push_content", "push_debounce_seconds"
    ):
        if (PART_OFFERS in parts and channel.auto_push_offers) or (PART_CONTENT in parts and channel.auto_push_content):
            autopush_enqueue(channel, delay=channel.push_debounce_seconds)


def autopush_enqueue(channel: Channel, *, delay: float | None = None) -> None:
    enqueue(tasks.channel_autopush_task, channel.pk, group=f"autopush-{channel.pk}", delay=delay)


def listings_in_flight(channel: Channel) -> set[int]:
    """Listings an active push or price/stock job of the channel still has to send (it will read their current
    values when it does): a second send now would only repeat it."""
    recent = timezone.now() - timedelta(
        seconds=sync_setting("SYNC_AUTOPUSH_IN_FLIGHT_SECONDS", IN_FLIGHT_SECONDS, float)
    )
    jobs = list(
        SyncJob.objects.filter(
            channel=channel,
            kind__in=[SyncJobKind.PUSH, SyncJobKind.REPRICE],
            status__in=[SyncJobStatus.QUEUED, SyncJobStatus.RUNNING],
        )
        .filter(Q(heartbeat_at__gte=recent) | Q(heartbeat_at__isnull=True, created_at__gte=recent))
        .values_list("pk", "listing_ids")
    )
    if not jobs:
        return set()
    covered = {pk for _, ids in jobs for pk in ids or ()}
    done = set(
        SyncEvent.objects.filter(job_id__in=[pk for pk, _ in jobs], listing_id__in=covered, is_final=True).values_list(
            "listing_id", flat=True
        )
    )
    return covered - done


def _marked(channel: Channel) -> QuerySet[Listing]:
    return Listing.objects.filter(channel=channel, changed_since_push=True, status__in=AUTO_PUSH_STATUSES).exclude(
        external_id=""
    )


def channel_autopush(*, channel_id: int) -> dict[str, int]:
    """Send the channel's marked changes that its settings push automatically; returns how many of each part.

    Price and stock go first, as one price/stock job whose batches run ahead of content pushes; a listing whose
    content also goes out now is pushed whole instead (a push sends price and stock too).
    """
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None or not channel.is_active:
        return {PART_OFFERS: 0, PART_CONTENT: 0}
    busy = listings_in_flight(channel)
    marked = _marked(channel).exclude(pk__in=busy)
    content_ids = (
        list(marked.filter(_has_part(PART_CONTENT)).order_by("pk").values_list("pk", flat=True))
        if channel.auto_push_content
        else []
    )
    offer_ids = (
        list(
            marked.filter(_has_part(PART_OFFERS))
            .exclude(pk__in=content_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if channel.auto_push_offers
        else []
    )
    offers_job = None
    with transaction.atomic():
        if offer_ids:
            offers_job = listings_offers_sync(
                channel=channel, listing_ids=offer_ids, message=AUTOPUSH_MESSAGE, first_inline=True
            )
        if content_ids:
            listings_publish(channel=channel, listing_ids=content_ids, message=AUTOPUSH_MESSAGE)
    if offers_job is not None:  # the first batch now, in this task: one queue hop less between edit and market
        sync_job_offers_batch(job_id=offers_job.pk, listing_ids=offers_first_batch(offers_job))
    return {PART_OFFERS: len(offer_ids), PART_CONTENT: len(content_ids)}


def autopush_sweep() -> int:
    """The safety net (schedule `sync-autopush-sweep`): run every active channel that still has marks its
    settings push automatically and that no push is sending (a worker died, a queue row was lost)."""
    started = 0
    for channel in Channel.objects.filter(is_active=True).filter(Q(auto_push_offers=True) | Q(auto_push_content=True)):
        marked = _marked(channel)
        wanted = Q()
        if channel.auto_push_offers:
            wanted |= _has_part(PART_OFFERS)
        if channel.auto_push_content:
            wanted |= _has_part(PART_CONTENT)
        if marked.filter(wanted).exists():
            autopush_enqueue(channel)
            started += 1
    return started


@transaction.atomic
def listings_changes_publish(
    *,
    channel: Channel,
    listing_ids: Sequence[int] | None = None,
    filters: Mapping[str, Any] | None = None,
    user: Actor = None,
) -> dict[str, SyncJob | None]:
    """ "Publish changes": send the marked changes of the chosen listings now, whatever the channel's settings.

    Listings with a content change are pushed whole; those with only a price/stock change get a price/stock
    update. Out-of-sync listings are included (choosing to publish is choosing our values).
    """
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    selected = (
        listing_selection(channel=channel, listing_ids=listing_ids, filters=filters)
        .filter(changed_since_push=True)
        .exclude(external_id="")
        .exclude(status__in=[ListingStatus.PAUSED, ListingStatus.DELISTED])
    )
    content_ids = list(selected.filter(_has_part(PART_CONTENT)).order_by("pk").values_list("pk", flat=True))
    offer_ids = list(
        selected.filter(_has_part(PART_OFFERS)).exclude(pk__in=content_ids).order_by("pk").values_list("pk", flat=True)
    )
    if not content_ids and not offer_ids:
        raise ApplicationError("No changes to publish: none of these listings has a change the marketplace lacks.")
    return {
        PART_OFFERS: listings_offers_sync(channel=channel, listing_ids=offer_ids, user=user) if offer_ids else None,
        PART_CONTENT: listings_publish(channel=channel, listing_ids=content_ids, user=user) if content_ids else None,
    }


def listings_changes_publish_grouped(*, listing_ids: Sequence[int], user: Actor = None) -> list[dict[str, Any]]:
    """ "Publish changes" for a selection spanning channels: one `listings_changes_publish` per channel (in name
    order) on the channels the user may use; a channel's refusal is returned and does not stop the others."""
    by_channel: dict[int, list[int]] = {}
    for pk, channel_id in Listing.objects.filter(pk__in=list(listing_ids)).values_list("pk", "channel_id"):
        by_channel.setdefault(channel_id, []).append(pk)
    results: list[dict[str, Any]] = []
    for channel in channel_scoped(Channel.objects.filter(pk__in=by_channel), user, "pk").order_by("name"):
        ids = by_channel[channel.pk]
        try:
            jobs = listings_changes_publish(channel=channel, listing_ids=ids, user=user)
        except ApplicationError as exc:
            results.append({"channel": channel, "listing_ids": ids, "jobs": {}, "error": exc.message})
        else:
            results.append({"channel": channel, "listing_ids": ids, "jobs": jobs, "error": ""})
    return results

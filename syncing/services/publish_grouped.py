"""Publishing a selection of listings that spans channels: one background sync job per channel."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from accounts.roles import channel_scoped
from channels.models import Channel
from common.actors import Actor as User
from common.errors import ApplicationError
from listings.choices import ChangesetKind
from listings.models import Listing
from listings.selectors import UNDO_HELD_STATUSES
from listings.services import changeset_listings_record, changeset_open
from syncing.models import SyncJob

from .publish import listings_publish


@dataclass(frozen=True)
class ChannelPublishResult:
    """One channel's part of a grouped publish: the job it started, or the refusal that stopped it."""

    channel: Channel
    listing_ids: list[int]
    job: SyncJob | None = None
    error: ValidationError | ApplicationError | None = None


def listings_publish_grouped(*, listings: Iterable[Listing], user: User = None) -> list[ChannelPublishResult]:
    """Publish listings of several channels: one `listings_publish` job per channel, channels in name order.

    Listings on channels the user may not use are left out. A channel's refusal (paused, nothing publishable)
    is returned with its error and does not stop the other channels.
    """
    by_channel: dict[int, list[int]] = defaultdict(list)
    before: dict[int, str] = {}
    for listing in listings:
        by_channel[listing.channel_id].append(listing.pk)
        # its status then, kept only when the marketplace held it: the undo leaves those listings alone
        before[listing.pk] = listing.status if listing.external_id and listing.status in UNDO_HELD_STATUSES else ""
    results = []
    for channel in channel_scoped(Channel.objects.filter(pk__in=by_channel), user, "pk").order_by("name"):
        ids = by_channel[channel.pk]
        try:
            job = listings_publish(channel=channel, listing_ids=ids, user=user)
        except (ValidationError, ApplicationError) as exc:
            results.append(ChannelPublishResult(channel=channel, listing_ids=ids, error=exc))
        else:
            results.append(ChannelPublishResult(channel=channel, listing_ids=ids, job=job))
    _changeset_record(results, before, user)
    return results


def _changeset_record(results: list[ChannelPublishResult], before: dict[int, str], user: User) -> None:
    """One `bulk_publish` changeset of the listings whose channel started a job, with their status before
    (docs/catalog.md#undoing-publishes-and-assignments); none when no channel started."""
    started = [result for result in results if result.job is not None]
    if not started:
        return
    names = ", ".join(result.channel.name for result in started)
    count = sum(len(result.listing_ids) for result in started)
    changeset = changeset_open(
        kind=ChangesetKind.BULK_PUBLISH, description=f"Publish of {count} listing(s) on {names}", user=user
    )
    rows = [(pk, before.get(pk, "")) for result in started for pk in result.listing_ids]
    changeset_listings_record(changeset=changeset, rows=rows)

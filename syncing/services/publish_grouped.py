"""Publishing a selection of listings that spans channels: one background sync job per channel."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from accounts.roles import channel_scoped
from channels.models import Channel
from common.actors import Actor as User
from common.errors import ApplicationError
from listings.models import Listing
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
    for listing in listings:
        by_channel[listing.channel_id].append(listing.pk)
    results = []
    for channel in channel_scoped(Channel.objects.filter(pk__in=by_channel), user, "pk").order_by("name"):
        ids = by_channel[channel.pk]
        try:
            job = listings_publish(channel=channel, listing_ids=ids, user=user)
        except (ValidationError, ApplicationError) as exc:
            results.append(ChannelPublishResult(channel=channel, listing_ids=ids, error=exc))
        else:
            results.append(ChannelPublishResult(channel=channel, listing_ids=ids, job=job))
    return results

"""Reads of the attribution events for the page and the API (docs/analytics.md#attribution)."""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from accounts.roles import channel_scoped
from listings.models import ListingVersion

from .models import AttributionEvent, ChangeKind


def attribution_event_list(*, user: Any) -> QuerySet[AttributionEvent]:
    """The events of the channels `user` may use, newest change first, with their listing, product and channel."""
    qs = AttributionEvent.objects.select_related("listing__product", "listing__channel").order_by(
        "-change_timestamp", "-id"
    )
    return channel_scoped(qs, user, "listing__channel_id")


def version_numbers(events: Iterable[AttributionEvent]) -> dict[int, int]:
    """{content version id: its number} for the events that measure a content version (one query)."""
    ids = [e.change_id for e in events if e.change_kind == ChangeKind.LISTING_VERSION]
    if not ids:
        return {}
    return dict(ListingVersion.objects.filter(pk__in=ids).values_list("pk", "version_number"))


LISTING_EVENTS = 10  # the listing page shows its newest changes; the attribution page has them all


def listing_attribution_events(listing_id: int, limit: int = LISTING_EVENTS) -> list[AttributionEvent]:
    """The listing's newest measured changes, newest first (one query)."""
    return list(AttributionEvent.objects.filter(listing_id=listing_id).order_by("-change_timestamp", "-id")[:limit])

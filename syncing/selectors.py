"""Reads of the sync history used by pages, the API and the admin."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from channels.models import Channel
from listings.models import Listing

from .choices import RETRYABLE_OUTCOMES
from .filters import SyncEventFilterSet, SyncJobFilterSet
from .models import SyncEvent, SyncJob


def sync_job_list(*, filters: dict[str, Any] | None = None) -> QuerySet[SyncJob]:
    """Jobs newest first, filtered with SyncJobFilterSet."""
    queryset = SyncJob.objects.select_related("channel", "created_by").defer("listing_ids")
    return SyncJobFilterSet(filters or {}, queryset=queryset).qs


def sync_event_list(*, filters: dict[str, Any] | None = None) -> QuerySet[SyncEvent]:
    """Events newest first, filtered with SyncEventFilterSet."""
    queryset = SyncEvent.objects.select_related("channel", "listing", "listing__product", "listing__variant", "job")
    return SyncEventFilterSet(filters or {}, queryset=queryset).qs


def listing_retryable_event_latest(*, listing: Listing) -> SyncEvent | None:
    """The listing's newest attempt that a person may retry (see RETRYABLE_OUTCOMES), or None."""
    events = SyncEvent.objects.filter(listing=listing, outcome__in=RETRYABLE_OUTCOMES)
    return events.order_by("-created_at", "-id").first()


def listing_sync_history(*, listing: Listing, limit: int = 50) -> list[SyncEvent]:
    """The listing's attempts, newest first (for its page)."""
    return list(SyncEvent.objects.select_related("job").filter(listing=listing).order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True)
class ChannelSyncHealth:
    """What the channel page says about the engine: paused, circuit open until when, failure run, last pull."""

    is_paused: bool
    circuit_open_until: datetime | None
    consecutive_failures: int
    message: str
    last_pull: SyncJob | None
    active_jobs: int


def channel_sync_health(*, channel: Channel) -> ChannelSyncHealth:
    now = timezone.now()
    open_until = channel.circuit_open_until if channel.circuit_open_until and channel.circuit_open_until > now else None
    last_pull = SyncJob.objects.filter(channel=channel, kind="pull").order_by("-created_at").first()
    active = SyncJob.objects.filter(channel=channel, status__in=["queued", "running"]).count()
    if not channel.is_active:
        last_auth = (
            SyncEvent.objects.filter(channel=channel, error_kind="auth").order_by("-created_at").only("message").first()
        )
        reason = f": {last_auth.message}" if last_auth else ""
        message = f"Paused{reason}. Reconnect the channel, then activate it."
    elif open_until:
        message = (
            f"Circuit open after repeated marketplace failures: no calls until {open_until:%Y-%m-%d %H:%M} UTC; "
            "work waits and resumes by itself."
        )
    else:
        message = ""
    return ChannelSyncHealth(
        is_paused=not channel.is_active,
        circuit_open_until=open_until,
        consecutive_failures=channel.consecutive_failures,
        message=message,
        last_pull=last_pull,
        active_jobs=active,
    )

"""Reads of the sync history used by pages, the API and the admin."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone

from channels.models import Channel
from listings.choices import ListingStatus
from listings.models import Listing
from listings.state import ON_MARKETPLACE_STATUSES

from .choices import RETRYABLE_OUTCOMES, SyncErrorKind, SyncOperation, SyncOutcome
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


# Operations whose work one success finishes for the others: a full push also sends price and stock.
_PUSH_FAMILY = (SyncOperation.CREATE, SyncOperation.UPDATE, SyncOperation.LOOKUP)
DONE_BY: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(_PUSH_FAMILY, _PUSH_FAMILY),
    SyncOperation.OFFERS: (*_PUSH_FAMILY, SyncOperation.OFFERS),
    SyncOperation.DEACTIVATE: (SyncOperation.DEACTIVATE,),
}
DONE_OUTCOMES = (SyncOutcome.SUCCEEDED, SyncOutcome.SKIPPED)


def sync_event_done_later(*, event: SyncEvent) -> SyncEvent | None:
    """A later attempt on the same listing that finished this event's work (any job), or None."""
    if event.listing_id is None:
        return None
    later = SyncEvent.objects.filter(
        listing_id=event.listing_id,
        pk__gt=event.pk,
        outcome__in=DONE_OUTCOMES,
        operation__in=DONE_BY.get(event.operation, (event.operation,)),
    )
    return later.order_by("pk").only("pk", "job_id", "created_at").first()


def sync_events_retry_marked(events: list[SyncEvent]) -> list[SyncEvent]:
    """Set `can_retry` on each event: retryable and not finished since by a later attempt (one query)."""
    listing_ids = {e.listing_id for e in events if e.is_retryable and e.listing_id is not None}
    done: dict[tuple[int | None, str], int] = {}
    if listing_ids:
        rows = (
            SyncEvent.objects.filter(listing_id__in=listing_ids, outcome__in=DONE_OUTCOMES)
            .values("listing_id", "operation")
            .annotate(last=Max("pk"))
        )
        done = {(row["listing_id"], row["operation"]): row["last"] for row in rows}
    for event in events:
        family = DONE_BY.get(event.operation, (event.operation,))
        latest_done = max((done.get((event.listing_id, op), 0) for op in family), default=0)
        event.can_retry = event.is_retryable and latest_done < event.pk  # type: ignore[attr-defined]
    return events


def listing_retryable_event_latest(*, listing: Listing) -> SyncEvent | None:
    """The listing's newest attempt that a person may retry (see RETRYABLE_OUTCOMES) and whose work no later
    attempt finished (a retry button never stays on work another job already did), or None."""
    events = SyncEvent.objects.filter(listing=listing, outcome__in=RETRYABLE_OUTCOMES)
    event = events.order_by("-created_at", "-id").first()
    if event is None or sync_event_done_later(event=event) is not None:
        return None
    return event


def listing_sync_history(*, listing: Listing, limit: int = 50) -> list[SyncEvent]:
    """The listing's attempts, newest first (for its page), each with `can_retry` (sync_events_retry_marked)."""
    events = SyncEvent.objects.select_related("job", "channel").filter(listing=listing).order_by("-created_at", "-id")
    return sync_events_retry_marked(list(events[:limit]))


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
    last_pull = SyncJob.objects.filter(channel=channel, kind="pull", listing_ids=[]).order_by("-created_at").first()
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


def listings_on_marketplace(queryset: QuerySet[Listing] | None = None) -> QuerySet[Listing]:
    """Listings the marketplace holds and may show to buyers: an external id and a status in
    ON_MARKETPLACE_STATUSES (docs/sync.md#deactivation)."""
    queryset = Listing.objects.all() if queryset is None else queryset
    return queryset.exclude(external_id="").filter(status__in=ON_MARKETPLACE_STATUSES)


# --- A job's failures grouped by cause (docs/sync.md#failures-grouped-by-cause) ---

FAILED_OUTCOMES = (SyncOutcome.FAILED, SyncOutcome.REJECTED)
FAILURE_GROUPS_MAX = 20


@dataclass(frozen=True)
class FailureGroup:
    """Listings of one job that failed for the same reason: the marketplace's code and message, or readiness."""

    error_kind: str
    error_code: str
    message: str
    count: int
    listing_id: int | None  # one of the listings (the only one when count is 1), for the fix link

    @property
    def is_readiness(self) -> bool:
        return self.error_kind == SyncErrorKind.READINESS


def sync_job_failure_groups(*, job: SyncJob, limit: int = FAILURE_GROUPS_MAX) -> list[FailureGroup]:
    """The job's final failures counted by cause (error kind, marketplace code, message), biggest first.

    One grouped query however many listings failed; a job without failures has no groups.
    """
    rows = (
        SyncEvent.objects.filter(job=job, is_final=True, outcome__in=FAILED_OUTCOMES)
        .values("error_kind", "error_code", "message")
        .annotate(count=Count("listing_id", distinct=True), events=Count("id"), any_listing=Min("listing_id"))
        .order_by("-count", "-events", "message")[:limit]
    )
    return [
        FailureGroup(
            error_kind=row["error_kind"],
            error_code=row["error_code"],
            message=row["message"],
            count=row["count"] or row["events"],
            listing_id=row["any_listing"],
        )
        for row in rows
    ]


def sync_job_failed_listing_ids(*, job: SyncJob) -> list[int]:
    """The listings (still existing) whose final outcome in the job was a failure, for "retry all failed"."""
    rows = SyncEvent.objects.filter(job=job, is_final=True, outcome__in=FAILED_OUTCOMES, listing__isnull=False)
    return sorted(set(rows.values_list("listing_id", flat=True)))


def listings_in_error_count(*, channel: Channel) -> int:
    """How many of the channel's listings are in error (the channel page's "retry errors" button)."""
    return Listing.objects.filter(channel=channel, status=ListingStatus.ERROR).count()

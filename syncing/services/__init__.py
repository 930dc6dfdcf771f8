"""Sync engine services (see docs/sync.md). Import from here; the submodules are split by subject."""

from .autopush import channel_autopush, listings_changes_publish, listings_changes_publish_grouped
from .changeset_revert import changeset_publish_undo, changeset_revert
from .deactivate import (
    DEACTIVATE_MODES,
    ChannelDeactivateResult,
    listings_deactivate,
    listings_deactivate_grouped,
    product_listings_deactivate,
)
from .jobs import sync_job_cancel
from .maintenance import sync_events_summarise, sync_jobs_requeue_stuck
from .offers import listings_offers_sync
from .publish import listings_errors_repush, listings_publish, sync_event_retry
from .publish_grouped import ChannelPublishResult, listings_publish_grouped
from .pull import channel_listings_pull, listing_discarded_push_again, listing_remote_accept, listing_remote_refresh

__all__ = [
    "DEACTIVATE_MODES",
    "ChannelDeactivateResult",
    "listings_deactivate_grouped",
    "product_listings_deactivate",
    "ChannelPublishResult",
    "channel_autopush",
    "listings_changes_publish",
    "listings_changes_publish_grouped",
    "channel_listings_pull",
    "listing_discarded_push_again",
    "listing_remote_accept",
    "listing_remote_refresh",
    "listings_deactivate",
    "listings_errors_repush",
    "listings_offers_sync",
    "listings_publish",
    "listings_publish_grouped",
    "changeset_publish_undo",
    "changeset_revert",
    "sync_event_retry",
    "sync_events_summarise",
    "sync_job_cancel",
    "sync_jobs_requeue_stuck",
]

"""Services of the analytics app (docs/analytics.md); one module per subject."""

from analytics.services.stats import (
    channel_daily_stats_compute,
    channel_daily_stats_nightly,
    channel_daily_stats_refresh,
    order_ingested,
    pending_clear,
)

__all__ = [
    "channel_daily_stats_compute",
    "channel_daily_stats_nightly",
    "channel_daily_stats_refresh",
    "order_ingested",
    "pending_clear",
]

"""Names of the events syncing services publish (common.events); upper apps subscribe to them."""

# A pull read our listings' prices on the marketplace (the price history records them as observed "remote"
# points, docs/pricing.md#price-history). Payload: prices (dict listing id -> Decimal | None: no price shown),
# at (datetime of the read).
REMOTE_PRICES_OBSERVED = "syncing.remote_prices_observed"

# Content the marketplace changed (an automatic title fix, an edit in its seller centre) became ours: a pull under
# the "marketplace wins" policy, or a person accepting the marketplace's values. The listing's new content version
# has change_type "marketplace". Payload: listing_id, channel_id, fields (sorted names taken), user (None: a pull).
VERSION_MARKETPLACE = "syncing.version_marketplace"

# A push's answer for one listing (inside the transaction that recorded it): the marketplace took it (live or in
# review) or refused it. Payload: listing_id, channel_id, outcome ("synced" or "error"), message.
LISTING_PUSHED = "syncing.listing_pushed"

# A pull or status check moved a listing to suppressed or rejected (error) because the marketplace says so.
# Payload: listing_id, channel_id, status (the listing's new status), reason.
LISTING_SUPPRESSED = "syncing.listing_suppressed"

# A sync job ended with failures (failed, or completed with errors), inside the transaction that closed it.
# Payload: job_id, channel_id, kind, status, failed (int), total (int), created_by_id (int | None).
SYNC_JOB_FAILED = "syncing.sync_job_failed"

"""Names of the events listings services publish (common.events); other apps subscribe to them."""

# Listings were marked "changed since push" (docs/sync.md, "Push on change"); the sync engine schedules their
# push. Payload: channel_ids (sorted list of int), parts (frozenset of "offers" / "content").
LISTINGS_CHANGED = "listings.changed_since_push"

# A listing was created, or its own price override changed, so its effective price may have moved (the price
# history, docs/pricing.md#price-history). Payload: listing_ids (list of int), source (str: "" for the running
# writer's label, common/changes.py), user.
LISTING_PRICES_CHANGED = "listings.prices_changed"

# Listings were created in bulk (listings.services.assign), inside each chunk's transaction, so that the price
# history records their first price point (docs/pricing.md#who-records) without the per-listing reactions of
# LISTING_PRICES_CHANGED. Payload: listing_ids (list of int), source (str, "" as above), user.
LISTINGS_CREATED = "listings.created"

# Listings got a new content version (listings.services.versions.content_versions_record), inside the writing
# transaction. Payload: listing_ids (list of int). The analytics app marks their scores stale.
LISTING_CONTENT_VERSIONED = "listings.content_versioned"

"""Names of the events listings services publish (common.events); other apps subscribe to them."""

# Listings were marked "changed since push" (docs/sync.md, "Push on change"); the sync engine schedules their
# push. Payload: channel_ids (sorted list of int), parts (frozenset of "offers" / "content").
LISTINGS_CHANGED = "listings.changed_since_push"

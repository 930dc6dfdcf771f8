"""Names of the events channel services publish (common.events); other apps subscribe to them."""

# A channel's rules, activity, allowed categories or a category / attribute mapping changed, so the stored
# readiness of its listings may be stale. Payload: channel (Channel), category (Category | None: only that subtree).
READINESS_INPUTS_CHANGED = "channel.readiness_inputs_changed"

# A change that may alter what the channel's listings send: price/stock rules, a category or attribute value
# mapping (docs/sync.md, "Push on change"). Payload: channel (Channel), category (Category | None: only that
# subtree), parts (frozenset of "offers" / "content").
PAYLOAD_INPUTS_CHANGED = "channel.payload_inputs_changed"

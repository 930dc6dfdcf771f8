"""What the competitors app tells the apps above it (common/events.py; docs/competitors.md#for-price-rules)."""

# A competitor was observed (inside the transaction that stored the observation). Payload: competitor_id (int),
# listing_ids (list of int: our listings linked to it), at (datetime of the observation). The pricing app records
# the lowest competitor and buy-box prices in the price history and runs the `auto` price rules.
COMPETITOR_OBSERVED = "competitors.observed"

# A competitor's move was recorded as an alert, new or folded into an open one (inside the observation's
# transaction). Payload: alert_id, alert_type, change_pct (Decimal | None: the move since the group's first),
# created (bool), listing_ids (our listings the competitor is linked to).
ALERT_RECORDED = "competitors.alert_recorded"

"""Events the inventory app publishes (common/events.py); apps above it subscribe in their AppConfig.ready()."""

# A movement took a stock row's available quantity to its low-stock threshold or below (it was above), or below
# zero (oversold, it was not). Published inside the movement's transaction. Payload: stock_id, sku, product_id,
# variant_id (None for a product without variants), available.
STOCK_LOW = "inventory.stock_low"
STOCK_OVERSOLD = "inventory.stock_oversold"

# Stored landed costs were rewritten (inventory.cost_services.landed_costs_recompute, per chunk of products, inside
# the chunk's transaction). Payload: product_ids (list of int). Pricing refreshes those products' listings' stored
# margins (docs/pricing.md#stored-margins).
LANDED_COSTS_CHANGED = "inventory.landed_costs_changed"

# An exchange rate was set to a new value (inventory.cost_services.currency_rate_set, inside its transaction).
# Payload: currency (str). Pricing refreshes the stored margins of the listings whose channel or product uses that
# currency (docs/pricing.md#stored-margins); components priced in it get their landed costs recomputed as before.
CURRENCY_RATE_CHANGED = "inventory.currency_rate_changed"

"""Events the orders app publishes (common/events.py); apps above it subscribe in their AppConfig.ready()."""

# After an order was created or updated by `order_ingest`, inside its transaction. Payload: order (Order), created
# (bool: this ingest made the order, its first sight).
ORDER_INGESTED = "orders.order_ingested"

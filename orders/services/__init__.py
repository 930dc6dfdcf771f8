"""Order writes (docs/orders.md): the idempotent ingest, the order pull job and the webhook receiver."""

from .ingest import (
    customer_refresh,
    customers_purge,
    customers_refresh,
    customers_refresh_segments,
    line_state,
    order_ingest,
    order_line_link,
    orders_ingest,
    payload_hash,
    segment_for,
)

__all__ = [
    "customer_refresh",
    "customers_refresh",
    "customers_purge",
    "customers_refresh_segments",
    "line_state",
    "order_ingest",
    "order_line_link",
    "orders_ingest",
    "payload_hash",
    "segment_for",
]

"""Order writes (docs/orders.md)."""

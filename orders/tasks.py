"""Daily customer housekeeping (docs/orders.md#customers): segments that move with time, then retention."""


def customers_daily_task() -> dict[str, int]:
    from .services import customers_purge, customers_refresh_segments

    return {"refreshed": customers_refresh_segments(), "purged": customers_purge()}

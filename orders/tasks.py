"""django-q2 entry points of the orders app: each re-fetches what it needs and calls one service."""


def customers_daily_task() -> dict[str, int]:
    """Daily customer housekeeping (docs/orders.md#customers): segments that move with time, then retention."""
    from .services import customers_purge, customers_refresh_segments

    return {"refreshed": customers_refresh_segments(), "purged": customers_purge()}


def order_pull_task(run_id: int, cursor: str = "") -> None:
    """One order pull run, from `cursor` (docs/orders.md#pulling)."""
    from .services.pull import order_pull_run

    order_pull_run(run_id=run_id, cursor=cursor)


def orders_pull_due_task() -> list[int]:
    """The schedule `orders.orders_pull`: an order pull of every active channel."""
    from .services.pull import orders_pull_due

    return orders_pull_due()

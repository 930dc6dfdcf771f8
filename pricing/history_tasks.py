"""django-q2 entry points of the price history (docs/pricing.md#price-history): each calls one service."""

from datetime import datetime


def price_history_record_effective_task(listing_ids: list[int], source: str, at: str, user_id: int | None) -> None:
    """Record the effective prices of listings after a large change, with the change's time `at` (ISO)."""
    from .history import price_history_record_effective

    price_history_record_effective(
        listing_ids=listing_ids, source=source, at=datetime.fromisoformat(at), user_id=user_id
    )


def price_history_compress_task() -> None:
    """Nightly: raw points past PRICE_HISTORY_RAW_DAYS become daily aggregates; past KEEP_DAYS, gone."""
    from .history import price_history_compress

    price_history_compress()


def fee_estimates_nightly_task() -> dict[str, int]:
    """Nightly: Amazon fee estimates asked again where the price moved or the estimate is old."""
    from .services import fee_estimates_refresh_nightly

    return fee_estimates_refresh_nightly()


def listing_margins_refresh_task(listing_ids: list[int]) -> None:
    """Recompute the stored margins of listings after a large fee change (docs/pricing.md#stored-margins)."""
    from .services import listing_margins_refresh

    listing_margins_refresh(listing_ids=listing_ids)


def listing_margins_nightly_task() -> int:
    """Nightly: every listing's stored margin recomputed (a changed default floor or exchange rate)."""
    from .services import listing_margins_refresh_all

    return listing_margins_refresh_all()

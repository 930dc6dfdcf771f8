"""The pricing side of a competitor observation (event `competitors.observed`, docs/competitors.md#for-price-rules):
the lowest competitor and buy-box prices go into the price history, and the `auto` price rules run in a task."""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from common.enqueue import enqueue
from competitors.selectors import listings_competition

from .history import price_history_record_observed
from .history_models import PriceKind, PriceSource
from .rule_models import PriceRule


def competitor_observed(*, listing_ids: Collection[int], at: datetime, **_: Any) -> None:
    """Handler: record what our linked listings now face, then queue the auto rules for them (if any)."""
    ids = list(listing_ids)
    if not ids:
        return
    competition = listings_competition(ids)
    for listing_id in ids:
        seen = competition.get(listing_id)
        lowest = seen.lowest_landed_price if seen else None
        price_history_record_observed(
            listing=listing_id, kind=PriceKind.LOWEST_COMPETITOR, price=lowest, source=PriceSource.COMPETITOR, at=at
        )
        if seen is not None and seen.buy_box_price is not None:
            price_history_record_observed(
                listing=listing_id,
                kind=PriceKind.BUY_BOX,
                price=seen.buy_box_price,
                source=PriceSource.COMPETITOR,
                at=at,
                has_buy_box=False if seen.competitor_holds_buy_box else None,
            )
    if PriceRule.objects.filter(is_active=True, auto=True).exists():
        from .rule_tasks import price_rules_auto_apply_task

        enqueue(price_rules_auto_apply_task, ids)

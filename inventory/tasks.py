"""django-q2 entry points of inventory: ids in, one service call."""

import logging

logger = logging.getLogger(__name__)


def landed_costs_recompute_task(component_ids: list[int], product_ids: list[int]) -> None:
    """Rewrite the stored landed costs a price, BOM, batch or rate change touched (idempotent: it recomputes)."""
    from .cost_services import landed_costs_recompute

    written = landed_costs_recompute(component_ids=component_ids, product_ids=product_ids)
    logger.info("landed costs: %s unit(s) recomputed", written)

"""django-q2 entry points of the price rules (docs/pricing.md#price-rules): each calls one service."""


def price_rules_auto_apply_task(listing_ids: list[int]) -> None:
    """After new competitor observations: apply the active `auto` rules to these listings."""
    from .rule_services import price_rules_auto_apply

    price_rules_auto_apply(listing_ids=listing_ids)

"""System checks of the pricing settings: a bad margin floor is refused at start, naming the setting."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.checks import Error


def margin_floor_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        floor = Decimal(str(settings.PRICING_DEFAULT_MARGIN_FLOOR))
    except InvalidOperation:
        floor = Decimal("-1")
    if not Decimal("0") <= floor < 100:
        value = settings.PRICING_DEFAULT_MARGIN_FLOOR
        message = f"PRICING_DEFAULT_MARGIN_FLOOR must be at least 0 and below 100 (got {value})."
        return [Error(message, id="pricing.E001")]
    return []

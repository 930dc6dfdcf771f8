"""Cache invalidation only (house style): stock and listing changes make cached analytics unreachable.

Stock and listings sit below analytics and publish no event for every change; every stock change is a new
StockMovement row and every listing status change a Listing save, so these two signals catch them all."""

from typing import Any

from .cache import cache_version_bump_on_commit


def figures_changed(**_: Any) -> None:
    cache_version_bump_on_commit()

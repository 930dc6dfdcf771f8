"""The bulk price and stock grid's changeset (docs/pages.md#bulk-price-and-stock-grid).

Here, above both catalog and inventory, because one save writes prices through the catalog services and stock
through the inventory ledger (a manual adjustment with the seller's reason), all or nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import Product, Variant
from catalog.services import product_update, variant_update
from common.actors import Actor as User
from common.changes import change_source
from common.errors import ApplicationError
from inventory.services import stock_adjust, stock_for_product, stock_for_variant

GRID_PRICE_FIELDS = ("price", "compare_at_price")


@dataclass(frozen=True)
class GridChange:
    """One row of the grid that the seller changed: a product (`variant_id` None) or a variant.

    `fields` holds the new price / compare-at price, `seen` the values the grid showed when it was loaded (a row
    changed by someone else since is refused, not overwritten); `stock` the new available quantity and
    `stock_seen` the one shown."""

    key: str
    product_id: int | None = None
    variant_id: int | None = None
    fields: dict[str, Decimal | None] = field(default_factory=dict)
    seen: dict[str, Decimal | None] = field(default_factory=dict)
    stock: int | None = None
    stock_seen: int | None = None


class GridChangesetError(ValidationError):
    """Rows of a grid save were refused, so none of it was kept; `row_errors` maps each row key to why."""

    def __init__(self, row_errors: dict[str, str]) -> None:
        self.row_errors = row_errors
        super().__init__([f"{key}: {message}" for key, message in row_errors.items()])


@transaction.atomic
def offers_grid_save(*, changes: list[GridChange], reason: str = "", user: User = None) -> dict[str, int]:
    """Apply the grid's changed rows as one changeset: every row or none.

    Prices go through product_update / variant_update, stock through inventory's stock_adjust with `reason` (so
    the ledger says who changed it and why). Each row is tried in its own savepoint so that every refusal is
    collected; any refusal rolls the whole changeset back and is raised as GridChangesetError."""
    reason = (reason or "").strip()
    if not reason and any(c.stock is not None and c.stock != c.stock_seen for c in changes):
        raise ValidationError({"reason": "Say why the stock changes: a reason is required for stock edits."})
    errors: dict[str, str] = {}
    counts = {"rows": 0, "prices": 0, "stock": 0}
    for change in changes:
        try:
            with transaction.atomic(), change_source("grid"):
                prices, stock = _row_apply(change, reason, user)
        except (ValidationError, ApplicationError) as exc:
            errors[change.key] = _text(exc)
            continue
        counts["rows"] += 1
        counts["prices"] += prices
        counts["stock"] += stock
    if errors:
        raise GridChangesetError(errors)
    return counts


def _row_apply(change: GridChange, reason: str, user: User) -> tuple[int, int]:
    target: Any
    if change.variant_id is not None:
        target = Variant.objects.select_for_update().select_related("product").get(pk=change.variant_id)
    else:
        target = Product.objects.select_for_update().get(pk=int(change.product_id or 0))
    stale = [
        f"{name.replace('_', '-')} is now {getattr(target, name) or 'empty'}"
        for name, value in change.seen.items()
        if name in change.fields and getattr(target, name) != value
    ]
    if change.stock is not None and change.stock != change.stock_seen and target.quantity != change.stock_seen:
        stale.append(f"stock is now {target.quantity}")
    if stale:
        raise ApplicationError(f"Changed by someone else since the grid was loaded ({', '.join(stale)}); reload it.")
    fields: dict[str, Any] = {name: value for name, value in change.fields.items() if name in GRID_PRICE_FIELDS}
    if fields and change.variant_id is not None:
        variant_update(variant=target, user=user, **fields)
    elif fields:
        product_update(product=target, user=user, **fields)
    if change.stock is None or change.stock_seen is None or change.stock == change.stock_seen:
        return (1 if fields else 0), 0
    if change.stock < 0:
        raise ValidationError({"quantity": "Stock cannot be negative."})
    stock = stock_for_variant(target) if change.variant_id is not None else stock_for_product(target)
    # From the catalog quantity the grid showed: the ledger first takes a quantity edited outside it as a count.
    stock_adjust(stock=stock, delta=change.stock - change.stock_seen, reason=reason, user=user)
    return (1 if fields else 0), 1


def _text(exc: ValidationError | ApplicationError) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if hasattr(exc, "error_dict"):
        return " ".join(" ".join(e.messages) for errors in exc.error_dict.values() for e in errors)
    return " ".join(exc.messages)

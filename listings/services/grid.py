"""The bulk price and stock grid's changeset (docs/pages.md#bulk-price-and-stock-grid).

Here, above both catalog and inventory, because one save writes prices through the catalog services, stock
through the inventory ledger (a manual adjustment with the seller's reason) and a listing's overrides through
listing_update (push on change), all or nothing. Each save opens one `grid` changeset recording every value it
changed (`ChangesetValue`), so the changesets page can undo it (`changeset_grid_undo`).
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
from listings.choices import ChangesetKind
from listings.models import Changeset, ChangesetValue, Listing

from .listing import listing_update
from .versions import UndoReport, changeset_open, changeset_undo_finish, changeset_undo_lock

GRID_PRICE_FIELDS = ("price", "compare_at_price")
LISTING_GRID_FIELDS = ("price", "compare_at_price", "quantity")  # a listing's own overrides; None = inherit

Value = Decimal | int | None


@dataclass(frozen=True)
class GridChange:
    """One row of the grid that the seller changed: a product, a variant (`variant_id`) or a listing
    (`listing_id`).

    `fields` holds the new price / compare-at price (a listing's: also its `quantity` override), `seen` the values
    the grid showed when it was loaded (a row changed by someone else since is refused, not overwritten); `stock`
    the new available quantity of a product or variant and `stock_seen` the one shown."""

    key: str
    product_id: int | None = None
    variant_id: int | None = None
    fields: dict[str, Value] = field(default_factory=dict)
    seen: dict[str, Value] = field(default_factory=dict)
    stock: int | None = None
    stock_seen: int | None = None
    listing_id: int | None = None


class GridChangesetError(ValidationError):
    """Rows of a grid save were refused, so none of it was kept; `row_errors` maps each row key to why."""

    def __init__(self, row_errors: dict[str, str]) -> None:
        self.row_errors = row_errors
        super().__init__([f"{key}: {message}" for key, message in row_errors.items()])


class StaleRowError(ApplicationError):
    """The row's values are no longer those the grid (or the changeset) expects; `stale` names each."""

    def __init__(self, stale: list[str]) -> None:
        self.stale = stale
        super().__init__(f"Changed by someone else since the grid was loaded ({', '.join(stale)}); reload it.")


@transaction.atomic
def offers_grid_save(*, changes: list[GridChange], reason: str = "", user: User = None) -> dict[str, int]:
    """Apply the grid's changed rows as one changeset: every row or none.

    Prices go through product_update / variant_update, stock through inventory's stock_adjust with `reason` (so
    the ledger says who changed it and why), a listing's overrides through listing_update. Each row is tried in
    its own savepoint so that every refusal is collected; any refusal rolls the whole changeset back and is raised
    as GridChangesetError. The values changed are recorded on one `grid` changeset (its id is `changeset`)."""
    reason = (reason or "").strip()
    if not reason and any(c.stock is not None and c.stock != c.stock_seen for c in changes):
        raise ValidationError({"reason": "Say why the stock changes: a reason is required for stock edits."})
    errors: dict[str, str] = {}
    counts = {"rows": 0, "prices": 0, "stock": 0, "changeset": 0}
    recorded: list[ChangesetValue] = []
    for change in changes:
        try:
            with transaction.atomic(), change_source("grid"):
                values = _row_apply(change, reason, user)
        except (ValidationError, ApplicationError) as exc:
            errors[change.key] = _text(exc)
            continue
        counts["rows"] += 1
        counts["prices"] += int(any(v.field in GRID_PRICE_FIELDS for v in values))
        counts["stock"] += int(any(v.field in ("stock", "quantity") for v in values))
        recorded += values
    if errors:
        raise GridChangesetError(errors)
    if recorded:
        changeset = changeset_open(kind=ChangesetKind.GRID, description=_description(recorded), user=user)
        for value in recorded:
            value.changeset = changeset
        ChangesetValue.objects.bulk_create(recorded)
        counts["changeset"] = changeset.pk
    return counts


def _description(values: list[ChangesetValue]) -> str:
    rows = {(v.product_id, v.variant_id, v.listing_id) for v in values}
    return f"{len(values)} value(s) of {len(rows)} row(s)"


def _row_apply(change: GridChange, reason: str, user: User) -> list[ChangesetValue]:
    """Apply one row; returns the values it changed, unsaved, for the changeset."""
    if change.listing_id is not None:
        return _listing_apply(change, user)
    target: Any
    if change.variant_id is not None:
        target = Variant.objects.select_for_update().select_related("product").get(pk=change.variant_id)
    else:
        target = Product.objects.select_for_update().get(pk=int(change.product_id or 0))
    stale = _stale(target, change)
    if change.stock is not None and change.stock != change.stock_seen and target.quantity != change.stock_seen:
        stale.append(f"stock is now {target.quantity}")
    if stale:
        raise StaleRowError(stale)
    fields: dict[str, Any] = {name: value for name, value in change.fields.items() if name in GRID_PRICE_FIELDS}
    owner = {"variant_id": target.pk} if change.variant_id is not None else {"product_id": target.pk}
    values = [_value(owner, target.sku, name, change.seen.get(name), value) for name, value in fields.items()]
    if fields and change.variant_id is not None:
        variant_update(variant=target, user=user, **fields)
    elif fields:
        product_update(product=target, user=user, **fields)
    if change.stock is None or change.stock_seen is None or change.stock == change.stock_seen:
        return values
    if change.stock < 0:
        raise ValidationError({"quantity": "Stock cannot be negative."})
    stock = stock_for_variant(target) if change.variant_id is not None else stock_for_product(target)
    # From the catalog quantity the grid showed: the ledger first takes a quantity edited outside it as a count.
    stock_adjust(stock=stock, delta=change.stock - change.stock_seen, reason=reason, user=user)
    return [*values, _value(owner, target.sku, "stock", change.stock_seen, change.stock)]


def _listing_apply(change: GridChange, user: User) -> list[ChangesetValue]:
    listing = (
        Listing.objects.select_for_update(of=("self",))
        .select_related("product", "variant", "channel")
        .get(pk=int(change.listing_id or 0))
    )
    stale = _stale(listing, change)
    if stale:
        raise StaleRowError(stale)
    fields = {name: value for name, value in change.fields.items() if name in LISTING_GRID_FIELDS}
    if not fields:
        return []
    label = f"{listing.variant.sku if listing.variant else listing.product.sku} on {listing.channel.name}"
    values = [_value({"listing_id": listing.pk}, label, n, change.seen.get(n), v) for n, v in fields.items()]
    # The listing form's service: validation, then "changed since push" for what the marketplace sees.
    listing_update(listing=listing, user=user, **fields)
    return values


def _stale(target: Any, change: GridChange) -> list[str]:
    return [
        f"{name.replace('_', '-').replace('quantity', 'stock')} is now {_shown(getattr(target, name))}"
        for name, value in change.seen.items()
        if name in change.fields and getattr(target, name) != value
    ]


def _shown(value: Value) -> str:
    return "empty" if value is None or value == "" else str(value)


def _value(owner: dict[str, int], label: str, name: str, before: Value, after: Value) -> ChangesetValue:
    return ChangesetValue(label=label[:300], field=name, before=_stored(before), after=_stored(after), **owner)


def _stored(value: Value) -> str:
    return "" if value is None else str(value)


def _text(exc: ValidationError | ApplicationError) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if hasattr(exc, "error_dict"):
        return " ".join(" ".join(e.messages) for errors in exc.error_dict.values() for e in errors)
    return " ".join(exc.messages)


# --- Undo (docs/pages.md#bulk-price-and-stock-grid) ---


@transaction.atomic
def changeset_grid_undo(*, changeset: Changeset, user: User = None) -> UndoReport:
    """Put back every value a grid save changed. A row with a value changed since (it no longer holds what the
    grid saved) is left as it is and named, like the content undo's conflicts; a row deleted since is skipped."""
    changeset = changeset_undo_lock(changeset=changeset)
    if changeset.kind != ChangesetKind.GRID:
        raise ApplicationError(f"Changeset #{changeset.pk} is not a grid save.", extra={"code": "wrong_kind"})
    rows: dict[tuple[int | None, int | None, int | None], list[ChangesetValue]] = {}
    for item in ChangesetValue.objects.filter(changeset=changeset).order_by("pk"):
        rows.setdefault((item.product_id, item.variant_id, item.listing_id), []).append(item)
    report = UndoReport()
    for (product_id, variant_id, listing_id), items in rows.items():
        if product_id is None and variant_id is None and listing_id is None:
            report.skipped.append(f"{items[0].label}: deleted since")
            continue
        change = _reverse(items, product_id, variant_id, listing_id)
        try:
            with transaction.atomic(), change_source("grid"):
                _row_apply(change, f"Undo of changeset #{changeset.pk}", user)
        except StaleRowError as exc:
            report.conflicts.append(f"{items[0].label}: {', '.join(exc.stale)}, changed since this save; left as it is")
        except (ValidationError, ApplicationError) as exc:
            report.conflicts.append(f"{items[0].label}: {_text(exc)}")
        else:
            report.restored += 1
    changeset_undo_finish(changeset=changeset, user=user, report=report, total=len(rows))
    return report


def _reverse(
    items: list[ChangesetValue], product_id: int | None, variant_id: int | None, listing_id: int | None
) -> GridChange:
    """The row change that puts `before` back where the value is still `after`."""
    fields: dict[str, Value] = {}
    seen: dict[str, Value] = {}
    stock = stock_seen = None
    for item in items:
        if item.field == "stock":
            stock, stock_seen = int(item.before), int(item.after)
        else:
            fields[item.field], seen[item.field] = _parsed(item.field, item.before), _parsed(item.field, item.after)
    return GridChange(
        key=str(items[0].pk),
        product_id=product_id,
        variant_id=variant_id,
        listing_id=listing_id,
        fields=fields,
        seen=seen,
        stock=stock,
        stock_seen=stock_seen,
    )


def _parsed(name: str, text: str) -> Value:
    if not text:
        return None
    return int(text) if name == "quantity" else Decimal(text)

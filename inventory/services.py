"""Stock writes: every change is a StockMovement applied here (docs/orders.md#the-ledger).

Each movement carries a unique idempotency key: applying the same key twice is a no-op. After each movement the
variant's (or product's) catalog `quantity` is set to the available quantity through the catalog services, so
whatever follows a catalog quantity change (listing pushes) follows the ledger too.
"""

import logging
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from catalog.models import Product, Variant
from catalog.services import product_update, variant_update
from catalog.services.readiness import payload_parts, products_payload_changed
from common.actors import Actor as User
from common.actors import actor_or_none
from common.errors import ApplicationError

from .choices import Bucket, Reason
from .models import Stock, StockMovement
from .state import StockTargets

logger = logging.getLogger(__name__)

COUNT_REASON = "count"  # the one manual reason that may take on hand below zero


# --- Finding the stock of a variant or product ---


def stock_for_variant(variant: Variant) -> Stock:
    """The variant's stock, created on first use with an opening count of its catalog quantity."""
    stock = Stock.objects.filter(variant=variant).first()
    return stock or _stock_open(product=variant.product, variant=variant, sku=variant.sku, quantity=variant.quantity)


def stock_for_product(product: Product) -> Stock:
    """The stock of a product without variants (a product with variants keeps stock per variant)."""
    if product.variants.exists():
        raise ApplicationError(f"Product {product.sku} has variants: its stock is kept per variant.")
    stock = Stock.objects.filter(product=product, variant__isnull=True).first()
    return stock or _stock_open(product=product, variant=None, sku=product.sku, quantity=product.quantity)


def stock_item_open(*, product: Product | None = None, variant: Variant | None = None, **_: Any) -> None:
    """Handler of catalog.STOCK_ITEM_CREATED: a new product or variant gets its stock row at once (an opening count
    of its quantity), so stock pages and low-stock lists show it before its first order. Rows an import writes in
    bulk are opened on first use instead."""
    if variant is not None:
        stock_for_variant(variant)
    elif product is not None:
        stock_for_product(product)


def stock_for_sku(sku: str) -> Stock | None:
    """The stock of the variant, or the product without variants, that has `sku` (case-insensitive); None if none."""
    sku = (sku or "").strip()
    if not sku:
        return None
    variant = Variant.objects.select_related("product").filter(sku__iexact=sku).first()
    if variant is not None:
        return stock_for_variant(variant)
    product = Product.objects.filter(sku__iexact=sku).first()
    if product is None or product.variants.exists():
        return None
    return stock_for_product(product)


def _stock_open(*, product: Product, variant: Variant | None, sku: str, quantity: int) -> Stock:
    kind, pk = ("variant", variant.pk) if variant else ("product", product.pk)
    try:
        with transaction.atomic():
            stock = Stock.objects.create(product=product, variant=variant, sku=sku)
    except IntegrityError:  # opened by someone else in between
        lookup = {"variant": variant} if variant else {"product": product, "variant__isnull": True}
        return Stock.objects.get(**lookup)
    if quantity:
        movement_apply(
            stock=stock,
            bucket=Bucket.ON_HAND,
            delta=quantity,
            reason=Reason.STOCK_COUNT,
            idempotency_key=f"opening:{kind}:{pk}",
            note="Opening count from the catalog quantity",
            write_back=False,
        )
        stock.refresh_from_db()
    return stock


# --- Applying movements ---


@transaction.atomic
def movement_apply(
    *,
    stock: Stock,
    bucket: str,
    delta: int,
    reason: str,
    idempotency_key: str,
    source_type: str = "",
    source_id: str = "",
    user: User = None,
    note: str = "",
    write_back: bool = True,
) -> StockMovement | None:
    """Apply one movement once: a key already in the ledger is a no-op (returns None)."""
    if bucket not in Bucket.values:
        raise ApplicationError(f"Unknown stock bucket '{bucket}'.")
    if reason not in Reason.values:
        raise ApplicationError(f"Unknown stock movement reason '{reason}'.")
    if not idempotency_key:
        raise ApplicationError("A stock movement needs an idempotency key.")
    if delta == 0:
        return None
    locked = _lock(stock)
    if StockMovement.objects.filter(idempotency_key=idempotency_key).exists():
        return None
    if write_back:
        _reconcile_catalog_edit(locked)
    value = getattr(locked, bucket) + delta
    if bucket in (Bucket.COMMITTED, Bucket.SAFETY) and value < 0:
        raise ApplicationError(f"{locked.sku}: {bucket} would become {value}; it cannot go below zero.")
    try:
        with transaction.atomic():
            movement = StockMovement.objects.create(
                stock=locked,
                bucket=bucket,
                delta=delta,
                reason=reason,
                idempotency_key=idempotency_key,
                source_type=source_type,
                source_id=str(source_id),
                actor=actor_or_none(user),
                note=note[:255],
            )
    except IntegrityError:  # the same key committed meanwhile by another transaction
        return None
    setattr(locked, bucket, value)
    locked.oversold = locked.available < 0
    locked.save(update_fields=[bucket, "oversold", "updated_at"])
    _copy(locked, stock)
    if write_back:
        _write_back(locked)
    return movement


def _lock(stock: Stock) -> Stock:
    return Stock.objects.select_for_update(of=("self",)).select_related("product", "variant").get(pk=stock.pk)


def _copy(source: Stock, target: Stock) -> None:
    for name in ("on_hand", "committed", "safety", "oversold", "low_stock_threshold"):
        setattr(target, name, getattr(source, name))


def _catalog_quantity(stock: Stock) -> int:
    if stock.variant_id:
        return Variant.objects.values_list("quantity", flat=True).get(pk=stock.variant_id)
    return Product.objects.values_list("quantity", flat=True).get(pk=stock.product_id)


def _reconcile_catalog_edit(stock: Stock) -> None:
    """Someone set the catalog quantity by hand since the last movement: take it as a stock count, so the
    ledger stays the one source of the figure and the next movement starts from what the seller typed."""
    quantity = _catalog_quantity(stock)
    expected = max(stock.available, 0)
    if quantity == expected:
        return
    delta = quantity - expected
    last = StockMovement.objects.filter(stock=stock).order_by("-id").values_list("id", flat=True).first() or 0
    StockMovement.objects.create(
        stock=stock,
        bucket=Bucket.ON_HAND,
        delta=delta,
        reason=Reason.STOCK_COUNT,
        idempotency_key=f"catalog-edit:{stock.pk}:{last}:{quantity}",
        note="Catalog quantity edited outside the ledger",
    )
    stock.on_hand += delta
    stock.oversold = stock.available < 0
    stock.save(update_fields=["on_hand", "oversold", "updated_at"])


def _write_back(stock: Stock) -> None:
    """Set the catalog quantity to the available quantity (0 when oversold) through the catalog services."""
    quantity = max(stock.available, 0)
    if _catalog_quantity(stock) == quantity:
        return
    try:
        with transaction.atomic():
            if stock.variant is not None:
                variant_update(variant=stock.variant, quantity=quantity)
            else:
                product_update(product=stock.product, quantity=quantity)
    except (ValidationError, ApplicationError) as exc:
        # The product fails its own validation for another reason (e.g. a newly required attribute); the stock
        # figure must still be right, so it is written alone and the problem logged.
        logger.warning("Stock %s: catalog quantity written directly (%s)", stock.sku, exc)
        model = Variant if stock.variant_id else Product
        model.objects.filter(pk=stock.variant_id or stock.product_id).update(quantity=quantity)
        # ...and the listings still hear of it, as after any catalog quantity change (docs/sync.md).
        products_payload_changed([stock.product_id], payload_parts(["quantity"], variant=stock.variant_id is not None))


# --- Manual changes ---


def stock_adjust(*, stock: Stock, delta: int, reason: str, user: User = None) -> StockMovement:
    """A manual change of on hand. The reason is required; going below zero is allowed only for a count."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Say why the stock changes: a reason is required.")
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise ApplicationError("The change must be a whole number other than 0.")
    is_count = reason.lower() == COUNT_REASON
    with transaction.atomic():
        current = _lock(stock).on_hand
        if current + delta < 0 and not is_count:
            raise ApplicationError(
                f"{stock.sku}: on hand would become {current + delta}. Going below zero is allowed only with "
                f'the reason "{COUNT_REASON}".'
            )
        movement = movement_apply(
            stock=stock,
            bucket=Bucket.ON_HAND,
            delta=delta,
            reason=Reason.STOCK_COUNT if is_count else Reason.MANUAL_ADJUSTMENT,
            idempotency_key=f"manual:{uuid.uuid4()}",
            user=user,
            note=reason,
        )
    assert movement is not None  # a fresh key always applies
    return movement


def stock_count(*, stock: Stock, on_hand: int, user: User = None, note: str = "") -> StockMovement | None:
    """Set on hand to a counted figure (the difference is one stock_count movement); None when it already is."""
    if on_hand < 0:
        raise ApplicationError("A counted quantity cannot be negative.")
    with transaction.atomic():
        delta = on_hand - _lock(stock).on_hand
        return movement_apply(
            stock=stock,
            bucket=Bucket.ON_HAND,
            delta=delta,
            reason=Reason.STOCK_COUNT,
            idempotency_key=f"count:{uuid.uuid4()}",
            user=user,
            note=note or "Stock count",
        )


def stock_settings_update(
    *, stock: Stock, safety: int | None = None, low_stock_threshold: int | None = None, user: User = None
) -> Stock:
    """Change the safety buffer (a movement, like any bucket) and the low-stock threshold (None: the default)."""
    if safety is not None and safety < 0:
        raise ApplicationError("The safety buffer cannot be negative.")
    if low_stock_threshold is not None and low_stock_threshold < 0:
        raise ApplicationError("The low-stock threshold cannot be negative.")
    with transaction.atomic():
        locked = _lock(stock)
        if locked.low_stock_threshold != low_stock_threshold:
            locked.low_stock_threshold = low_stock_threshold
            locked.save(update_fields=["low_stock_threshold", "updated_at"])
        if safety is not None:
            movement_apply(
                stock=locked,
                bucket=Bucket.SAFETY,
                delta=safety - locked.safety,
                reason=Reason.MANUAL_ADJUSTMENT,
                idempotency_key=f"safety:{uuid.uuid4()}",
                user=user,
                note="Safety buffer set",
            )
        locked.refresh_from_db()
    _copy(locked, stock)
    return stock


# --- Following an order line's state ---


def _held(source: Q) -> dict[str, int]:
    rows = StockMovement.objects.filter(source).values("bucket", "reason").annotate(total=Sum("delta"))
    held = {"committed": 0, "shipped": 0, "restocked": 0, "count": 0}
    for row in rows:
        if row["bucket"] == Bucket.COMMITTED:
            held["committed"] += row["total"]
        elif row["reason"] == Reason.ORDER_SHIPPED:
            held["shipped"] -= row["total"]
        elif row["reason"] == Reason.REFUND_RESTOCK:
            held["restocked"] += row["total"]
    held["count"] = StockMovement.objects.filter(source).count()
    return held


@transaction.atomic
def stock_follow(
    *,
    stock: Stock,
    source_type: str,
    source_id: str,
    targets: StockTargets,
    reserve_reason: str = Reason.ORDER_PAID,
    user: User = None,
) -> list[StockMovement]:
    """Move the ledger so that what `source` (an order line) holds equals `targets`; nothing when it already does.

    What the source holds is read from the ledger itself under the stock's row lock, and each key names the
    transition (`<source>:<track>:<n>:<held>-><target>`), so a replay, a duplicate or an older state arriving late
    cannot move stock twice (docs/orders.md#idempotency)."""
    _lock(stock)
    source = Q(stock=stock, source_type=source_type, source_id=str(source_id))
    held = _held(source)
    base = f"{source_type}:{source_id}"
    moves: list[tuple[str, str, int, str, int, int]] = []
    if targets.shipped != held["shipped"]:
        moves.append(("shipped", Bucket.ON_HAND, held["shipped"] - targets.shipped, Reason.ORDER_SHIPPED,
                      held["shipped"], targets.shipped))  # fmt: skip
    if targets.committed != held["committed"]:
        down = targets.committed < held["committed"]
        reason = reserve_reason if not down else (
            Reason.ORDER_SHIPPED if targets.shipped > held["shipped"] else Reason.ORDER_CANCELLED
        )  # fmt: skip
        moves.append(("committed", Bucket.COMMITTED, targets.committed - held["committed"], reason,
                      held["committed"], targets.committed))  # fmt: skip
    if targets.restocked != held["restocked"]:
        moves.append(("restocked", Bucket.ON_HAND, targets.restocked - held["restocked"], Reason.REFUND_RESTOCK,
                      held["restocked"], targets.restocked))  # fmt: skip
    # Lower `committed` before anything else so the bucket never dips below zero in between.
    moves.sort(key=lambda move: move[2] >= 0 if move[1] == Bucket.COMMITTED else True)
    applied: list[StockMovement] = []
    for n, (track, bucket, delta, reason, before, after) in enumerate(moves, start=held["count"]):
        movement = movement_apply(
            stock=stock,
            bucket=bucket,
            delta=delta,
            reason=reason,
            idempotency_key=f"{base}:{track}:{n}:{before}->{after}",
            source_type=source_type,
            source_id=str(source_id),
            user=user,
        )
        if movement is not None:
            applied.append(movement)
    return applied

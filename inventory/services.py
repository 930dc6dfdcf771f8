"""Stock writes: every change is a StockMovement applied here (docs/orders.md#the-ledger).

Each movement carries a unique idempotency key: applying the same key twice is a no-op. After each movement the
variant's (or product's) catalog `quantity` is set to the available quantity through the catalog services, so
whatever follows a catalog quantity change (listing pushes) follows the ledger too.
"""

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Upper
from django.utils import timezone

from catalog.importing.sql import instances_insert, instances_update
from catalog.models import Product, Variant
from catalog.services import stock_quantity_write
from common import events
from common.actors import Actor as User
from common.actors import actor_or_none
from common.errors import ApplicationError

from .choices import Bucket, Reason
from .events import STOCK_LOW, STOCK_OVERSOLD
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


def stocks_for_skus(skus: Iterable[str]) -> dict[str, Stock | None]:
    """`stock_for_sku` for many SKUs at once (a page of order lines): keyed by the stripped SKU as given. A few
    queries for the whole set; a stock opened on first use, or a SKU matched only case-insensitively beyond
    ASCII, goes through `stock_for_sku` itself."""
    wanted = {sku.strip() for sku in skus if sku and sku.strip()}
    found: dict[str, Stock | None] = {}
    if not wanted:
        return found
    upper = {sku.upper() for sku in wanted}
    variants = {
        v.sku.upper(): v
        for v in Variant.objects.select_related("product").annotate(_sku=Upper("sku")).filter(_sku__in=upper)
    }
    products = {
        p.sku.upper(): p
        for p in Product.objects.annotate(_sku=Upper("sku")).filter(_sku__in=upper - set(variants))
        .exclude(variants__isnull=False)
    }  # fmt: skip
    stocks = Stock.objects.select_related("product", "variant").filter(
        Q(variant__in=list(variants.values())) | Q(product__in=list(products.values()), variant__isnull=True)
    )
    by_variant = {s.variant_id: s for s in stocks if s.variant_id}
    by_product = {s.product_id: s for s in stocks if not s.variant_id}
    for sku in sorted(wanted):
        variant, product = variants.get(sku.upper()), products.get(sku.upper())
        if variant is not None and variant.pk in by_variant:
            found[sku] = by_variant[variant.pk]
        elif variant is None and product is not None and product.pk in by_product:
            found[sku] = by_product[product.pk]
        elif variant is None and product is None and sku.isascii():
            found[sku] = None  # no such SKU (the unique SKU indexes are on UPPER(sku), the same fold for ASCII)
        else:
            found[sku] = stock_for_sku(sku)
    return found


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
    before = locked.available
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
    _crossings_publish(locked, before)
    _copy(locked, stock)
    if write_back:
        _write_back(locked)
    return movement


def _crossings_publish(stock: Stock, before: int) -> None:
    """Tell the apps above when available stock crossed the low-stock threshold or zero (inventory/events.py)."""
    after = stock.available
    payload = {"stock_id": stock.pk, "sku": stock.sku, "product_id": stock.product_id, "variant_id": stock.variant_id}
    if after < 0 <= before:
        events.publish(STOCK_OVERSOLD, available=after, **payload)
    if after <= stock.threshold < before:
        events.publish(STOCK_LOW, available=after, **payload)


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
    """Set the catalog quantity to the available quantity (0 when oversold). Through the catalog service that
    writes only the figure: not a content edit, so the product's version (edit forms, If-Match) stays."""
    stock_quantity_write(product=stock.product, variant=stock.variant, quantity=max(stock.available, 0))


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


def stock_count(
    *,
    stock: Stock,
    on_hand: int,
    user: User = None,
    note: str = "",
    idempotency_key: str = "",
    source_type: str = "",
    source_id: str = "",
) -> StockMovement | None:
    """Set on hand to a counted figure (the difference is one stock_count movement); None when it already is, or
    when `idempotency_key` was applied before (an import row committed twice counts once)."""
    if isinstance(on_hand, bool) or not isinstance(on_hand, int) or on_hand < 0:
        raise ApplicationError("A counted quantity is a whole number of 0 or more.")
    with transaction.atomic():
        delta = on_hand - _lock(stock).on_hand
        return movement_apply(
            stock=stock,
            bucket=Bucket.ON_HAND,
            delta=delta,
            reason=Reason.STOCK_COUNT,
            idempotency_key=idempotency_key or f"count:{uuid.uuid4()}",
            source_type=source_type,
            source_id=source_id,
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


@dataclass(frozen=True)
class Follow:
    """What one source (an order line) should hold of one stock: its targets, and the reason of a reservation."""

    stock_id: int
    source_type: str
    source_id: str
    targets: StockTargets
    reserve_reason: str = Reason.ORDER_PAID


@dataclass
class Followed:
    """What `stocks_follow` did for one Follow: the movements applied and the stock's available quantity after
    them (the running figure, as if the follows before it had been applied one by one)."""

    moved: list[StockMovement] = field(default_factory=list)
    available: int = 0


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
    One follow of `stocks_follow`."""
    follow = Follow(stock.pk, source_type, str(source_id), targets, reserve_reason)
    return stocks_follow(follows=[follow], user=user)[0].moved


def _held_many(follows: Sequence[Follow]) -> dict[tuple[int, str, str], dict[str, int]]:
    """What each source holds of its stock, read from the ledger (one query for all the follows)."""
    held: dict[tuple[int, str, str], dict[str, int]] = {
        (f.stock_id, f.source_type, f.source_id): {"committed": 0, "shipped": 0, "restocked": 0, "count": 0}
        for f in follows
    }
    rows = (
        StockMovement.objects.filter(
            stock_id__in={f.stock_id for f in follows},
            source_type__in={f.source_type for f in follows},
            source_id__in={f.source_id for f in follows},
        )
        .values("stock_id", "source_type", "source_id", "bucket", "reason")
        .annotate(total=Sum("delta"), n=Count("id"))
    )
    for row in rows:
        one = held.get((row["stock_id"], row["source_type"], row["source_id"]))
        if one is None:
            continue
        one["count"] += row["n"]
        if row["bucket"] == Bucket.COMMITTED:
            one["committed"] += row["total"]
        elif row["reason"] == Reason.ORDER_SHIPPED:
            one["shipped"] -= row["total"]
        elif row["reason"] == Reason.REFUND_RESTOCK:
            one["restocked"] += row["total"]
    return held


def _moves(follow: Follow, held: dict[str, int]) -> list[tuple[str, str, int, str]]:
    """The movements (key, bucket, delta, reason) that take what the source holds to its targets. Each key names
    the transition (`<source>:<track>:<n>:<held>-><target>`)."""
    targets = follow.targets
    moves: list[tuple[str, str, int, str, int, int]] = []
    if targets.shipped != held["shipped"]:
        moves.append(("shipped", Bucket.ON_HAND, held["shipped"] - targets.shipped, Reason.ORDER_SHIPPED,
                      held["shipped"], targets.shipped))  # fmt: skip
    if targets.committed != held["committed"]:
        down = targets.committed < held["committed"]
        reason = follow.reserve_reason if not down else (
            Reason.ORDER_SHIPPED if targets.shipped > held["shipped"] else Reason.ORDER_CANCELLED
        )  # fmt: skip
        moves.append(("committed", Bucket.COMMITTED, targets.committed - held["committed"], reason,
                      held["committed"], targets.committed))  # fmt: skip
    if targets.restocked != held["restocked"]:
        moves.append(("restocked", Bucket.ON_HAND, targets.restocked - held["restocked"], Reason.REFUND_RESTOCK,
                      held["restocked"], targets.restocked))  # fmt: skip
    # Lower `committed` before anything else so the bucket never dips below zero in between.
    moves.sort(key=lambda move: move[2] >= 0 if move[1] == Bucket.COMMITTED else True)
    base = f"{follow.source_type}:{follow.source_id}"
    return [
        (f"{base}:{track}:{n}:{before}->{after}", bucket, delta, reason)
        for n, (track, bucket, delta, reason, before, after) in enumerate(moves, start=held["count"])
    ]


@transaction.atomic
def stocks_follow(*, follows: Sequence[Follow], user: User = None) -> list[Followed]:
    """Move the ledger so that what each source holds equals its targets, for many sources at once (a page of
    orders), with the same movements and keys as following them one by one (docs/orders.md#idempotency).

    The stocks are locked (in id order) before what the sources hold is read from the ledger, so a replay, a
    duplicate or an older state arriving late cannot move stock twice. Each stock that moved is saved, reconciled
    with a catalog edit and written back to the catalog once, not once per movement: one readiness refresh and
    one listing change mark per stock and call. Returns one Followed per follow, in order."""
    results = [Followed() for _ in follows]
    if not follows:
        return results
    stock_ids = sorted({f.stock_id for f in follows})
    locked = {
        s.pk: s
        for s in Stock.objects.select_for_update(of=("self",))
        .select_related("product", "variant")
        .filter(pk__in=stock_ids)
        .order_by("pk")
    }
    held = _held_many(follows)
    planned = [_moves(f, held[(f.stock_id, f.source_type, f.source_id)]) for f in follows]
    keys = [key for moves in planned for key, *_ in moves]
    done = set(StockMovement.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    moving = {f.stock_id for f, moves in zip(follows, planned, strict=True) if any(m[0] not in done for m in moves)}
    for stock_id in sorted(moving):
        _reconcile_catalog_edit(locked[stock_id])
    before = {stock_id: locked[stock_id].available for stock_id in moving}
    actor = actor_or_none(user)
    rows: list[StockMovement] = []
    for follow, moves, result in zip(follows, planned, results, strict=True):
        stock = locked[follow.stock_id]
        for key, bucket, delta, reason in moves:
            if key in done:
                continue
            value = getattr(stock, bucket) + delta
            if bucket in (Bucket.COMMITTED, Bucket.SAFETY) and value < 0:
                raise ApplicationError(f"{stock.sku}: {bucket} would become {value}; it cannot go below zero.")
            setattr(stock, bucket, value)
            done.add(key)
            movement = StockMovement(
                stock=stock, bucket=bucket, delta=delta, reason=reason, idempotency_key=key,
                source_type=follow.source_type, source_id=follow.source_id, actor=actor,
            )  # fmt: skip
            rows.append(movement)
            result.moved.append(movement)
        result.available = stock.available
    instances_insert(StockMovement, rows, want_ids=False)
    now = timezone.now()
    for stock_id in sorted(moving):
        stock = locked[stock_id]
        stock.oversold = stock.available < 0
        stock.updated_at = now
        Stock.objects.filter(pk=stock_id).update(
            on_hand=stock.on_hand, committed=stock.committed, safety=stock.safety, oversold=stock.oversold,
            updated_at=now,
        )  # fmt: skip
        _crossings_publish(stock, before[stock_id])
        _write_back(stock)
    return results


# --- Quantities an import wrote ---


def stock_quantities_imported(*, batch: Any, items: Sequence[dict[str, Any]], undo: bool = False, **_: Any) -> None:
    """Handler of catalog.STOCK_QUANTITIES_IMPORTED: each imported quantity becomes one `import` movement of on
    hand, so that the available quantity equals the figure the sheet gave and the ledger explains it
    (docs/orders.md#import-quantities). Keyed by batch and row (`import:<batch>:quantity:row:<n>`), so a commit
    resumed after a worker died records each row once. In bulk: a few statements per written chunk (inside the
    chunk's transaction). The catalog already holds the figure, so nothing is written back. An undo of the batch
    hands back the figures it restored (`undo=True`): they are recorded the same way, keyed `import:<batch>:undo:…`."""
    product_ids = {i["product_id"] for i in items if i["variant_id"] is None}
    with_variants = (
        set(Variant.objects.filter(product_id__in=product_ids).values_list("product_id", flat=True).distinct())
        if product_ids
        else set()
    )
    items = [i for i in items if i["variant_id"] is not None or i["product_id"] not in with_variants]
    if not items:
        return
    with transaction.atomic(savepoint=False):
        found = Stock.objects.select_for_update(of=("self",)).filter(
            Q(variant_id__in=[i["variant_id"] for i in items if i["variant_id"]])
            | Q(product_id__in=[i["product_id"] for i in items if not i["variant_id"]], variant__isnull=True)
        )
        stocks = {(s.product_id, s.variant_id): s for s in found.order_by("pk")}
        step, what = ("undo", "Undo of import") if undo else ("quantity", "Import")
        keys = {f"import:{batch.pk}:{step}:row:{i['row']}": i for i in items}
        held = [k for k, i in keys.items() if (i["product_id"], i["variant_id"]) in stocks]
        # a stock row opened here has no movement yet: only the held ones may have been recorded by an earlier try
        done = set(StockMovement.objects.filter(idempotency_key__in=held).values_list("idempotency_key", flat=True))
        new: list[Stock] = []
        moves: list[tuple[str, Stock, int, dict[str, Any]]] = []
        changed: dict[int, Stock] = {}
        for key, item in keys.items():
            stock = stocks.get((item["product_id"], item["variant_id"]))
            if stock is None:
                stock = Stock(product_id=item["product_id"], variant_id=item["variant_id"], sku=item["sku"])
                stocks[(item["product_id"], item["variant_id"])] = stock
                new.append(stock)
            delta = item["quantity"] - stock.available
            if key in done or delta == 0:
                continue
            stock.on_hand += delta
            stock.oversold = stock.available < 0
            if stock.pk is not None:
                changed[stock.pk] = stock
            moves.append((key, stock, delta, item))
        instances_insert(Stock, new)
        movements = [
            StockMovement(
                stock=stock,
                bucket=Bucket.ON_HAND,
                delta=delta,
                reason=Reason.IMPORT,
                idempotency_key=key,
                source_type="catalog.importbatch",
                source_id=str(batch.pk),
                actor_id=batch.created_by_id,
                note=f"{what} #{batch.pk}, row {item['row']}: quantity {item['quantity']}",
            )  # fmt: skip
            for key, stock, delta, item in moves
        ]
        instances_insert(StockMovement, movements, want_ids=False)
        now = timezone.now()
        for stock in changed.values():
            stock.updated_at = now
        instances_update(Stock, list(changed.values()), ("on_hand", "oversold", "updated_at"))

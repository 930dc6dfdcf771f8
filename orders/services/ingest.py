"""Order writes: the idempotent ingest of a marketplace order, linking lines, customers (docs/orders.md)."""

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, Sum
from django.utils import timezone

from accounts.runtime_settings import runtime_setting
from catalog.importing.sql import instances_insert, instances_update
from channels.models import Channel
from common import events
from common.actors import Actor as User
from common.errors import ApplicationError
from inventory.choices import Reason
from inventory.services import Follow, stock_for_sku, stocks_follow, stocks_for_skus
from inventory.state import LineState, line_targets
from orders.choices import PAID_STATUSES, RESERVE_AT_PLACEMENT, SHIPPED_STATUSES, OrderStatus, Segment
from orders.events import ORDER_INGESTED
from orders.models import Customer, Order, OrderLine
from orders.selectors import LINE_SOURCE
from syncing.connectors.base import ORDER_STATUSES, RemoteOrder, RemoteOrderLine

# The order and line fields an ingest writes (orders.models), and the customer figures a refresh writes.
ORDER_WRITE_FIELDS = (
    "status", "raw_status", "currency", "currency_mismatch", "subtotal", "shipping", "tax", "discount", "total",
    "marketplace_fees", "placed_at", "paid_at", "shipped_at", "remote_updated_at", "shipping_address",
    "raw_payload", "payload_hash", "reserved", "last_seen_at", "customer",
)  # fmt: skip
LINE_WRITE_FIELDS = (
    "quantity", "sku", "title", "unit_price", "line_total", "cancelled_quantity", "shipped_quantity",
    "refunded_quantity", "restocked_quantity", "stock", "variant",
)  # fmt: skip
CUSTOMER_REFRESH_FIELDS = (
    "orders_count", "units", "total_spent", "average_order_value", "first_order_at", "last_order_at", "segment",
    "updated_at",
)  # fmt: skip
REFRESH_CHUNK = 500

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postcode", "country", "phone")


def payload_hash(raw: Any) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def _validate(remote: RemoteOrder) -> None:
    if not (remote.external_id or "").strip():
        raise ApplicationError("The order has no order id.")
    if remote.status not in ORDER_STATUSES:
        raise ApplicationError(f"Order {remote.external_id}: unknown status '{remote.status}'.")
    seen: set[str] = set()
    for line in remote.lines:
        if not line.external_line_id:
            raise ApplicationError(f"Order {remote.external_id}: a line has no line id.")
        if line.external_line_id in seen:
            raise ApplicationError(f"Order {remote.external_id}: line {line.external_line_id} appears twice.")
        seen.add(line.external_line_id)
        if line.quantity < 0:
            raise ApplicationError(f"Order {remote.external_id}: line {line.external_line_id} has a negative quantity.")


def order_ingest(*, channel: Channel, remote: RemoteOrder, user: User = None) -> Order:
    """Create or update the order from what the marketplace says, and move stock to match its state: a page of
    one for `orders_ingest`; a refusal is raised (ApplicationError)."""
    outcome = orders_ingest(channel=channel, remotes=[remote], user=user)[0]
    if isinstance(outcome, ApplicationError):
        raise outcome
    return outcome


def orders_ingest(
    *, channel: Channel, remotes: Sequence[RemoteOrder], user: User = None
) -> list[Order | ApplicationError]:
    """Create or update a page of orders from what the marketplace says, and move stock to match their state.

    Idempotent by construction (docs/orders.md#idempotency): the orders are found by (channel, external id) under
    row locks; line counters only grow; an older update (by the marketplace's update time) does not overwrite a
    newer status; stock follows each line's state through keyed transitions, so the same order by webhook and by
    poll, twice or out of order, never duplicates a row or moves stock twice.

    Batched (docs/orders.md#pulling): the page's orders, lines, customers and SKUs are read in a few queries,
    written in bulk, and each stock moves, is written back to the catalog (readiness, listing marks, stock push)
    once per page. The outcome is the same as ingesting the orders one by one in page order, which is what
    happens when the page is refused: each order then stands or fails alone. Returns, per remote order in
    order, the Order or the ApplicationError that refused it."""
    outcomes: list[Order | ApplicationError | None] = [None] * len(remotes)
    chunk: list[int] = []
    ids: set[str] = set()
    chunks: list[list[int]] = []
    for index, remote in enumerate(remotes):
        try:
            _validate(remote)
        except ApplicationError as exc:
            outcomes[index] = exc
            continue
        external_id = remote.external_id.strip()
        if external_id in ids:  # the same order twice in a page: the later snapshot goes after the first
            chunks.append(chunk)
            chunk, ids = [], set()
        chunk.append(index)
        ids.add(external_id)
    chunks.append(chunk)
    for indexes in chunks:
        if not indexes:
            continue
        try:
            orders = _ingest_atomic(channel, [remotes[i] for i in indexes], user)
        except ApplicationError as exc:
            if len(indexes) == 1:
                outcomes[indexes[0]] = exc
                continue
            for i in indexes:  # one by one, so that the refused order does not take the others with it
                try:
                    outcomes[i] = _ingest_atomic(channel, [remotes[i]], user)[0]
                except ApplicationError as one:
                    outcomes[i] = one
            continue
        for i, order in zip(indexes, orders, strict=True):
            outcomes[i] = order
    return [o if o is not None else ApplicationError("Not ingested.") for o in outcomes]


@transaction.atomic
def _ingest_atomic(channel: Channel, remotes: list[RemoteOrder], user: User) -> list[Order]:
    now = timezone.now()
    orders = _orders_locked(channel, [r.external_id.strip() for r in remotes], now)
    customers = _customers_upsert(channel, remotes)
    for order, remote in zip(orders, remotes, strict=True):
        stale = bool(order.remote_updated_at and remote.updated_at and remote.updated_at < order.remote_updated_at)
        if not stale:
            _order_fields(order, channel, remote)
        order.reserved = order.reserved or _reserves(channel, remote)
        order.last_seen_at = now
        if remote.buyer_id:
            order.customer = customers[remote.buyer_id[:128]]
    instances_update(Order, orders, ORDER_WRITE_FIELDS)
    lines = _lines_upsert(orders, remotes)
    _lines_stock_sync(lines, user=user)
    # An order keeps its customer when a later snapshot names no buyer: that customer is refreshed too.
    known = {c.pk for c in customers.values()}
    others = {c.pk: c for c in Customer.objects.filter(pk__in={o.customer_id for o in orders if o.customer_id} - known)}
    for order in orders:
        if order.customer_id in others:
            order.customer = others[order.customer_id]
    customers_refresh([*customers.values(), *others.values()])
    for order in orders:
        events.publish(ORDER_INGESTED, order=order, created=getattr(order, "first_seen", False))
    return orders


def _orders_locked(channel: Channel, external_ids: list[str], now: datetime) -> list[Order]:
    """The page's orders under row locks (in id order), the missing ones created first; in the page's order."""
    found = {
        o.external_id: o
        for o in Order.objects.select_for_update().filter(channel=channel, external_id__in=external_ids).order_by("pk")
    }
    missing = sorted(set(external_ids) - set(found))
    if missing:
        # A concurrent ingest may create one of them meanwhile: its row is kept, and locked below.
        Order.objects.bulk_create(
            [
                Order(
                    channel=channel,
                    external_id=external_id,
                    status=OrderStatus.UNPAID,
                    currency=channel.currency,
                    last_seen_at=now,
                )  # fmt: skip
                for external_id in missing
            ],
            ignore_conflicts=True,
        )
        for order in Order.objects.select_for_update().filter(channel=channel, external_id__in=missing).order_by("pk"):
            order.first_seen = order.last_seen_at == now  # type: ignore[attr-defined]  # ours, not a concurrent ingest's (ORDER_INGESTED)
            found[order.external_id] = order
    return [found[external_id] for external_id in external_ids]


def _reserves(channel: Channel, remote: RemoteOrder) -> bool:
    if remote.status in PAID_STATUSES or remote.paid_at is not None:
        return True
    return remote.status == OrderStatus.UNPAID and channel.marketplace in RESERVE_AT_PLACEMENT


def _order_fields(order: Order, channel: Channel, remote: RemoteOrder) -> None:
    currency = (remote.currency or channel.currency).upper()
    values: dict[str, Any] = {
        "status": remote.status,
        "raw_status": remote.raw_status[:64],
        "currency": currency,
        "currency_mismatch": currency != channel.currency.upper(),
        "subtotal": remote.subtotal,
        "shipping": remote.shipping,
        "tax": remote.tax,
        "discount": remote.discount,
        "total": remote.total,
        "marketplace_fees": remote.marketplace_fees,
        "placed_at": remote.placed_at or order.placed_at,
        "paid_at": remote.paid_at or order.paid_at,
        "shipped_at": remote.shipped_at or order.shipped_at,
        "remote_updated_at": remote.updated_at or order.remote_updated_at,
        "shipping_address": {k: str(v) for k, v in remote.shipping_address.items() if k in ADDRESS_FIELDS},
        "raw_payload": dict(remote.raw),
        "payload_hash": payload_hash(remote.raw),
    }
    for name, value in values.items():
        setattr(order, name, value)


def _lines_upsert(orders: list[Order], remotes: list[RemoteOrder]) -> list[OrderLine]:
    """The lines the remote orders name, created or updated in bulk (the orders are locked, and their lines with
    them); unlinked lines are linked by SKU. In page order."""
    held = {
        (line.order_id, line.external_line_id): line
        for line in OrderLine.objects.select_for_update().filter(order__in=orders).order_by("pk")
    }
    lines: list[OrderLine] = []
    for order, remote in zip(orders, remotes, strict=True):
        for remote_line in remote.lines:
            line = held.get((order.pk, remote_line.external_line_id))
            if line is None:
                line = OrderLine(order=order, external_line_id=remote_line.external_line_id, quantity=0)
            _line_fields(line, remote_line, remote.status)
            line.order = order
            lines.append(line)
    stocks = stocks_for_skus(line.sku for line in lines if line.stock_id is None)
    for line in lines:
        stock = stocks.get(line.sku.strip()) if line.stock_id is None else None
        if stock is not None:
            line.stock = stock
            line.variant_id = stock.variant_id
    instances_insert(OrderLine, [line for line in lines if line.pk is None])
    instances_update(OrderLine, [line for line in lines if line.pk is not None], LINE_WRITE_FIELDS)
    return lines


def _line_fields(line: OrderLine, remote: RemoteOrderLine, status: str) -> None:
    quantity = max(line.quantity, remote.quantity)
    cancelled = min(quantity, max(line.cancelled_quantity, remote.cancelled_quantity))
    shipped = remote.shipped_quantity
    if status in SHIPPED_STATUSES and not shipped:
        # This snapshot says "shipped" without per-line counts: every unit not cancelled (as far as we know) left.
        shipped = max(0, quantity - cancelled)
    line.quantity = quantity
    line.sku = remote.sku.strip()[:128]
    line.title = remote.title[:255]
    line.unit_price = remote.unit_price
    line.line_total = remote.line_total
    # Counters never go back: an older state arriving late cannot undo a cancel, a shipment or a refund.
    line.cancelled_quantity = cancelled
    line.shipped_quantity = min(quantity, max(line.shipped_quantity, shipped))
    line.refunded_quantity = min(quantity, max(line.refunded_quantity, remote.refunded_quantity))
    line.restocked_quantity = min(line.refunded_quantity, max(line.restocked_quantity, remote.restocked_quantity))


def line_state(order: Order, line: OrderLine) -> LineState:
    return LineState(
        quantity=line.quantity,
        reserved=order.reserved,
        order_cancelled=order.status == OrderStatus.CANCELLED,
        cancelled=line.cancelled_quantity,
        shipped=line.shipped_quantity,
        refunded=line.refunded_quantity,
        restocked=line.restocked_quantity,
    )


def _lines_stock_sync(lines: list[OrderLine], *, user: User = None) -> None:
    """Stock follows the linked lines' states, all in one `stocks_follow` (each stock written back once)."""
    linked = [line for line in lines if line.stock_id is not None]
    follows = [
        Follow(
            stock_id=line.stock_id,  # type: ignore[arg-type]
            source_type=LINE_SOURCE,
            source_id=str(line.pk),
            targets=line_targets(line_state(line.order, line)),
            reserve_reason=Reason.ORDER_PAID if line.order.status != OrderStatus.UNPAID else Reason.ORDER_PLACED,
        )
        for line in linked
    ]
    flagged = []
    for line, followed in zip(linked, stocks_follow(follows=follows, user=user), strict=True):
        took = any(m.bucket == "committed" and m.delta > 0 for m in followed.moved)
        if took and followed.available < 0 and not line.oversold:
            # It happened (two marketplaces sold the last unit in the sync gap): the order stands, the line and
            # the stock are flagged (docs/orders.md#oversell).
            line.oversold = True
            flagged.append(line.pk)
    if flagged:
        OrderLine.objects.filter(pk__in=flagged).update(oversold=True)


@transaction.atomic
def order_line_link(*, line: OrderLine, sku: str, user: User = None) -> OrderLine:
    """Link an unlinked line to the variant (or product without variants) with `sku`; its stock then follows."""
    line = OrderLine.objects.select_for_update().select_related("order").get(pk=line.pk)
    if line.stock_id is not None:
        raise ApplicationError(f"Line {line.external_line_id} is already linked to {line.stock}.")
    stock = stock_for_sku(sku)
    if stock is None:
        raise ApplicationError(f"No variant, and no product without variants, has the SKU '{sku}'.")
    line.stock = stock
    line.variant = stock.variant
    line.save(update_fields=["stock", "variant"])
    _lines_stock_sync([line], user=user)
    stock.refresh_from_db()
    return line


# --- Customers ---


def _customers_upsert(channel: Channel, remotes: list[RemoteOrder]) -> dict[str, Customer]:
    """The page's buyers by buyer id, created when new; a name or email the marketplace gives replaces ours (the
    last order of the page that gives one wins), and brings back a purged customer."""
    buyer_ids = sorted({r.buyer_id[:128] for r in remotes if r.buyer_id})
    if not buyer_ids:
        return {}
    Customer.objects.bulk_create(
        [Customer(channel=channel, buyer_id=buyer_id) for buyer_id in buyer_ids], ignore_conflicts=True
    )
    customers = {c.buyer_id: c for c in Customer.objects.filter(channel=channel, buyer_id__in=buyer_ids)}
    changed: dict[int, Customer] = {}
    for remote in remotes:
        if not remote.buyer_id:
            continue
        customer = customers[remote.buyer_id[:128]]
        if remote.buyer_name and customer.name != remote.buyer_name[:255]:
            customer.name = remote.buyer_name[:255]
            changed[customer.pk] = customer
        if remote.buyer_email and customer.email != remote.buyer_email:
            customer.email = remote.buyer_email[:254]
            changed[customer.pk] = customer
    now = timezone.now()
    for customer in changed.values():
        customer.purged_at = None
        customer.updated_at = now
    instances_update(Customer, list(changed.values()), ("name", "email", "purged_at", "updated_at"))
    return customers


def segment_for(*, orders: int, total_spent: Decimal, last_order_at: datetime | None, now: datetime) -> str:
    """The rule shown on the customers page (orders.selectors.segment_rule_text)."""
    if last_order_at and now - last_order_at > timedelta(days=runtime_setting("customers.at_risk_days")):
        return Segment.AT_RISK
    if total_spent >= Decimal(str(runtime_setting("customers.vip_spend"))):
        return Segment.VIP
    if orders >= 2:
        return Segment.REPEAT
    return Segment.NEW


def customer_refresh(customer: Customer, *, now: datetime | None = None) -> Customer:
    """Recompute the aggregates and the segment from the customer's orders (cancelled orders do not count)."""
    customers_refresh([customer], now=now)
    return customer


def customers_refresh(customers: Sequence[Customer], *, now: datetime | None = None) -> None:
    """`customer_refresh` for many customers: two aggregate queries and one bulk update for all of them."""
    if not customers:
        return
    now = now or timezone.now()
    ids = [c.pk for c in customers]
    orders = Order.objects.filter(customer_id__in=ids).exclude(status=OrderStatus.CANCELLED)
    aggregates: dict[int, dict[str, Any]] = {
        row["customer_id"]: dict(row)
        for row in orders.values("customer_id").annotate(
            n=Count("id"), spent=Sum("total"), first=Min("placed_at"), last=Max("placed_at")
        )
    }
    units = dict(
        OrderLine.objects.filter(order__in=orders)
        .values("order__customer_id")
        .annotate(u=Sum(F("quantity") - F("cancelled_quantity")))
        .values_list("order__customer_id", "u")
    )
    for customer in customers:
        agg = aggregates.get(customer.pk, {})
        customer.orders_count = agg.get("n") or 0
        customer.units = units.get(customer.pk) or 0
        customer.total_spent = agg.get("spent") or Decimal("0")
        customer.average_order_value = (
            (customer.total_spent / customer.orders_count).quantize(Decimal("0.01"))
            if customer.orders_count
            else Decimal("0")
        )
        customer.first_order_at = agg.get("first")
        customer.last_order_at = agg.get("last")
        customer.segment = segment_for(
            orders=customer.orders_count,
            total_spent=customer.total_spent,
            last_order_at=customer.last_order_at,
            now=now,
        )
        customer.updated_at = now
    instances_update(Customer, list(customers), CUSTOMER_REFRESH_FIELDS)


def customers_purge(*, now: datetime | None = None) -> int:
    """Remove personal data of customers whose last order is older than CUSTOMER_RETENTION_DAYS (name, email, and
    their orders' shipping addresses and raw payloads); figures stay. Returns how many were purged."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CUSTOMER_RETENTION_DAYS)
    purged = 0
    for customer in Customer.objects.filter(purged_at__isnull=True, last_order_at__lt=cutoff):
        with transaction.atomic():
            Order.objects.filter(customer=customer).update(shipping_address={}, raw_payload={})
            customer.name = ""
            customer.email = ""
            customer.purged_at = now
            customer.save(update_fields=["name", "email", "purged_at", "updated_at"])
            purged += 1
    return purged


def customers_refresh_segments() -> int:
    """Daily: segments move with time (at risk), so recompute them all."""
    count = 0
    customers = Customer.objects.order_by("pk")
    for start in range(0, customers.count(), REFRESH_CHUNK):
        chunk = list(customers[start : start + REFRESH_CHUNK])
        customers_refresh(chunk)
        count += len(chunk)
    return count

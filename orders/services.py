"""Order writes: the idempotent ingest of a marketplace order, linking lines, customers (docs/orders.md)."""

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Sum
from django.utils import timezone

from channels.models import Channel
from common.actors import Actor as User
from common.errors import ApplicationError
from inventory.choices import Reason
from inventory.services import stock_follow, stock_for_sku
from inventory.state import LineState, line_targets
from syncing.connectors.base import ORDER_STATUSES, RemoteOrder, RemoteOrderLine

from .choices import PAID_STATUSES, RESERVE_AT_PLACEMENT, SHIPPED_STATUSES, OrderStatus, Segment
from .models import Customer, Order, OrderLine
from .selectors import LINE_SOURCE

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


@transaction.atomic
def order_ingest(*, channel: Channel, remote: RemoteOrder, user: User = None) -> Order:
    """Create or update the order from what the marketplace says, and move stock to match its state.

    Idempotent by construction (docs/orders.md#idempotency): the order is found by (channel, external id) under a
    row lock; line counters only grow; an older update (by the marketplace's update time) does not overwrite a
    newer status; stock follows each line's state through keyed transitions, so the same order by webhook and by
    poll, twice or out of order, never duplicates a row or moves stock twice."""
    _validate(remote)
    now = timezone.now()
    order = _order_locked(channel, remote.external_id.strip(), now)
    stale = bool(order.remote_updated_at and remote.updated_at and remote.updated_at < order.remote_updated_at)
    if not stale:
        _order_fields(order, channel, remote)
    order.reserved = order.reserved or _reserves(channel, remote)
    order.last_seen_at = now
    if remote.buyer_id:
        order.customer = _customer_upsert(channel, remote)
    order.save()
    for remote_line in remote.lines:
        line = _line_upsert(order, remote_line, remote.status)
        _line_stock_sync(order, line, user=user)
    if order.customer_id:
        customer_refresh(order.customer)  # type: ignore[arg-type]
    return order


def _order_locked(channel: Channel, external_id: str, now: datetime) -> Order:
    order = Order.objects.select_for_update().filter(channel=channel, external_id=external_id).first()
    if order is not None:
        return order
    try:
        with transaction.atomic():
            return Order.objects.create(
                channel=channel,
                external_id=external_id,
                status=OrderStatus.UNPAID,
                currency=channel.currency,
                last_seen_at=now,
            )
    except IntegrityError:  # created by a concurrent ingest of the same order
        return Order.objects.select_for_update().get(channel=channel, external_id=external_id)


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


def _line_upsert(order: Order, remote: RemoteOrderLine, status: str) -> OrderLine:
    line = OrderLine.objects.select_for_update().filter(order=order, external_line_id=remote.external_line_id).first()
    if line is None:
        line = OrderLine(order=order, external_line_id=remote.external_line_id, quantity=remote.quantity)
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
    if line.stock_id is None:
        stock = stock_for_sku(line.sku)
        if stock is not None:
            line.stock = stock
            line.variant_id = stock.variant_id
    line.save()
    return line


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


def _line_stock_sync(order: Order, line: OrderLine, *, user: User = None) -> None:
    if line.stock is None:
        return
    reason = Reason.ORDER_PAID if order.status != OrderStatus.UNPAID else Reason.ORDER_PLACED
    moved = stock_follow(
        stock=line.stock,
        source_type=LINE_SOURCE,
        source_id=str(line.pk),
        targets=line_targets(line_state(order, line)),
        reserve_reason=reason,
        user=user,
    )
    line.stock.refresh_from_db()
    took = any(m.bucket == "committed" and m.delta > 0 for m in moved)
    if took and line.stock.available < 0 and not line.oversold:
        # It happened (two marketplaces sold the last unit in the sync gap): the order stands, the line and the
        # stock are flagged (docs/orders.md#oversell).
        OrderLine.objects.filter(pk=line.pk).update(oversold=True)
        line.oversold = True


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
    _line_stock_sync(line.order, line, user=user)
    return line


# --- Customers ---


def _customer_upsert(channel: Channel, remote: RemoteOrder) -> Customer:
    customer, _ = Customer.objects.get_or_create(channel=channel, buyer_id=remote.buyer_id[:128])
    changed = []
    if remote.buyer_name and customer.name != remote.buyer_name[:255]:
        customer.name = remote.buyer_name[:255]
        changed.append("name")
    if remote.buyer_email and customer.email != remote.buyer_email:
        customer.email = remote.buyer_email[:254]
        changed.append("email")
    if changed:
        customer.purged_at = None
        customer.save(update_fields=[*changed, "purged_at", "updated_at"])
    return customer


def segment_for(*, orders: int, total_spent: Decimal, last_order_at: datetime | None, now: datetime) -> str:
    """The rule shown on the customers page (orders.selectors.segment_rule_text)."""
    if last_order_at and now - last_order_at > timedelta(days=settings.CUSTOMER_AT_RISK_DAYS):
        return Segment.AT_RISK
    if total_spent >= Decimal(str(settings.CUSTOMER_VIP_SPEND)):
        return Segment.VIP
    if orders >= 2:
        return Segment.REPEAT
    return Segment.NEW


def customer_refresh(customer: Customer, *, now: datetime | None = None) -> Customer:
    """Recompute the aggregates and the segment from the customer's orders (cancelled orders do not count)."""
    orders = Order.objects.filter(customer=customer).exclude(status=OrderStatus.CANCELLED)
    agg = orders.aggregate(n=Count("id"), spent=Sum("total"), first=Min("placed_at"), last=Max("placed_at"))
    units = (
        OrderLine.objects.filter(order__in=orders).aggregate(u=Sum(F("quantity") - F("cancelled_quantity")))["u"] or 0
    )
    customer.orders_count = agg["n"] or 0
    customer.units = units
    customer.total_spent = agg["spent"] or Decimal("0")
    customer.average_order_value = (
        (customer.total_spent / customer.orders_count).quantize(Decimal("0.01"))
        if customer.orders_count
        else Decimal("0")
    )
    customer.first_order_at = agg["first"]
    customer.last_order_at = agg["last"]
    customer.segment = segment_for(
        orders=customer.orders_count,
        total_spent=customer.total_spent,
        last_order_at=customer.last_order_at,
        now=now or timezone.now(),
    )
    customer.save()
    return customer


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
    for customer in Customer.objects.all().iterator():
        customer_refresh(customer)
        count += 1
    return count

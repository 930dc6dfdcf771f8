"""Writes for suppliers, components, component prices, BOM lines, planned batches, currency rates, and the
set-based recompute of stored landed costs (docs/pricing.md). Every page, API, admin and task calls these.

A write that can change a landed cost enqueues `landed_costs_recompute_task` for the products it touches, inside
the transaction (common.enqueue: the queue row is the outbox).
"""

import json
from collections.abc import Collection
from datetime import date
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from common import events
from common.actors import Actor as User
from common.copy import copy_rows
from common.enqueue import enqueue
from common.errors import ApplicationError
from common.saving import fields_save

from .cost_models import BomLine, Component, ComponentPrice, CurrencyRate, LandedCost, PlannedBatch, Supplier
from .cost_selectors import products_using_components, units_landed
from .events import CURRENCY_RATE_CHANGED, LANDED_COSTS_CHANGED
from .tasks import landed_costs_recompute_task

M = TypeVar("M", bound=models.Model)

SUPPLIER_FIELDS: tuple[str, ...] = (
    "name",
    "code",
    "contact_name",
    "email",
    "phone",
    "country",
    "is_domestic",
    "payment_terms",
    "lead_time_days",
    "min_order_value",
    "notes",
    "is_active",
)
COMPONENT_FIELDS: tuple[str, ...] = (
    "name",
    "sku",
    "component_type",
    "preferred_supplier",
    "unit_of_measure",
    "description",
    "product",
)
COMPONENT_PRICE_FIELDS: tuple[str, ...] = (
    "component",
    "supplier",
    "unit_cost",
    "currency",
    "min_quantity",
    "valid_from",
    "valid_to",
    "import_duty_pct",
    "shipping_cost",
    "is_current",
)
# The fields each entry point (form, serializer, admin) offers, in the order it shows them.
BOM_LINE_FIELDS: tuple[str, ...] = ("product", "variant", "component", "quantity", "cost_override", "notes")
RECOMPUTE_CHUNK = 2000  # products per recompute chunk: bounds memory; each chunk is a few queries
WRITE_BATCH = 1000  # rows per INSERT: 8 parameters each, under SQLite's limit of 32,766


def _delete(instance: models.Model, what: str) -> None:
    try:
        instance.delete()
    except ProtectedError as exc:
        raise ApplicationError(
            f"{what} is still used by {len(exc.protected_objects)} row(s); remove those first."
        ) from None


def _recompute_later(*, component_ids: Collection[int] = (), product_ids: Collection[int] = ()) -> None:
    enqueue(landed_costs_recompute_task, sorted(component_ids), sorted(product_ids), group="landed_costs")


# --- Suppliers ---


@transaction.atomic
def supplier_create(*, user: User = None, **fields: Any) -> Supplier:
    return fields_save(Supplier(), fields, SUPPLIER_FIELDS, user)


@transaction.atomic
def supplier_update(*, supplier: Supplier, user: User = None, **fields: Any) -> Supplier:
    supplier = fields_save(supplier, fields, SUPPLIER_FIELDS, user)
    if "name" in fields:  # the breakdown names suppliers
        component_ids = set(supplier.component_prices.values_list("component_id", flat=True))
        if component_ids:
            _recompute_later(component_ids=component_ids)
    return supplier


@transaction.atomic
def supplier_delete(*, supplier: Supplier, user: User = None) -> None:
    _delete(supplier, f"Supplier '{supplier}'")


# --- Components ---


@transaction.atomic
def component_create(*, user: User = None, **fields: Any) -> Component:
    return fields_save(Component(), fields, COMPONENT_FIELDS, user)


@transaction.atomic
def component_update(*, component: Component, user: User = None, **fields: Any) -> Component:
    component = fields_save(component, fields, COMPONENT_FIELDS, user)
    _recompute_later(component_ids=[component.pk])
    return component


@transaction.atomic
def component_delete(*, component: Component, user: User = None) -> None:
    _delete(component, f"Component '{component}'")


# --- Component prices ---


@transaction.atomic
def component_price_create(*, user: User = None, **fields: Any) -> ComponentPrice:
    fields.setdefault("valid_from", timezone.localdate())
    price = fields_save(ComponentPrice(), fields, COMPONENT_PRICE_FIELDS, user)
    _recompute_later(component_ids=[price.component_id])
    return price


@transaction.atomic
def component_price_update(*, price: ComponentPrice, user: User = None, **fields: Any) -> ComponentPrice:
    before = price.component_id
    price = fields_save(price, fields, COMPONENT_PRICE_FIELDS, user)
    _recompute_later(component_ids={before, price.component_id})
    return price


@transaction.atomic
def component_price_delete(*, price: ComponentPrice, user: User = None) -> None:
    component_id = price.component_id
    price.delete()
    _recompute_later(component_ids=[component_id])


# --- BOM lines ---


def _owner(line: BomLine) -> int | None:
    return line.owner_product_id


@transaction.atomic
def bom_line_create(*, user: User = None, **fields: Any) -> BomLine:
    line = fields_save(BomLine(), fields, BOM_LINE_FIELDS, user)
    _recompute_later(product_ids=[p for p in [_owner(line)] if p])
    return line


@transaction.atomic
def bom_line_update(*, line: BomLine, user: User = None, **fields: Any) -> BomLine:
    before = _owner(line)
    line = fields_save(line, fields, BOM_LINE_FIELDS, user)
    _recompute_later(product_ids={p for p in (before, _owner(line)) if p})
    return line


@transaction.atomic
def bom_line_delete(*, line: BomLine, user: User = None) -> None:
    owner = _owner(line)
    line.delete()
    _recompute_later(product_ids=[owner] if owner else [])


# --- Planned batch and currency rates ---


@transaction.atomic
def planned_batch_set(*, product_id: int, variant_id: int | None, quantity: int, user: User = None) -> PlannedBatch:
    """Set the planned batch quantity of a unit (a variant, or a product without variants)."""
    existing = PlannedBatch.objects.filter(product_id=product_id)
    existing = (
        existing.filter(variant_id=variant_id) if variant_id is not None else existing.filter(variant__isnull=True)
    )
    batch = existing.first() or PlannedBatch(product_id=product_id, variant_id=variant_id)
    batch.quantity = quantity
    batch.full_clean()
    batch.save()
    _recompute_later(product_ids=[product_id])
    return batch


@transaction.atomic
def currency_rate_set(*, currency: str, rate: Any, user: User = None) -> CurrencyRate:
    row = CurrencyRate.objects.filter(currency=currency).first() or CurrencyRate(currency=currency)
    before = row.rate
    row.rate = rate
    row.full_clean()
    row.save()
    if before != row.rate:  # full_clean made it a Decimal
        events.publish(CURRENCY_RATE_CHANGED, currency=row.currency)
    _recompute_later(
        component_ids=ComponentPrice.objects.filter(currency=currency).values_list("component_id", flat=True)
    )
    return row


# --- The set-based recompute ---


def landed_costs_recompute(
    *,
    component_ids: Collection[int] | None = None,
    product_ids: Collection[int] | None = None,
    today: date | None = None,
) -> int:
    """Rewrite the stored landed costs of every unit whose bill uses these components or belongs to these
    products (both None: every product with a BOM or a stored cost). Returns the number of units written.

    Set-based: per chunk of products a few reads (lines, prices, batches, variants), the pure formula with price
    choices shared between units, then one DELETE and batched INSERTs (docs/benchmarks.md, "Landed cost").
    """
    targets: set[int] = set(product_ids or ())
    if component_ids:
        targets |= products_using_components(component_ids)
    if component_ids is None and product_ids is None:
        targets = set(BomLine.objects.filter(product__isnull=False).values_list("product_id", flat=True))
        targets |= set(BomLine.objects.filter(variant__isnull=False).values_list("variant__product_id", flat=True))
        targets |= set(LandedCost.objects.values_list("product_id", flat=True))
    ordered = sorted(targets)
    written = 0
    for start in range(0, len(ordered), RECOMPUTE_CHUNK):
        chunk = ordered[start : start + RECOMPUTE_CHUNK]
        rows = [
            (
                product_id,
                variant_id,
                result.landed_cost,
                result.currency,
                result.problem[:255],
                json.dumps(list(result.alerts)) if result.alerts else "[]",
                bool(result.alerts),
            )
            for (product_id, variant_id), result in units_landed(chunk, today=today, detail=False)
        ]
        with transaction.atomic():
            LandedCost.objects.filter(product_id__in=chunk).delete()
            _landed_costs_insert(rows)
            events.publish(LANDED_COSTS_CHANGED, product_ids=chunk)
        written += len(rows)
    return written


def _landed_costs_insert(rows: list[tuple[Any, ...]]) -> None:
    """One COPY on PostgreSQL, else one multi-row INSERT per WRITE_BATCH rows. The ORM's bulk_create spent most of
    the recompute preparing 110,000 model instances, and psycopg's client-side binding spent more parsing the
    8,000 placeholders of each multi-row INSERT than the server spent running it
    (docs/benchmarks.md#landed-cost-recompute)."""
    if not rows:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(LandedCost._meta.db_table)
    columns = "product_id, variant_id, landed_cost, currency, problem, alerts, has_alerts, computed_at"
    if connection.vendor == "postgresql":
        copy_rows(f"COPY {table} ({columns}) FROM STDIN", ((*row, now) for row in rows))
        return
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            batch = rows[start : start + WRITE_BATCH]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch))
            params = [value for row in batch for value in (*row, now)]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {placeholders}", params)

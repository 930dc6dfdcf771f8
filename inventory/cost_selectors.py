"""Reads for suppliers, components, BOM and landed cost (docs/pricing.md): the rows the pure formula in
`inventory.costing` needs, loaded in a few set-based queries, and the landed cost of one unit with its breakdown."""

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.runtime_settings import runtime_setting
from catalog.models import Product, Variant

from .cost_models import BomLine, Component, ComponentPrice, CurrencyRate, LandedCost, PlannedBatch, Supplier
from .costing import Choice, ComponentInfo, LandedResult, LineInput, PriceRow, merged_lines, unit_landed

Unit = tuple[int, int | None]  # (product id, variant id or None for the product itself)


def overhead_pct() -> Decimal:
    return Decimal(str(runtime_setting("costs.overhead_pct")))


def rates_map() -> dict[str, Decimal]:
    rates = dict(CurrencyRate.objects.values_list("currency", "rate"))
    rates.setdefault(settings.COSTS_BASE_CURRENCY, Decimal("1"))
    return rates


def supplier_list() -> QuerySet[Supplier]:
    return Supplier.objects.order_by("name", "id")


def component_list() -> QuerySet[Component]:
    return Component.objects.select_related("preferred_supplier", "product").order_by("name", "id")


def component_price_list() -> QuerySet[ComponentPrice]:
    return ComponentPrice.objects.select_related("component", "supplier").order_by(
        "component__name", "supplier__name", "min_quantity", "-valid_from", "id"
    )


def bom_line_list() -> QuerySet[BomLine]:
    return BomLine.objects.select_related("product", "variant", "variant__product", "component").order_by("id")


def bom_lines_of(*, product: Product, variant: Variant | None = None) -> QuerySet[BomLine]:
    """The lines a unit's bill is made of: the product's, and the variant's own when a variant is given."""
    condition = Q(product=product) | Q(variant=variant) if variant is not None else Q(product=product)
    return bom_line_list().filter(condition)


def bom_lines_of_product(product: Product) -> QuerySet[BomLine]:
    """Every line of a product's bill: its own and its variants' (product lines first)."""
    return (
        bom_line_list()
        .filter(Q(product=product) | Q(variant__product=product))
        .order_by(F("variant_id").asc(nulls_first=True), "id")
    )


def components_info(component_ids: Collection[int]) -> dict[int, ComponentInfo]:
    """Components with their current price rows (two queries)."""
    rows: defaultdict[int, list[PriceRow]] = defaultdict(list)
    prices = ComponentPrice.objects.filter(component_id__in=component_ids, is_current=True).values_list(
        "id",
        "component_id",
        "supplier_id",
        "supplier__name",
        "unit_cost",
        "currency",
        "min_quantity",
        "valid_from",
        "valid_to",
        "import_duty_pct",
        "shipping_cost",
    )
    for values in prices.iterator(chunk_size=5000):
        rows[values[1]].append(PriceRow(*values))
    return {
        pk: ComponentInfo(pk, name, supplier_id, tuple(rows[pk]))
        for pk, name, supplier_id in Component.objects.filter(pk__in=component_ids).values_list(
            "id", "name", "preferred_supplier_id"
        )
    }


@dataclass
class _Bills:
    product_lines: defaultdict[int, list[LineInput]]
    variant_lines: defaultdict[int, list[LineInput]]
    component_ids: set[int]


def _bills(product_ids: Collection[int]) -> _Bills:
    """The chunk's bill lines in two index-served reads: one OR across the variant join made both databases scan
    every BOM line of the catalogue once per chunk (docs/benchmarks.md#landed-cost-recompute)."""
    bills = _Bills(defaultdict(list), defaultdict(list), set())
    fields = ("id", "product_id", "variant_id", "component_id", "quantity", "cost_override")
    own = BomLine.objects.filter(product_id__in=product_ids).values_list(*fields)
    of_variants = BomLine.objects.filter(variant__product_id__in=product_ids).values_list(*fields)
    for lines in (own, of_variants):
        for pk, product_id, variant_id, component_id, quantity, override in lines.iterator(chunk_size=5000):
            if variant_id is None:
                bills.product_lines[product_id].append(LineInput(pk, component_id, quantity, override, "product"))
            else:
                bills.variant_lines[variant_id].append(LineInput(pk, component_id, quantity, override, "variant"))
            bills.component_ids.add(component_id)
    return bills


def units_landed(
    product_ids: Collection[int], *, today: date | None = None, detail: bool = True
) -> Iterator[tuple[Unit, LandedResult]]:
    """Landed cost of every unit with a BOM among these products: the product itself when it has product
    lines, and each variant with a merged bill. Units without a BOM are not yielded. `detail=False` leaves out
    the breakdown lines (the bulk recompute stores only the figure and the alerts)."""
    today = today or timezone.localdate()
    bills = _bills(product_ids)
    components = components_info(bills.component_ids)
    rates, overhead = rates_map(), overhead_pct()
    expiry_days = int(runtime_setting("costs.price_expiry_alert_days"))
    batches: dict[Unit, int] = {
        (product_id, variant_id): quantity
        for product_id, variant_id, quantity in PlannedBatch.objects.filter(product_id__in=product_ids).values_list(
            "product_id", "variant_id", "quantity"
        )
    }
    currencies = dict(Product.objects.filter(pk__in=product_ids).values_list("id", "currency"))
    memo: dict[tuple[int, int, str], Choice] = {}

    def landed(unit: Unit, lines: list[LineInput]) -> LandedResult:
        return unit_landed(
            lines,
            components,
            batch=batches.get(unit, 1),
            today=today,
            currency=currencies[unit[0]],
            rates=rates,
            overhead_pct=overhead,
            expiry_days=expiry_days,
            memo=memo,
            detail=detail,
        )

    for product_id, lines in bills.product_lines.items():
        yield (product_id, None), landed((product_id, None), lines)
    variants = Variant.objects.filter(product_id__in=product_ids).values_list("id", "product_id")
    for variant_id, product_id in variants.iterator(chunk_size=5000):
        lines = merged_lines(bills.product_lines.get(product_id, []), bills.variant_lines.get(variant_id, []))
        if lines:
            yield (product_id, variant_id), landed((product_id, variant_id), lines)


def unit_landed_cost(*, product: Product, variant: Variant | None = None, today: date | None = None) -> LandedResult:
    """The live landed cost of one unit with its breakdown: from its BOM, else the product's cost_price."""
    for unit, result in units_landed([product.pk], today=today):
        if unit == (product.pk, variant.pk if variant is not None else None):
            return result
    if product.cost_price is None:
        return LandedResult("none", product.currency, None, problem="No BOM and no cost price.")
    return LandedResult("cost_price", product.currency, product.cost_price)


def landed_cost_alerts() -> QuerySet[LandedCost]:
    """Stored landed costs that use an expiring price or have a cheaper valid one."""
    return LandedCost.objects.filter(has_alerts=True).select_related("product", "variant").order_by("product_id")


def products_using_components(component_ids: Collection[int]) -> set[int]:
    """Products whose bill (own lines or a variant's) uses any of these components."""
    lines = BomLine.objects.filter(component_id__in=component_ids)
    owners = set(lines.filter(product__isnull=False).values_list("product_id", flat=True))
    return owners | set(lines.filter(variant__isnull=False).values_list("variant__product_id", flat=True))

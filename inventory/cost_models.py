"""Suppliers, components, their prices, bills of materials and the landed cost they make (docs/pricing.md).

Column names follow seed 003 exactly so that outside tools can rely on them. Imported by inventory.models.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from catalog.models import Product, Variant
from catalog.validators import validate_country, validate_currency
from common.models import BaseModel

from .choices import ComponentType

ZERO = Decimal("0")


def currency_known_error(code: str) -> str | None:
    """Say why `code` cannot be used for a cost (not ISO 4217, or no row in the rates table), else None."""
    try:
        validate_currency(code)
    except ValidationError as exc:
        return exc.messages[0]
    if not CurrencyRate.objects.filter(currency=code).exists():
        return f"No exchange rate for '{code}': add it to the currency rates first."
    return None


MAX_BOM_DEPTH = 20  # sub-assemblies nested deeper than this are refused as a likely cycle


def _products_using(product_id: int) -> set[int]:
    """Products whose BOM (own or a variant's) uses a component that is product `product_id`."""
    product_ids = set(
        BomLine.objects.filter(component__product_id=product_id, product__isnull=False).values_list(
            "product_id", flat=True
        )
    )
    product_ids |= set(
        BomLine.objects.filter(component__product_id=product_id, variant__isnull=False).values_list(
            "variant__product_id", flat=True
        )
    )
    return product_ids


def bom_cycle_error(*, product_id: int, component_id: int) -> str | None:
    """Refuse putting component `component_id` into product `product_id`'s BOM when that component is the product
    itself or is built (through its own BOM, at any depth) from it."""
    component_product = Component.objects.filter(pk=component_id).values_list("product_id", flat=True).first()
    if component_product is None:
        return None
    return _cycle_walk(start=product_id, target=int(component_product), component_id=component_id)


def component_cycle_error(*, component_id: int, product_id: int) -> str | None:
    """Refuse linking component `component_id` to product `product_id` when that product's BOM (at any depth)
    already uses the component."""
    for owner in _owners_of_component(component_id):
        error = _cycle_walk(start=owner, target=product_id, component_id=component_id)
        if error:
            return error
    return None


def _owners_of_component(component_id: int) -> set[int]:
    owners = set(
        BomLine.objects.filter(component_id=component_id, product__isnull=False).values_list("product_id", flat=True)
    )
    owners |= set(
        BomLine.objects.filter(component_id=component_id, variant__isnull=False).values_list(
            "variant__product_id", flat=True
        )
    )
    return owners


def _cycle_walk(*, start: int, target: int, component_id: int) -> str | None:
    """Walk up from product `start` to the products built from it; reaching `target` (the component's product)
    closes a cycle: `start` would be built from `target`, which is already built from `start`."""
    message = (
        f"BOM cycle: component #{component_id} is product #{target}, which is product #{start} itself "
        "or is built from it."
    )
    if start == target:
        return message
    seen, frontier = {start}, {start}
    for _depth in range(MAX_BOM_DEPTH):
        frontier = {user for product in frontier for user in _products_using(product)} - seen
        if target in frontier:
            return message
        if not frontier:
            return None
        seen |= frontier
    return f"BOM nested deeper than {MAX_BOM_DEPTH} levels from component #{component_id}; refused as a likely cycle."


class CurrencyRate(models.Model):
    """How many units of `currency` one unit of the base currency (COSTS_BASE_CURRENCY, USD) buys.

    Costs in other currencies are converted with this table: amount / rate[from] × rate[to]. Demo rates are
    seeded by the migration; no rate is fetched from the network.
    """

    currency = models.CharField(max_length=3, unique=True, validators=[validate_currency])
    rate = models.DecimalField(max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency"]
        constraints = [models.CheckConstraint(condition=Q(rate__gt=0), name="currencyrate_rate_positive")]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}"


class Supplier(BaseModel):
    """Someone we buy components from (docs/pricing.md)."""

    name = models.CharField(max_length=255)
    code = models.CharField(max_length=50, unique=True, null=True, blank=True)
    contact_name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(max_length=255, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    country = models.CharField(max_length=2, default="GB", validators=[validate_country])
    is_domestic = models.BooleanField(default=True)
    payment_terms = models.CharField(max_length=50, blank=True, help_text="e.g. Net30, COD.")
    lead_time_days = models.PositiveIntegerField(null=True, blank=True)
    min_order_value = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(ZERO)]
    )
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_order_value__isnull=True) | Q(min_order_value__gte=0),
                name="supplier_min_order_value_non_negative",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.code = (self.code or "").strip() or None
        if not (self.name or "").strip():
            raise ValidationError({"name": "Enter the supplier's name."})


class Component(BaseModel):
    """A part, material or package that goes into our products (docs/pricing.md).

    `product` links a component that is itself one of our products (a sub-assembly we also sell); a bill of
    materials may not use a component that is, or is built from, the product it belongs to (a cycle).
    """

    name = models.CharField(max_length=255)
    sku = models.CharField("SKU", max_length=100, unique=True, null=True, blank=True)
    description = models.TextField(blank=True)
    component_type = models.CharField(max_length=50, choices=ComponentType.choices, default=ComponentType.RAW_MATERIAL)
    preferred_supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.SET_NULL, related_name="preferred_for"
    )
    unit_of_measure = models.CharField(max_length=20, default="each")
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="as_components",
        help_text="When this component is one of our own products.",
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}" if self.sku else self.name

    def clean(self) -> None:
        self.sku = (self.sku or "").strip() or None
        if not (self.name or "").strip():
            raise ValidationError({"name": "Enter the component's name."})
        if self.pk and self.product_id:
            error = component_cycle_error(component_id=self.pk, product_id=self.product_id)
            if error:
                raise ValidationError({"product": error})


class ComponentPrice(models.Model):
    """One supplier's price for a component from a minimum quantity, valid over a date window
    (docs/pricing.md#landed-cost)."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="prices")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="component_prices")
    unit_cost = models.DecimalField(max_digits=10, decimal_places=4, validators=[MinValueValidator(ZERO)])
    currency = models.CharField(max_length=3, default="GBP")
    min_quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    import_duty_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    shipping_cost = models.DecimalField(
        max_digits=10, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)], help_text="Per unit."
    )
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["component_id", "supplier_id", "min_quantity", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["component", "supplier", "min_quantity", "valid_from"],
                name="componentprice_unique_break",
                violation_error_message="This supplier already has a price for this quantity from that date.",
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="componentprice_unit_cost_non_negative"),
            models.CheckConstraint(condition=Q(shipping_cost__gte=0), name="componentprice_shipping_non_negative"),
            models.CheckConstraint(condition=Q(import_duty_pct__gte=0), name="componentprice_duty_non_negative"),
            models.CheckConstraint(condition=Q(min_quantity__gte=1), name="componentprice_min_quantity_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="componentprice_valid_window",
                violation_error_message="valid_to must not be before valid_from.",
            ),
        ]
        indexes = [models.Index(fields=["component", "is_current"])]

    def __str__(self) -> str:
        return f"{self.component} from {self.supplier}: {self.unit_cost} {self.currency} (≥ {self.min_quantity})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.currency = (self.currency or "").strip().upper()
        problem = currency_known_error(self.currency)
        if problem:
            errors["currency"] = problem
        for field in ("unit_cost", "shipping_cost", "import_duty_pct"):
            value = getattr(self, field)
            if value is not None and value < 0:
                errors[field] = f"{field} must not be negative (got {value})."
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = f"valid_to {self.valid_to} is before valid_from {self.valid_from}."
        if errors:
            raise ValidationError(errors)


class BomLine(BaseModel):
    """One component in a product's or a variant's bill of materials, exactly one of the two
    (docs/pricing.md#landed-cost).

    A variant's bill is its product's lines plus its own; its own line for a component replaces the product's.
    """

    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="bom_lines")
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.CASCADE, related_name="bom_lines")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="bom_lines")
    quantity = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal("1"))
    cost_override = models.DecimalField(
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text="Unit cost in the product's currency, used instead of the supplier prices.",
    )
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name = "BOM line"
        verbose_name_plural = "BOM lines"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(variant__isnull=True))
                | (Q(product__isnull=True) & Q(variant__isnull=False)),
                name="bomline_product_xor_variant",
                violation_error_message="A BOM line belongs to a product or to a variant, exactly one.",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bomline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(cost_override__isnull=True) | Q(cost_override__gte=0),
                name="bomline_cost_override_non_negative",
            ),
            models.UniqueConstraint(
                fields=["product", "component"],
                condition=Q(variant__isnull=True),
                name="bomline_unique_product_component",
                violation_error_message="This product's BOM already has this component.",
            ),
            models.UniqueConstraint(
                fields=["variant", "component"],
                condition=Q(variant__isnull=False),
                name="bomline_unique_variant_component",
                violation_error_message="This variant's BOM already has this component.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.component}"

    @property
    def owner_product_id(self) -> int | None:
        if self.variant_id and self.variant is not None:
            return int(self.variant.product_id)
        return self.product_id

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if bool(self.product_id) == bool(self.variant_id):
            errors["product"] = "Choose a product or a variant, exactly one."
        if self.quantity is not None and self.quantity <= 0:
            errors["quantity"] = f"quantity must be above 0 (got {self.quantity})."
        if self.cost_override is not None and self.cost_override < 0:
            errors["cost_override"] = f"cost_override must not be negative (got {self.cost_override})."
        owner = self.owner_product_id
        if owner and self.component_id and not errors:
            error = bom_cycle_error(product_id=owner, component_id=self.component_id)
            if error:
                errors["component"] = error
        if errors:
            raise ValidationError(errors)


class PlannedBatch(models.Model):
    """The quantity we plan to make or buy at once for a variant (or a product without variants): it picks the
    price break. Without a row the batch is 1."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="planned_batches")
    variant = models.OneToOneField(
        Variant, null=True, blank=True, on_delete=models.CASCADE, related_name="planned_batch"
    )
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name_plural = "planned batches"
        constraints = [
            models.UniqueConstraint(
                fields=["product"], condition=Q(variant__isnull=True), name="plannedbatch_one_per_product"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="plannedbatch_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"batch {self.quantity}"


class LandedCost(models.Model):
    """The stored landed cost of one unit with a BOM (a variant, or a product: variant empty), in the product's
    currency, so lists can sort and filter. Derived: rewritten by `landed_costs_recompute`; units without a
    BOM have no row (their landed cost is the product's cost_price)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="landed_costs")
    variant = models.OneToOneField(Variant, null=True, blank=True, on_delete=models.CASCADE, related_name="landed")
    landed_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    problem = models.CharField(max_length=255, blank=True, help_text="Why no landed cost could be computed.")
    alerts = models.JSONField(default=list, blank=True, help_text="Expiring or beaten prices used, as messages.")
    has_alerts = models.BooleanField(default=False, db_index=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product"], condition=Q(variant__isnull=True), name="landedcost_one_per_product"
            )
        ]
        indexes = [models.Index(fields=["landed_cost"])]

    def __str__(self) -> str:
        return f"{self.landed_cost} {self.currency}"

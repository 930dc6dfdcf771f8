"""The landed cost formula as pure functions (no database): price choice, currency conversion, the sum.

`landed = (Σ qty × (unit × (1 + duty%) + shipping)) × (1 + overhead%)` (docs/pricing.md#landed-cost). The
selectors load rows into these dataclasses; the one-unit breakdown and the bulk recompute both call `unit_landed`.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


class CostProblem(Exception):
    """A landed cost cannot be computed (no valid price, no exchange rate); the message says which row."""


@dataclass(frozen=True)
class PriceRow:
    id: int
    component_id: int
    supplier_id: int
    supplier_name: str
    unit_cost: Decimal
    currency: str
    min_quantity: int
    valid_from: date
    valid_to: date | None
    import_duty_pct: Decimal
    shipping_cost: Decimal

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


@dataclass(frozen=True)
class ComponentInfo:
    id: int
    name: str
    preferred_supplier_id: int | None
    prices: tuple[PriceRow, ...] = ()  # current rows (is_current), any validity: chosen among those covering today


@dataclass(frozen=True)
class LineInput:
    id: int
    component_id: int
    quantity: Decimal
    cost_override: Decimal | None
    level: str  # "product" or "variant": where the BOM line is defined


@dataclass(frozen=True)
class LineCost:
    """One BOM line as used: which price row, its converted unit cost, duty, shipping and the line total."""

    bom_line: int
    level: str
    component: int
    component_name: str
    quantity: Decimal
    unit_cost: Decimal  # in the unit's currency, before duty
    unit_source: str  # "override", "preferred supplier", "cheapest supplier"
    price_row: int | None
    supplier: str
    original: str  # e.g. "2.5000 GBP" as the price row says it
    import_duty_pct: Decimal
    shipping_cost: Decimal  # per unit, in the unit's currency
    line_total: Decimal


@dataclass(frozen=True)
class LandedResult:
    source: str  # "bom", "cost_price" or "none"
    currency: str
    landed_cost: Decimal | None
    lines: tuple[LineCost, ...] = ()
    subtotal: Decimal | None = None
    overhead_pct: Decimal | None = None
    problem: str = ""
    alerts: tuple[str, ...] = field(default_factory=tuple)


def convert(amount: Decimal, source: str, target: str, rates: Mapping[str, Decimal]) -> Decimal:
    """`amount` in `source` → `target` with the rates table (units per one base-currency unit)."""
    if source == target:
        return amount
    for code in (source, target):
        if code not in rates:
            raise CostProblem(f"No exchange rate for '{code}'.")
    return amount / rates[source] * rates[target]


def per_unit(row: PriceRow, currency: str, rates: Mapping[str, Decimal]) -> Decimal:
    """What one unit from this row costs delivered, in `currency`: unit × (1 + duty%) + shipping."""
    unit = convert(row.unit_cost, row.currency, currency, rates)
    shipping = convert(row.shipping_cost, row.currency, currency, rates)
    return unit * (1 + row.import_duty_pct / HUNDRED) + shipping


def _best_break(rows: Iterable[PriceRow], batch: int) -> PriceRow | None:
    """The break whose minimum quantity is the largest not above `batch` (latest valid_from wins a tie)."""
    eligible = [row for row in rows if row.min_quantity <= batch]
    if not eligible:
        return None
    return max(eligible, key=lambda row: (row.min_quantity, row.valid_from, row.id))


def choose_price(
    component: ComponentInfo, *, batch: int, today: date, currency: str, rates: Mapping[str, Decimal]
) -> tuple[PriceRow, str]:
    """The preferred supplier's best break valid today, else the cheapest supplier's best break (delivered cost
    per unit in `currency`). CostProblem when no row is valid for this batch today."""
    valid = [row for row in component.prices if row.covers(today)]
    if component.preferred_supplier_id is not None:
        preferred = _best_break((r for r in valid if r.supplier_id == component.preferred_supplier_id), batch)
        if preferred is not None:
            return preferred, "preferred supplier"
    candidates = []
    for supplier_id in sorted({row.supplier_id for row in valid}):
        best = _best_break((r for r in valid if r.supplier_id == supplier_id), batch)
        if best is not None:
            candidates.append(best)
    if not candidates:
        raise CostProblem(
            f"Component '{component.name}' (#{component.id}) has no current price valid on {today} "
            f"for a batch of {batch}."
        )
    return min(candidates, key=lambda row: (per_unit(row, currency, rates), row.id)), "cheapest supplier"


def price_alerts(
    component: ComponentInfo,
    used: PriceRow,
    *,
    today: date,
    currency: str,
    rates: Mapping[str, Decimal],
    expiry_days: int,
) -> list[str]:
    """Messages for a used price that expires within `expiry_days`, and for a cheaper valid break or supplier."""
    alerts = []
    if used.valid_to is not None and (used.valid_to - today).days <= expiry_days:
        alerts.append(
            f"{component.name}: price #{used.id} from {used.supplier_name} expires on {used.valid_to.isoformat()}."
        )
    cost = per_unit(used, currency, rates)
    cheaper = [
        (per_unit(row, currency, rates), row)
        for row in component.prices
        if row.covers(today) and row.id != used.id and row.currency in rates
    ]
    cheaper = [(value, row) for value, row in cheaper if value < cost]
    if cheaper:
        value, row = min(cheaper, key=lambda item: (item[0], item[1].id))
        what = f"from {row.min_quantity} units" if row.supplier_id == used.supplier_id else f"at {row.supplier_name}"
        alerts.append(
            f"{component.name}: cheaper price #{row.id} {what}: {value.quantize(CENT)} vs {cost.quantize(CENT)} "
            f"{currency} per unit."
        )
    return alerts


@dataclass(frozen=True)
class Choice:
    """The price row a component uses for one batch and currency (None with the problem), its alerts, and its
    values converted once: unit cost, duty factor (1 + duty%) and shipping, in the unit's currency."""

    row: PriceRow | None
    source: str
    problem: str = ""
    alerts: tuple[str, ...] = ()
    unit: Decimal = Decimal("0")
    factor: Decimal = Decimal("1")
    shipping: Decimal = Decimal("0")


def component_choice(
    component: ComponentInfo, *, batch: int, today: date, currency: str, rates: Mapping[str, Decimal], expiry_days: int
) -> Choice:
    try:
        row, source = choose_price(component, batch=batch, today=today, currency=currency, rates=rates)
        alerts = price_alerts(component, row, today=today, currency=currency, rates=rates, expiry_days=expiry_days)
        unit = convert(row.unit_cost, row.currency, currency, rates)
        shipping = convert(row.shipping_cost, row.currency, currency, rates)
    except CostProblem as exc:
        return Choice(None, "", problem=str(exc))
    factor = 1 + row.import_duty_pct / HUNDRED
    return Choice(row, source, alerts=tuple(alerts), unit=unit, factor=factor, shipping=shipping)


def line_total(line: LineInput, choice: Choice) -> Decimal:
    """qty × (unit × (1 + duty%) + shipping): unit = the override if set (duty and shipping still come from the
    chosen row when there is one), else the chosen row's converted unit cost."""
    if line.cost_override is not None:
        return line.quantity * (line.cost_override * choice.factor + choice.shipping)
    if choice.row is None:
        raise CostProblem(choice.problem)
    return line.quantity * (choice.unit * choice.factor + choice.shipping)


def line_cost(line: LineInput, component: ComponentInfo, choice: Choice, *, currency: str) -> LineCost:
    """One line as used, for the breakdown."""
    row = choice.row
    total = line_total(line, choice)
    override = line.cost_override is not None
    return LineCost(
        bom_line=line.id,
        level=line.level,
        component=component.id,
        component_name=component.name,
        quantity=line.quantity,
        unit_cost=line.cost_override if line.cost_override is not None else choice.unit,
        unit_source="override" if override else choice.source,
        price_row=row.id if row else None,
        supplier=row.supplier_name if row else "",
        original=f"{row.unit_cost} {row.currency}" if row else f"{line.cost_override} {currency}",
        import_duty_pct=row.import_duty_pct if row else Decimal("0"),
        shipping_cost=choice.shipping,
        line_total=total,
    )


def unit_landed(
    lines: Sequence[LineInput],
    components: Mapping[int, ComponentInfo],
    *,
    batch: int,
    today: date,
    currency: str,
    rates: Mapping[str, Decimal],
    overhead_pct: Decimal,
    expiry_days: int,
    memo: dict[tuple[int, int, str], Choice] | None = None,
    detail: bool = True,
) -> LandedResult:
    """Landed cost of one unit from its BOM lines (non-empty); a problem in any line leaves it unknown.

    `memo` shares price choices between units of one recompute (same component, batch and currency);
    `detail=False` (the bulk recompute) skips building the breakdown lines, with the same arithmetic."""
    memo = {} if memo is None else memo
    costs: list[LineCost] = []
    alerts: list[str] = []
    subtotal = Decimal("0")
    try:
        for line in lines:
            key = (line.component_id, batch, currency)
            choice = memo.get(key)
            if choice is None:
                choice = memo[key] = component_choice(
                    components[line.component_id],
                    batch=batch,
                    today=today,
                    currency=currency,
                    rates=rates,
                    expiry_days=expiry_days,
                )
            if detail:
                cost = line_cost(line, components[line.component_id], choice, currency=currency)
                costs.append(cost)
                subtotal += cost.line_total
            else:
                subtotal += line_total(line, choice)
            if line.cost_override is None:
                alerts += choice.alerts
    except CostProblem as exc:
        return LandedResult("bom", currency, None, tuple(costs), problem=str(exc))
    landed = (subtotal * (1 + overhead_pct / HUNDRED)).quantize(CENT, rounding=ROUND_HALF_UP)
    return LandedResult(
        "bom", currency, landed, tuple(costs), subtotal=subtotal, overhead_pct=overhead_pct, alerts=tuple(alerts)
    )


def merged_lines(product_lines: Sequence[LineInput], variant_lines: Sequence[LineInput]) -> list[LineInput]:
    """A variant's bill: its product's lines, each replaced by the variant's own line for the same component,
    plus the variant's other lines."""
    own = {line.component_id for line in variant_lines}
    return [line for line in product_lines if line.component_id not in own] + list(variant_lines)

"""Suppliers, components, prices and BOM through their services: every named bad input refused with its field,
the stored landed cost recomputed set-based, and the live breakdown (docs/pricing.md)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inventory.cost_models import BomLine, ComponentPrice, LandedCost
from inventory.cost_selectors import unit_landed_cost
from inventory.cost_services import (
    bom_line_create,
    component_create,
    component_price_create,
    component_price_update,
    component_update,
    landed_costs_recompute,
    planned_batch_set,
)
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _field_errors(exc_info) -> dict:
    return exc_info.value.message_dict


def test_valid_to_before_valid_from_is_refused(bom_setup):
    with pytest.raises(ValidationError) as exc_info:
        component_price_create(
            component=bom_setup["screw"],
            supplier=bom_setup["us"],
            unit_cost=Decimal("1"),
            currency="USD",
            valid_from=date(2026, 3, 1),
            valid_to=date(2026, 2, 28),
        )
    assert _field_errors(exc_info) == {"valid_to": ["valid_to 2026-02-28 is before valid_from 2026-03-01."]}
    assert ComponentPrice.objects.count() == 2


@pytest.mark.parametrize("field", ["unit_cost", "shipping_cost", "import_duty_pct"])
def test_negative_cost_is_refused_case(bom_setup, field):
    fields = {"unit_cost": Decimal("1"), field: Decimal("-0.01")}
    with pytest.raises(ValidationError) as exc_info:
        component_price_create(component=bom_setup["screw"], supplier=bom_setup["us"], currency="USD", **fields)
    assert field in _field_errors(exc_info)
    assert ComponentPrice.objects.count() == 2


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        ("XXY", "'XXY' is not an ISO 4217 currency code (e.g. USD, MYR)."),
        ("CHF", "No exchange rate for 'CHF': add it to the currency rates first."),
    ],
)
def test_unknown_currency_is_refused_case(bom_setup, currency, message):
    with pytest.raises(ValidationError) as exc_info:
        component_price_create(
            component=bom_setup["screw"], supplier=bom_setup["us"], unit_cost=Decimal("1"), currency=currency
        )
    assert _field_errors(exc_info) == {"currency": [message]}


def test_bom_line_needs_exactly_one_of_product_and_variant(bom_setup):
    with pytest.raises(ValidationError) as exc_info:
        bom_line_create(
            product=bom_setup["product"], variant=bom_setup["variant"], component=bom_setup["screw"], quantity=1
        )
    assert "product" in _field_errors(exc_info)


@pytest.mark.parametrize("quantity", [Decimal("0"), Decimal("-1")])
def test_bom_quantity_must_be_positive_case(bom_setup, quantity):
    with pytest.raises(ValidationError) as exc_info:
        bom_line_create(variant=bom_setup["variant"], component=bom_setup["screw"], quantity=quantity)
    assert "quantity" in _field_errors(exc_info)


def test_bom_cycle_component_is_the_product_itself(bom_setup):
    # given a component that is our product
    itself = component_create(name="The product as a part", product=bom_setup["product"])
    # when it goes into its own BOM
    with pytest.raises(ValidationError) as exc_info:
        bom_line_create(product=bom_setup["product"], component=itself, quantity=1)
    # then
    product_id = bom_setup["product"].pk
    assert _field_errors(exc_info) == {
        "component": [
            f"BOM cycle: component #{itself.pk} is product #{product_id}, which is product #{product_id} itself "
            "or is built from it."
        ]
    }
    assert BomLine.objects.count() == 1


def test_bom_cycle_two_levels(bom_setup):
    # given kit K is built from product P (component "P part"); a component "K part" is kit K
    kit = ProductFactory()
    p_part = component_create(name="P part", product=bom_setup["product"])
    bom_line_create(product=kit, component=p_part, quantity=1)
    k_part = component_create(name="K part", product=kit)
    # when P (or its variant) would be built from K
    with pytest.raises(ValidationError) as exc_info:
        bom_line_create(variant=bom_setup["variant"], component=k_part, quantity=1)
    assert "BOM cycle" in _field_errors(exc_info)["component"][0]


def test_linking_a_used_component_to_a_product_built_from_it_is_a_cycle(bom_setup):
    # the screw is in product P's BOM; saying the screw *is* product P closes a cycle
    with pytest.raises(ValidationError) as exc_info:
        component_update(component=bom_setup["screw"], product=bom_setup["product"])
    assert "BOM cycle" in _field_errors(exc_info)["product"][0]


def test_live_breakdown_picks_cheapest_converted_price(bom_setup):
    # 0.79 GBP at 0.79 per USD = 1.00 USD beats 1.20 USD; 4 × 1.00 × 1.10 overhead = 4.40
    result = unit_landed_cost(product=bom_setup["product"], variant=bom_setup["variant"])
    assert result.landed_cost == Decimal("4.40")
    line = result.lines[0]
    assert (line.supplier, line.original, line.unit_source, line.unit_cost) == (
        "UK Fasteners",
        "0.7900 GBP",
        "cheapest supplier",
        Decimal("1"),
    )


def test_without_bom_the_cost_price(bom_setup):
    other = ProductFactory(cost_price=Decimal("7.25"))
    result = unit_landed_cost(product=other)
    assert (result.source, result.landed_cost) == ("cost_price", Decimal("7.25"))


def test_recompute_stores_every_unit_and_follows_a_price_change(bom_setup):
    # when
    written = landed_costs_recompute(component_ids=[bom_setup["screw"].pk])
    # then the product itself and its variant
    assert written == 2
    assert set(LandedCost.objects.values_list("variant_id", "landed_cost")) == {
        (None, Decimal("4.40")),
        (bom_setup["variant"].pk, Decimal("4.40")),
    }
    # when the US price drops under the UK one (0.90 × 4 × 1.1 = 3.96)
    us_price = ComponentPrice.objects.get(supplier=bom_setup["us"])
    component_price_update(price=us_price, unit_cost=Decimal("0.90"))
    landed_costs_recompute(component_ids=[bom_setup["screw"].pk])
    assert set(LandedCost.objects.values_list("landed_cost", flat=True)) == {Decimal("3.96")}


def test_planned_batch_picks_a_quantity_break(bom_setup):
    component_price_create(
        component=bom_setup["screw"],
        supplier=bom_setup["us"],
        unit_cost=Decimal("0.50"),
        currency="USD",
        min_quantity=1000,
        valid_from=date(2026, 1, 1),
    )
    planned_batch_set(product_id=bom_setup["product"].pk, variant_id=bom_setup["variant"].pk, quantity=1000)
    landed_costs_recompute(product_ids=[bom_setup["product"].pk])
    stored = dict(LandedCost.objects.values_list("variant_id", "landed_cost"))
    assert stored == {None: Decimal("4.40"), bom_setup["variant"].pk: Decimal("2.20")}  # 4 × 0.50 × 1.1


def test_expiring_price_raises_an_alert(bom_setup):
    uk_price = ComponentPrice.objects.get(supplier=bom_setup["uk"])
    component_price_update(price=uk_price, valid_to=timezone.localdate() + timedelta(days=3))
    landed_costs_recompute(product_ids=[bom_setup["product"].pk])
    row = LandedCost.objects.get(variant=None)
    assert row.has_alerts is True
    assert row.alerts[0].startswith(f"Screw: price #{uk_price.pk} from UK Fasteners expires on ")


def test_price_change_enqueues_the_recompute(bom_setup, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "inventory.cost_services.enqueue", lambda func, *args, **kw: calls.append((func.__name__, args))
    )
    us_price = ComponentPrice.objects.get(supplier=bom_setup["us"])
    component_price_update(price=us_price, unit_cost=Decimal("1.10"))
    assert calls == [("landed_costs_recompute_task", ([bom_setup["screw"].pk], []))]


def test_removing_the_bom_drops_the_stored_cost(bom_setup):
    landed_costs_recompute(product_ids=[bom_setup["product"].pk])
    bom_setup["line"].delete()
    landed_costs_recompute(product_ids=[bom_setup["product"].pk])
    assert LandedCost.objects.count() == 0

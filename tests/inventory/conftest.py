from datetime import date
from decimal import Decimal

import pytest

from catalog.services import variant_create
from inventory.cost_services import bom_line_create, component_create, component_price_create, supplier_create
from tests.catalog.factories import ProductFactory


@pytest.fixture
def bom_setup(db):
    """A product (USD) with one variant; a GBP supplier and a USD one; a screw bought from both."""
    product = ProductFactory(price=Decimal("30.00"), cost_price=Decimal("5.00"))
    variant = variant_create(product=product, sku=f"{product.sku}-V1", options={"Size": "L"})
    uk = supplier_create(name="UK Fasteners", code="UKF", country="GB")
    us = supplier_create(name="US Parts", code="USP", country="US")
    screw = component_create(name="Screw", sku="SCR-1")
    component_price_create(
        component=screw, supplier=uk, unit_cost=Decimal("0.79"), currency="GBP", valid_from=date(2026, 1, 1)
    )
    component_price_create(
        component=screw, supplier=us, unit_cost=Decimal("1.20"), currency="USD", valid_from=date(2026, 1, 1)
    )
    line = bom_line_create(product=product, component=screw, quantity=Decimal("4"))
    return {"product": product, "variant": variant, "uk": uk, "us": us, "screw": screw, "line": line}

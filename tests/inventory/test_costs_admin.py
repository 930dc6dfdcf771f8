"""Django Admin of suppliers, components and prices writes through the services (docs/pricing.md)."""

from datetime import date

import pytest
from django.urls import reverse

from inventory.cost_models import ComponentPrice, Supplier

pytestmark = pytest.mark.django_db


def test_admin_supplier_add_goes_through_service(staff_client, admin_user):
    response = staff_client.post(
        reverse("admin:inventory_supplier_add"), {"name": "Admin Supplier", "code": "ADM", "country": "GB"}
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert Supplier.objects.get(code="ADM").created_by == admin_user


def test_admin_price_with_window_backwards_is_refused(staff_client, bom_setup):
    response = staff_client.post(
        reverse("admin:inventory_componentprice_add"),
        {
            "component": bom_setup["screw"].pk,
            "supplier": bom_setup["us"].pk,
            "unit_cost": "1",
            "currency": "USD",
            "min_quantity": "1",
            "valid_from": "2026-05-02",
            "valid_to": "2026-05-01",
            "import_duty_pct": "0",
            "shipping_cost": "0",
            "is_current": "on",
        },
    )
    assert response.status_code == 200
    assert "valid_to 2026-05-01 is before valid_from 2026-05-02." in response.content.decode()
    assert not ComponentPrice.objects.filter(valid_from=date(2026, 5, 2)).exists()


@pytest.mark.parametrize("model", ["supplier", "component", "componentprice", "bomline", "currencyrate", "landedcost"])
def test_admin_changelists_render_case(staff_client, bom_setup, model):
    assert staff_client.get(reverse(f"admin:inventory_{model}_changelist")).status_code == 200

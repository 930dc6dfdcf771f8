import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from catalog.demo import ITEM_NAMES, TREE, seed_demo_catalog
from catalog.models import Category, Product, ProductImage, Variant

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(db):
    call_command("seed_demo", products=12, stdout=io.StringIO())


def _admin_models():
    return sorted((m._meta.app_label, m._meta.model_name) for m in admin.site._registry)


@pytest.mark.parametrize(("app", "model"), _admin_models())
def test_every_admin_changelist_and_add_page_renders(staff_client, demo, app, model):
    changelist = staff_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert changelist.status_code == 200
    add = staff_client.get(reverse(f"admin:{app}_{model}_add"))
    assert add.status_code in (200, 403)


def test_admin_product_change_page_renders(staff_client, demo):
    product = Product.objects.first()
    response = staff_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    assert response.status_code == 200
    assert product.sku in response.content.decode()


def test_admin_product_add_goes_through_service(staff_client, admin_user):
    response = staff_client.post(
        reverse("admin:catalog_product_add"),
        {
            "sku": " ADM-1 ",
            "title": "From admin",
            "price": "5.00",
            "currency": "USD",
            "quantity": "1",
            "status": "draft",
            "attributes": "{}",
            "variants-TOTAL_FORMS": "0",
            "variants-INITIAL_FORMS": "0",
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get(sku="ADM-1")
    assert product.created_by == admin_user


def test_seed_demo_is_idempotent_and_realistic(demo):
    products = Product.objects.count()
    call_command("seed_demo", products=12, stdout=io.StringIO())
    assert Product.objects.count() == products == 12
    assert Category.objects.filter(depth=2).exists()
    assert Variant.objects.exists()
    assert ProductImage.objects.filter(is_primary=True).count() == 12


def test_check_deploy_passes_in_production_mode():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 20 + "-a-long-random-production-key-0123456789",
        "CREDENTIALS_KEY": "l2fY6m4Jt1u2s3Zk9ZtGk3kq6kZ2m4c8Xv1pQ0wE5rU=",
        "ALLOWED_HOSTS": "shop.example.com",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their live server only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_keys():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "CREDENTIALS_KEY", "ALLOWED_HOSTS"}}
    env["DJANGO_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_demo_titles_name_each_item_in_plain_english(db):
    # given a demo catalog with a product in every leaf category
    leaves = [leaf for children in TREE.values() for names in children.values() for leaf in names]
    seed_demo_catalog(products=len(leaves), with_images=False)
    # then each title is "<brand> <adjective> <item> <n>" with the item named as a shopper would say it
    titles = {p.category.name: p.title for p in Product.objects.select_related("category")}
    assert sorted(titles) == sorted(leaves)
    for leaf, title in titles.items():
        assert title.endswith(f" {ITEM_NAMES[leaf]} {title.rsplit(' ', 1)[1]}"), title
    assert titles["Dresses"].split(" ")[-2] == "Dress"
    assert "Chef's Knife" in titles["Knives"]
    assert not [t for t in titles.values() if any(bad in t for bad in ("Dresse ", "Knive ", "Brushe ", " Jean "))]

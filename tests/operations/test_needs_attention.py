"""The dashboard's "Needs attention" panel (operations/attention.py): counts per kind, channel and error cause,
each opening the filtered list; constant queries; a limited user sees only their channels."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import EDITOR
from accounts.services import user_channels_restrict
from inventory.choices import Bucket, Reason
from inventory.services import movement_apply, stock_for_sku
from listings.models import Listing
from operations.attention import needs_attention
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _set(listing, **fields):
    Listing.objects.filter(pk=listing.pk).update(**fields)


@pytest.fixture
def troubled(make_channel, make_listing):
    """Shop: 2 rejected for missing dimensions, 1 blocked, 1 with unpushed changes; Etsy: 1 suppressed, 1 fine."""
    shop, etsy = make_channel("shopify", name="A Shop"), make_channel("etsy", name="B Etsy")
    dims = "Invalid product (package_length: required)"
    for _ in range(2):
        _set(make_listing(channel=shop), status="error", last_error_code="E1", last_error_message=dims)
    _set(make_listing(channel=shop), status="error", last_error_code="E9", last_error_message="Title too long")
    _set(make_listing(channel=shop), readiness_blocking=2)
    _set(make_listing(channel=shop), changed_since_push=True)
    _set(make_listing(channel=etsy), status="suppressed")
    make_listing(channel=etsy)
    return shop, etsy


def _kinds(attention):
    return {k.query: (k.count, [(c.name, n) for c, n in k.by_channel]) for k in attention.kinds}


def test_counts_per_kind_channel_and_cause(troubled):
    attention = needs_attention()
    kinds = _kinds(attention)
    assert kinds["status=error"] == (3, [("A Shop", 3)])
    assert kinds["readiness=blocked"] == (1, [("A Shop", 1)])
    assert kinds["changed_since_push=true"][0] == 1
    assert kinds["status=suppressed"] == (1, [("B Etsy", 1)])
    assert kinds["status=out_of_sync"] == (0, [])
    causes = [(c.count, c.code) for c in attention.error_causes]
    assert causes == [(2, "E1"), (1, "E9")]
    assert attention.oversold == 0


def test_oversold_stock_is_counted():
    ProductFactory(sku="MUG-9", quantity=1)
    stock = stock_for_sku("MUG-9")
    assert stock is not None
    movement_apply(stock=stock, bucket=Bucket.COMMITTED, delta=3, reason=Reason.ORDER_PAID, idempotency_key="o9")
    assert needs_attention().oversold == 1


def test_queries_do_not_grow_with_channels_or_listings(make_channel, make_listing):
    make_channel("shopify", name="One")
    with CaptureQueriesContext(connection) as few:
        needs_attention()
    for code in ("etsy", "lazada", "shopee"):
        channel = make_channel(code, name=f"More {code}")
        _set(make_listing(channel=channel), status="error", last_error_message="x")
    with CaptureQueriesContext(connection) as many:
        needs_attention()
    assert len(many) == len(few) <= 4


def test_dashboard_panel_links_to_the_filtered_lists(troubled, staff_client):
    shop, _ = troubled
    page = staff_client.get(reverse("dashboard")).content.decode()
    listings = reverse("listings:listing_list")
    assert 'id="needs-attention"' in page
    assert f'href="{listings}?status=error"><strong>3</strong> rejected or in error' in page
    assert f"{listings}?channel={shop.pk}&amp;readiness=blocked" in page
    assert f"{listings}?changed_since_push=true" in page
    assert page.count("data-error-cause") == 2
    assert "oversold SKU" not in page
    # the link's filter lists the same listings the panel counted
    listed = staff_client.get(f"{listings}?channel={shop.pk}&readiness=blocked").content.decode()
    assert listed.count('name="ids"') == 1
    listed = staff_client.get(f"{listings}?changed_since_push=true").content.decode()
    assert listed.count('name="ids"') == 1


def test_nothing_to_do_says_so(staff_client, channel, make_listing):
    make_listing(channel=channel)
    page = staff_client.get(reverse("dashboard")).content.decode()
    assert 'id="nothing-needs-attention"' in page
    assert "data-attention" not in page


def test_a_limited_user_sees_only_their_channels(troubled, make_user):
    shop, etsy = troubled
    user = make_user("limited", EDITOR)
    user_channels_restrict(target=user, channel_ids=[etsy.pk])
    client = Client()
    client.force_login(user)
    page = client.get(reverse("dashboard")).content.decode()
    assert "suppressed by the marketplace" in page
    assert "rejected or in error" not in page
    assert "A Shop" not in page

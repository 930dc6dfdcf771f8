"""List each variant separately: one service behind the listing page's button and the API action
(listings.services.listing_variants_split)."""

import pytest
from django.urls import reverse

from catalog.services import variant_create
from channels.services import category_mapping_set
from common.errors import ApplicationError
from listings.models import Listing
from listings.services import listing_variants_split

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(make_listable_product):
    product = make_listable_product()
    for size in ("S", "M", "L"):
        variant_create(product=product, sku=f"{product.sku}-{size}", options={"Size": size}, quantity=2)
    return product


@pytest.fixture
def amazon_family(family, make_channel, make_listing):
    """A family listing Amazon refuses: the mapped product type has no variation themes."""
    channel = make_channel("amazon")
    category_mapping_set(channel=channel, category=family.category, external_category_id="PRODUCT")
    return make_listing(product=family, channel=channel, map_category=False, description="Our own words.")


def test_split_creates_one_draft_per_variant_and_removes_the_family(amazon_family, family):
    created = listing_variants_split(listing=amazon_family)
    assert sorted(lst.variant.sku for lst in created) == sorted(f"{family.sku}-{s}" for s in ("S", "M", "L"))
    assert {(lst.status, lst.description, lst.channel_id) for lst in created} == {
        ("draft", "Our own words.", amazon_family.channel_id)
    }
    assert not Listing.objects.filter(pk=amazon_family.pk).exists()
    # each single-variant listing has no family problem any more
    assert all(not any(i["code"] == "variation_theme_not_allowed" for i in lst.readiness_issues) for lst in created)


def test_split_keeps_variants_already_listed(amazon_family, family, make_listing):
    small = family.variants.get(sku=f"{family.sku}-S")
    existing = make_listing(product=family, channel=amazon_family.channel, variant=small, map_category=False)
    created = listing_variants_split(listing=amazon_family)
    assert sorted(lst.variant.sku for lst in created) == [f"{family.sku}-L", f"{family.sku}-M"]
    assert Listing.objects.filter(pk=existing.pk).exists()


@pytest.mark.parametrize("case", ["on_marketplace", "not_a_family", "no_variants"])
def test_split_refusals_change_nothing(amazon_family, family, make_listing, make_channel, case):
    if case == "on_marketplace":
        Listing.objects.filter(pk=amazon_family.pk).update(external_id="TEE-001")
        amazon_family.refresh_from_db()
        target = amazon_family
    elif case == "not_a_family":
        target = make_listing(product=family, channel=make_channel("shopee"), variant=family.variants.first())
    else:
        target = make_listing(channel=make_channel("shopee"))
    before = Listing.objects.count()
    with pytest.raises(ApplicationError) as caught:
        listing_variants_split(listing=target)
    assert caught.value.extra["code"] == case
    assert Listing.objects.count() == before


def test_listing_page_offers_the_split_beside_the_family_problem(editor_client, amazon_family, family):
    page = editor_client.get(reverse("listings:listing_detail", kwargs={"pk": amazon_family.pk}))
    html = page.content.decode()
    assert "Product type PRODUCT takes no variation family" in html
    assert "will not take these variants as one family" in html
    assert 'id="split-variants-button"' in html
    response = editor_client.post(reverse("listings:listing_split_variants", kwargs={"pk": amazon_family.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:product_detail", kwargs={"pk": family.pk})
    assert Listing.objects.filter(product=family, variant__isnull=False).count() == 3
    follow = editor_client.get(response["Location"])
    assert f"Listed 3 variants of {family.sku} separately" in follow.content.decode()


def test_listing_page_shows_the_refusal(editor_client, amazon_family):
    Listing.objects.filter(pk=amazon_family.pk).update(external_id="TEE-001")
    response = editor_client.post(
        reverse("listings:listing_split_variants", kwargs={"pk": amazon_family.pk}), follow=True
    )
    assert "deactivate it there first" in response.content.decode()
    assert Listing.objects.filter(variant__isnull=False).count() == 0


def test_viewer_cannot_split(viewer_client, amazon_family):
    page = viewer_client.get(reverse("listings:listing_detail", kwargs={"pk": amazon_family.pk}))
    assert 'id="split-variants-button"' not in page.content.decode()
    response = viewer_client.post(reverse("listings:listing_split_variants", kwargs={"pk": amazon_family.pk}))
    assert response.status_code == 403
    assert Listing.objects.filter(pk=amazon_family.pk).exists()


def test_api_split_variants(api, amazon_family, family):
    response = api.post(f"/api/v1/listings/{amazon_family.pk}/split-variants/")
    assert response.status_code == 201, response.json()
    assert sorted(row["id"] for row in response.json()) == sorted(
        Listing.objects.filter(product=family, variant__isnull=False).values_list("pk", flat=True)
    )


def test_api_split_refusal_is_a_409_with_its_code(api, amazon_family):
    Listing.objects.filter(pk=amazon_family.pk).update(external_id="TEE-001")
    response = api.post(f"/api/v1/listings/{amazon_family.pk}/split-variants/")
    assert response.status_code == 409
    assert response.json()["code"] == "on_marketplace"
    assert Listing.objects.filter(variant__isnull=False).count() == 0


def test_product_page_offers_the_split_in_the_family_row(editor_client, amazon_family, family):
    page = editor_client.get(reverse("catalog:product_detail", kwargs={"pk": family.pk})).content.decode()
    split_url = reverse("listings:listing_split_variants", kwargs={"pk": amazon_family.pk})
    assert f'action="{split_url}"' in page
    Listing.objects.filter(pk=amazon_family.pk).update(external_id="TEE-001")  # on the marketplace: no button
    page = editor_client.get(reverse("catalog:product_detail", kwargs={"pk": family.pk})).content.decode()
    assert f'action="{split_url}"' not in page

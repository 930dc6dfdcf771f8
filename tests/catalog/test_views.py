"""Product list, detail, create/edit pages: every write through the catalog services, errors next to fields."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.choices import ProductStatus
from catalog.demo import demo_image
from catalog.models import Product, ProductImage, Variant
from catalog.services import category_create, image_add, product_create, variant_create
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db

LIST = "/catalog/products/"


def _png(colour, seed=1, name="img.png"):
    return SimpleUploadedFile(name, demo_image(colour, seed), content_type="image/png")


def _form_data(**overrides):
    data = {
        "sku": "MUG-1",
        "title": "Blue mug",
        "status": "draft",
        "category": "",
        "brand": "Acme",
        "price": "12.50",
        "currency": "USD",
        "quantity": "5",
        "attributes": "{}",
        "description": "",
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


# --- list ---


def test_list_searches_sku_title_and_barcode(editor_client):
    ProductFactory(sku="RED-1", title="Red kettle", barcode="4006381333931")
    ProductFactory(sku="BLU-1", title="Blue kettle")
    ProductFactory(sku="GRN-1", title="Green tea")

    by_title = editor_client.get(LIST, {"q": "kettle"}).context["products"]
    by_sku = editor_client.get(LIST, {"q": "grn"}).context["products"]
    by_barcode = editor_client.get(LIST, {"q": "4006381333931"}).context["products"]

    assert sorted(p.sku for p in by_title) == ["BLU-1", "RED-1"]
    assert [p.sku for p in by_sku] == ["GRN-1"]
    assert [p.sku for p in by_barcode] == ["RED-1"]


def test_list_filters_category_subtree_brand_and_status(editor_client):
    kitchen = category_create(name="Kitchen")
    mugs = category_create(name="Mugs", parent=kitchen)
    garden = category_create(name="Garden")
    ProductFactory(sku="A", category=mugs, brand="Acme", status=ProductStatus.ACTIVE)
    ProductFactory(sku="B", category=kitchen, brand="Other", status=ProductStatus.ACTIVE)
    ProductFactory(sku="C", category=garden, brand="Acme", status=ProductStatus.ACTIVE)
    ProductFactory(sku="D", category=mugs, brand="Acme", status=ProductStatus.DRAFT)

    response = editor_client.get(LIST, {"category": kitchen.pk, "brand": "Acme", "status": "active"})

    assert [p.sku for p in response.context["products"]] == ["A"]


def test_list_sorts_both_ways_and_links_flip_direction(editor_client):
    for sku, price in (("P1", "5.00"), ("P2", "1.00"), ("P3", "9.00")):
        ProductFactory(sku=sku, price=Decimal(price))

    up = editor_client.get(LIST, {"sort": "price"})
    down = editor_client.get(LIST, {"sort": "-price"})

    assert [p.sku for p in up.context["products"]] == ["P2", "P1", "P3"]
    assert [p.sku for p in down.context["products"]] == ["P3", "P1", "P2"]
    assert "sort=-price" in up.content.decode()
    assert 'aria-sort="ascending"' in up.content.decode()


def test_list_paginates_and_clamps_out_of_range_pages(editor_client):
    for n in range(30):
        ProductFactory(sku=f"PG-{n:02d}")

    first = editor_client.get(LIST, {"per_page": 25})
    beyond = editor_client.get(LIST, {"per_page": 25, "page": 99})

    assert len(first.context["products"]) == 25
    assert first.context["paginator"].count == 30
    assert beyond.status_code == 200
    assert beyond.context["page_obj"].number == 2
    assert len(beyond.context["products"]) == 5


def test_list_caps_the_count_and_says_so(editor_client, monkeypatch):
    monkeypatch.setattr("common.pagination.CappedPaginator.count_cap", 27)
    for n in range(30):
        ProductFactory(sku=f"CAP-{n:02d}")

    response = editor_client.get(LIST, {"per_page": 25})

    assert response.context["paginator"].count == 27
    assert response.context["paginator"].count_is_capped is True
    assert "27+ products" in response.content.decode()
    assert len(response.context["products"]) == 25


def test_text_search_counts_to_a_lower_cap(editor_client, monkeypatch):
    monkeypatch.setattr("catalog.views.SEARCH_COUNT_CAP", 27)
    for n in range(30):
        ProductFactory(sku=f"SRCH-{n:02d}")

    searched = editor_client.get(LIST, {"q": "SRCH", "per_page": 25})
    browsed = editor_client.get(LIST, {"per_page": 25})

    assert (searched.context["paginator"].count, searched.context["paginator"].count_is_capped) == (27, True)
    assert (browsed.context["paginator"].count, browsed.context["paginator"].count_is_capped) == (30, False)


def test_list_small_result_needs_no_count_query(editor_client, django_assert_num_queries):
    ProductFactory(sku="ONLY-1")
    editor_client.get(LIST)  # first request of a session also records the session (accounts)
    # session, user, user session, ids, rows, images, 2 x perms, categories (filter), categories (bulk move),
    # channel restriction, channels, listing summary; no COUNT
    with django_assert_num_queries(13):
        response = editor_client.get(LIST, {"q": "ONLY"})
    assert response.context["paginator"].count == 1


def test_list_bad_filter_value_shows_message_not_error(editor_client):
    response = editor_client.get(LIST, {"category": "999999", "sort": "nonsense"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("rows_case", [3, 40])
def test_list_query_count_does_not_grow_with_rows(editor_client, django_assert_max_num_queries, rows_case):
    category = category_create(name="Cat")
    for n in range(rows_case):
        product = ProductFactory(sku=f"Q-{n:03d}", category=category)
        if n % 2 == 0:
            image_add(product=product, upload=demo_image((n, 0, 0), n), filename="x.png")
    editor_client.get(LIST)  # first request of a session also records the session (accounts)
    # + the channel restriction lookup, + the listing summary, + the bulk move's categories
    with django_assert_max_num_queries(14):
        response = editor_client.get(LIST, {"q": "Q-", "sort": "title", "category": category.pk})
    assert len(response.context["products"]) == min(rows_case, 50)


# --- bulk actions ---


def test_bulk_status_change_goes_through_the_service(editor_client, editor_user):
    a, b, _c = ProductFactory(sku="BA"), ProductFactory(sku="BB"), ProductFactory(sku="BC")

    response = editor_client.post(
        reverse("catalog:product_bulk"), {"action": "status_active", "ids": [a.pk, b.pk], "next": LIST + "?q=B"}
    )

    assert response.status_code == 302
    assert response["Location"] == LIST + "?q=B"
    statuses = dict(Product.objects.values_list("sku", "status"))
    assert statuses == {"BA": "active", "BB": "active", "BC": "draft"}
    a.refresh_from_db()
    assert a.version == 2
    assert a.updated_by == editor_user


def test_bulk_without_selection_says_so(editor_client):
    response = editor_client.post(reverse("catalog:product_bulk"), {"action": "status_active"}, follow=True)
    assert "Select at least one product first." in response.content.decode()


def test_bulk_status_refused_for_viewer_and_nothing_changes(viewer_client):
    product = ProductFactory(sku="VV")
    response = viewer_client.post(
        reverse("catalog:product_bulk"), {"action": "status_archived", "ids": [product.pk]}, follow=True
    )
    assert "You may view products but not change them." in response.content.decode()
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT
    assert product.version == 1


def test_bulk_export_csv_neutralises_formulas(viewer_client):
    product = ProductFactory(sku="EX-1", title='=HYPERLINK("http://evil")', brand="Acme")

    response = viewer_client.post(reverse("catalog:product_bulk"), {"action": "export_csv", "ids": [product.pk]})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "sku,title,status,category,brand,barcode,price,currency,quantity"
    assert lines[1].startswith("EX-1,\"'=HYPERLINK(")


def test_bulk_rejects_an_open_redirect(editor_client):
    product = ProductFactory(sku="RR")
    response = editor_client.post(
        reverse("catalog:product_bulk"), {"action": "status_active", "ids": [product.pk], "next": "//evil.example"}
    )
    assert response["Location"] == LIST


# --- create / edit ---


def test_create_product_with_variants_and_two_images(editor_client, editor_user):
    data = _form_data(
        **{
            "variants-TOTAL_FORMS": "2",
            "variants-0-sku": "MUG-1-S",
            "variants-0-options": "Size=S, Colour=Blue",
            "variants-0-quantity": "3",
            "variants-0-position": "0",
            "variants-1-sku": "MUG-1-L",
            "variants-1-options": "Size=L",
            "variants-1-quantity": "1",
            "variants-1-price": "14.00",
            "variants-1-position": "1",
            "images": [_png((200, 10, 10), 1, "front.png"), _png((10, 200, 10), 2, "back.png")],
        }
    )

    response = editor_client.post(reverse("catalog:product_create"), data)

    product = Product.objects.get(sku="MUG-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:product_detail", kwargs={"pk": product.pk})
    assert product.created_by == editor_user
    assert list(product.variants.values_list("sku", "options")) == [
        ("MUG-1-S", {"Size": "S", "Colour": "Blue"}),
        ("MUG-1-L", {"Size": "L"}),
    ]
    images = list(product.images.order_by("sort_order"))
    assert [i.original_filename for i in images] == ["front.png", "back.png"]
    assert [i.is_primary for i in images] == [True, False]


def test_create_with_duplicate_images_rolls_back_and_warns_next_to_the_field(editor_client):
    data = _form_data(images=[_png((5, 5, 5), 7, "one.png"), _png((5, 5, 5), 7, "two.png")])

    response = editor_client.post(reverse("catalog:product_create"), data)

    assert response.status_code == 400
    errors = response.context["form"].errors["images"]
    assert len(errors) == 1
    assert errors[0].startswith("two.png: This image is already on the product")
    assert not Product.objects.filter(sku="MUG-1").exists()
    assert ProductImage.objects.count() == 0


def test_create_shows_model_errors_next_to_fields(editor_client):
    ProductFactory(sku="TAKEN")

    response = editor_client.post(
        reverse("catalog:product_create"),
        _form_data(sku="taken", price="-1", compare_at_price="", barcode="123", currency="XYZ"),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "already used by product" in errors["sku"][0]
    assert "price" in errors
    assert "barcode" in errors
    assert "currency" in errors
    body = response.content.decode()
    assert 'id="id_sku_errors"' in body
    assert Product.objects.count() == 1


def test_create_refuses_a_variant_sku_equal_to_the_product_sku(editor_client):
    data = _form_data(
        **{
            "variants-TOTAL_FORMS": "1",
            "variants-0-sku": "mug-1",
            "variants-0-quantity": "1",
            "variants-0-position": "0",
        }
    )

    response = editor_client.post(reverse("catalog:product_create"), data)

    assert response.status_code == 400
    assert "already used by product" in response.context["formset"].forms[0].errors["sku"][0]
    assert not Product.objects.exists()
    assert not Variant.objects.exists()


def test_an_untouched_extra_variant_row_is_ignored(editor_client):
    data = _form_data(
        **{
            "variants-TOTAL_FORMS": "1",
            "variants-0-sku": "",
            "variants-0-options": "",
            "variants-0-quantity": "0",
            "variants-0-position": "0",
        }
    )
    response = editor_client.post(reverse("catalog:product_create"), data)
    assert response.status_code == 302
    assert Product.objects.get(sku="MUG-1").variants.count() == 0


def test_bad_variant_options_are_explained(editor_client):
    data = _form_data(**{"variants-TOTAL_FORMS": "1", "variants-0-sku": "V-1", "variants-0-options": "Size XL"})
    response = editor_client.post(reverse("catalog:product_create"), data)
    assert response.status_code == 400
    assert "Name=Value" in response.context["formset"].forms[0].errors["options"][0]


def test_edit_updates_product_and_variants_and_bumps_version(editor_client):
    product = product_create(sku="ED-1", title="Old", price=Decimal("3.00"))
    keep = variant_create(product=product, sku="ED-1-A", options={"Size": "S"})
    drop = variant_create(product=product, sku="ED-1-B", options={"Size": "M"}, position=1)
    data = _form_data(
        **{
            "sku": "ED-1",
            "title": "New title",
            "version": "1",
            "variants-TOTAL_FORMS": "2",
            "variants-INITIAL_FORMS": "2",
            "variants-0-id": keep.pk,
            "variants-0-product": product.pk,
            "variants-0-sku": "ED-1-A",
            "variants-0-options": "Size=XS",
            "variants-0-quantity": "9",
            "variants-0-position": "0",
            "variants-1-id": drop.pk,
            "variants-1-product": product.pk,
            "variants-1-sku": "ED-1-B",
            "variants-1-options": "Size=M",
            "variants-1-quantity": "0",
            "variants-1-position": "1",
            "variants-1-DELETE": "on",
        }
    )

    response = editor_client.post(reverse("catalog:product_update", kwargs={"pk": product.pk}), data)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.title, product.version) == ("New title", 2)
    # the posted quantity 9 is ignored: an existing variant's quantity comes from the stock ledger (docs/orders.md)
    assert list(product.variants.values_list("sku", "options", "quantity")) == [("ED-1-A", {"Size": "XS"}, 0)]


def test_edit_with_a_stale_version_is_refused(editor_client):
    product = product_create(sku="ST-1", title="Mine", price=Decimal("3.00"))
    from catalog.services import product_update

    product_update(product=product, title="Theirs")

    response = editor_client.post(
        reverse("catalog:product_update", kwargs={"pk": product.pk}),
        _form_data(sku="ST-1", title="Mine again", version="1"),
    )

    assert response.status_code == 400
    assert "changed by someone else" in response.content.decode()
    product.refresh_from_db()
    assert product.title == "Theirs"


def test_edit_adding_an_image_already_on_the_product_is_refused(editor_client):
    product = product_create(sku="IM-1", title="Pic", price=Decimal("3.00"))
    image_add(product=product, upload=demo_image((1, 2, 3), 4), filename="first.png")

    response = editor_client.post(
        reverse("catalog:product_update", kwargs={"pk": product.pk}),
        _form_data(sku="IM-1", title="Pic", version="1", images=[_png((1, 2, 3), 4, "again.png")]),
    )

    assert response.status_code == 400
    assert "again.png: This image is already on the product as image #" in response.content.decode()
    product.refresh_from_db()
    assert product.version == 1


def test_not_an_image_is_refused_with_a_message(editor_client):
    bogus = SimpleUploadedFile("notes.png", b"this is text", content_type="image/png")
    response = editor_client.post(reverse("catalog:product_create"), _form_data(images=[bogus]))
    assert response.status_code == 400
    assert response.context["form"].errors["images"]
    assert not Product.objects.exists()


# --- detail and image actions ---


def test_detail_shows_images_variants_and_facts(viewer_client):
    category = category_create(name="Kitchen")
    product = product_create(sku="DT-1", title="Teapot", price=Decimal("20.00"), category=category, brand="Acme")
    variant_create(product=product, sku="DT-1-R", options={"Colour": "Red"})
    image_add(product=product, upload=demo_image((100, 100, 100), 3), filename="teapot.png")

    body = viewer_client.get(reverse("catalog:product_detail", kwargs={"pk": product.pk})).content.decode()

    assert "Teapot" in body
    assert "Kitchen" in body
    assert "DT-1-R" in body
    assert "Colour: Red" in body
    assert "teapot.png" in body
    assert "480×480" in body


def test_image_make_primary_and_delete(editor_client):
    product = product_create(sku="IP-1", title="Pics", price=Decimal("3.00"))
    first = image_add(product=product, upload=demo_image((1, 1, 1), 1), filename="1.png")
    second = image_add(product=product, upload=demo_image((2, 2, 2), 2), filename="2.png")
    url = reverse("catalog:image_update", kwargs={"pk": product.pk, "image_pk": second.pk})

    editor_client.post(url, {"alt_text": "Side view", "sort_order": "1", "is_primary": "on"})
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.is_primary, second.alt_text, first.is_primary) == (True, "Side view", False)

    editor_client.post(reverse("catalog:image_delete", kwargs={"pk": product.pk, "image_pk": second.pk}))
    first.refresh_from_db()
    assert first.is_primary is True
    assert list(product.images.values_list("pk", flat=True)) == [first.pk]


def test_image_of_another_product_is_404(editor_client):
    a = product_create(sku="O-1", title="A", price=Decimal("1.00"))
    b = product_create(sku="O-2", title="B", price=Decimal("1.00"))
    image = image_add(product=a, upload=demo_image((3, 3, 3), 3), filename="a.png")
    response = editor_client.post(reverse("catalog:image_delete", kwargs={"pk": b.pk, "image_pk": image.pk}))
    assert response.status_code == 404
    assert ProductImage.objects.filter(pk=image.pk).exists()


def test_the_variants_table_shows_the_options_format_hint(editor_client):
    html = editor_client.get(reverse("catalog:product_create")).content.decode()
    assert '<p class="help" id="variant-options-hint">Options: Name=Value pairs separated by commas' in html
    # the extra form's options input and the "Add variant" template's both point at it and show an example
    options_inputs = re.findall(r'<input[^>]*name="variants-[^"]*-options"[^>]*>', html)
    assert len(options_inputs) >= 2
    assert all('aria-describedby="variant-options-hint"' in tag for tag in options_inputs)
    assert all('placeholder="Size=XL, Colour=Red"' in tag for tag in options_inputs)


def test_bulk_export_csv_gives_a_familys_quantity_as_its_variants_total(viewer_client):
    family = ProductFactory(sku="FAM-1", quantity=0)
    variant_create(product=family, sku="FAM-1-S", options={"Size": "S"}, quantity=4)
    variant_create(product=family, sku="FAM-1-M", options={"Size": "M"}, quantity=3)
    single = ProductFactory(sku="ONE-1", quantity=5)

    response = viewer_client.post(
        reverse("catalog:product_bulk"), {"action": "export_csv", "ids": [family.pk, single.pk]}
    )

    quantities = {line.split(",")[0]: line.rsplit(",", 1)[1] for line in response.content.decode().splitlines()[1:]}
    assert quantities == {"FAM-1": "7", "ONE-1": "5"}

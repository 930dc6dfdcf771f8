"""A category's own title limit (docs/catalog.md#title-length): refused on every path, shown on the forms."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.importing.services import import_file
from catalog.models import Category, ImportBatchStatus, Product
from catalog.services import category_update, product_create, product_update
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.catalog.importing.conftest import write_csv
from tests.catalog.test_views import _form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def shoes():
    return CategoryFactory(name="Shoes", title_max_length=20)


@pytest.fixture
def boots(shoes):
    return CategoryFactory(name="Boots", parent=shoes)


# --- Model and services ---


def test_a_title_over_the_category_limit_is_refused_naming_field_category_and_limit(shoes):
    # when a product of a 20-character category gets 25 characters
    with pytest.raises(ValidationError) as caught:
        product_create(sku="SH-1", title="T" * 25, price="10", category=shoes)
    # then the title field says the length, the category, the limit and what to cut; nothing is stored
    assert caught.value.message_dict == {
        "title": ["The title has 25 characters; category 'Shoes' allows at most 20. Shorten it by 5."]
    }
    assert not Product.objects.exists()


def test_a_title_of_exactly_the_limit_fits(shoes):
    product = product_create(sku="SH-1", title="T" * 20, price="10", category=shoes)
    assert product.title == "T" * 20


def test_a_subcategory_inherits_its_parents_limit(boots):
    with pytest.raises(ValidationError) as caught:
        product_create(sku="BO-1", title="B" * 21, price="10", category=boots)
    assert caught.value.message_dict["title"] == [
        "The title has 21 characters; category 'Shoes' allows at most 20. Shorten it by 1."
    ]


def test_a_subcategory_may_be_stricter_and_then_names_itself(boots):
    category_update(category=boots, title_max_length=10)
    with pytest.raises(ValidationError) as caught:
        product_create(sku="BO-1", title="B" * 12, price="10", category=boots)
    assert caught.value.message_dict["title"] == [
        "The title has 12 characters; category 'Boots' allows at most 10. Shorten it by 2."
    ]


def test_a_subcategory_limit_above_its_parents_is_refused(boots):
    with pytest.raises(ValidationError) as caught:
        category_update(category=boots, title_max_length=30)
    assert caught.value.message_dict == {
        "title_max_length": [
            "'Shoes' above it allows titles of at most 20 characters; a subcategory can only be stricter "
            "(or leave it empty to inherit)."
        ]
    }
    assert Category.objects.get(pk=boots.pk).title_max_length is None


def test_moving_a_product_into_a_limited_category_checks_its_title(shoes):
    product = ProductFactory(sku="MV-1", title="A title of 27 characters..")
    with pytest.raises(ValidationError) as caught:
        product_update(product=product, category=shoes)
    assert "title" in caught.value.message_dict
    assert Product.objects.get(pk=product.pk).category_id is None


def test_an_edit_that_keeps_a_fitting_title_saves(shoes):
    product = ProductFactory(sku="OK-1", title="Short", category=shoes)
    product_update(product=product, brand="Acme")
    assert Product.objects.get(pk=product.pk).brand == "Acme"


def test_a_limit_below_titles_already_stored_is_refused_naming_them(boots):
    # given two products of the subtree with titles of 18 and 15 characters
    ProductFactory(sku="LONG-1", title="L" * 18, category=boots)
    ProductFactory(sku="LONG-2", title="L" * 15, category=boots)
    shoes = Category.objects.get(name="Shoes")
    # when the parent's limit drops to 12
    with pytest.raises(ValidationError) as caught:
        category_update(category=shoes, title_max_length=12)
    # then both are counted and the longest is named; the limit stays 20
    assert caught.value.message_dict == {
        "title_max_length": [
            "2 product(s) of 'Shoes' or its subcategories have titles longer than 12 characters, the limit of "
            "'Shoes' (the longest: LONG-1, 18); shorten them first, or allow at least 18."
        ]
    }
    assert Category.objects.get(pk=shoes.pk).title_max_length == 20


def test_moving_a_category_under_a_stricter_parent_is_refused_on_parent(shoes):
    loose = CategoryFactory(name="Loose")
    ProductFactory(sku="LOOSE-1", title="L" * 30, category=loose)
    with pytest.raises(ValidationError) as caught:
        category_update(category=loose, parent=shoes)
    assert list(caught.value.message_dict) == ["parent"]
    assert "the limit of 'Shoes'" in caught.value.message_dict["parent"][0]
    loose.refresh_from_db()
    assert (loose.parent_id, loose.path) == (None, f"{loose.pk:08d}/")


@pytest.mark.parametrize("bad_case", [0, 256, -1])
def test_a_limit_out_of_range_is_refused(shoes, bad_case):
    with pytest.raises(ValidationError) as caught:
        category_update(category=shoes, title_max_length=bad_case)
    assert list(caught.value.message_dict) == ["title_max_length"]
    assert Category.objects.get(pk=shoes.pk).title_max_length == 20


def test_the_database_refuses_a_limit_out_of_range(shoes):
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.filter(pk=shoes.pk).update(title_max_length=300)


# --- Staff pages ---


def test_product_form_shows_the_limit_on_the_title_and_in_the_category_choices(editor_client, boots):
    product = ProductFactory(sku="FORM-1", title="Boot", category=boots)
    page = editor_client.get(f"/catalog/products/{product.pk}/edit/").content.decode()
    assert "At most 20 characters: the title limit of category &#x27;Shoes&#x27;." in page
    assert "Shoes &gt; Boots (titles up to 20)" in page  # the picker's path, then the limit it inherits
    new_page = editor_client.get("/catalog/products/new/").content.decode()
    assert "At most 255 characters." in new_page
    assert "Shoes (titles up to 20)" in new_page


def test_product_form_refuses_a_title_over_the_limit_and_keeps_the_input(editor_client, shoes):
    product = ProductFactory(sku="FORM-2", title="Boot", category=shoes)
    long_title = "Hiking boot, waterproof"
    response = editor_client.post(
        f"/catalog/products/{product.pk}/edit/",
        _form_data(sku="FORM-2", title=long_title, category=str(shoes.pk), version=product.version),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The title has 23 characters; category &#x27;Shoes&#x27; allows at most 20. Shorten it by 3." in page
    assert long_title in page
    assert Product.objects.get(pk=product.pk).title == "Boot"


def test_category_page_sets_and_clears_the_limit(editor_client, shoes):
    url = f"/catalog/categories/{shoes.pk}/title-limit/"
    response = editor_client.post(url, {"title_max_length": "15"})
    assert response.status_code == 302
    assert Category.objects.get(pk=shoes.pk).title_max_length == 15
    page = editor_client.get(f"/catalog/categories/{shoes.pk}/").content.decode()
    assert "may have titles of at most <strong>15</strong> characters" in page
    editor_client.post(url, {"title_max_length": ""})
    assert Category.objects.get(pk=shoes.pk).title_max_length is None


@pytest.mark.parametrize(
    ("value_case", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("256", "Ensure this value is less than or equal to 255."),
        ("ten", "Enter a whole number."),
        ("3", "1 product(s) of &#x27;Shoes&#x27; or its subcategories have titles longer than 3 characters"),
    ],
)
def test_category_page_refuses_a_bad_limit_beside_the_field(editor_client, shoes, value_case, message):
    ProductFactory(sku="CAT-1", title="Sandal", category=shoes)
    response = editor_client.post(f"/catalog/categories/{shoes.pk}/title-limit/", {"title_max_length": value_case})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Category.objects.get(pk=shoes.pk).title_max_length == 20


def test_a_viewer_cannot_set_a_limit(viewer_client, shoes):
    response = viewer_client.post(f"/catalog/categories/{shoes.pk}/title-limit/", {"title_max_length": "5"})
    assert response.status_code == 403
    assert Category.objects.get(pk=shoes.pk).title_max_length == 20


# --- API ---


def test_api_sets_reads_and_refuses_limits(api, shoes):
    url = f"/api/v1/categories/{shoes.pk}/"
    assert api.get(url).json()["title_max_length"] == 20
    assert api.patch(url, {"title_max_length": 18}, format="json").json()["title_max_length"] == 18
    for bad in (0, 256, "x"):
        response = api.patch(url, {"title_max_length": bad}, format="json")
        assert response.status_code == 400
        assert "title_max_length" in response.json()["errors"] or "title_max_length" in str(response.json())
    assert Category.objects.get(pk=shoes.pk).title_max_length == 18


def test_api_refuses_a_product_title_over_the_limit_naming_the_field(api, shoes):
    response = api.post(
        "/api/v1/products/",
        {"sku": "API-1", "title": "T" * 21, "price": "10.00", "category": shoes.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "The title has 21 characters; category 'Shoes' allows at most 20. Shorten it by 1." in str(response.json())
    assert not Product.objects.filter(sku="API-1").exists()


def test_api_schema_has_the_category_limit(api):
    schema = api.get("/api/schema/?format=json").json()
    assert "title_max_length" in schema["components"]["schemas"]["Category"]["properties"]


# --- Admin ---


def test_admin_sets_the_limit_through_the_service_and_refuses_one_below_stored_titles(staff_client, shoes):
    ProductFactory(sku="ADM-1", title="Sandal 12345", category=shoes)
    form = {"name": "Shoes", "slug": shoes.slug, "parent": "", "sort_order": "0", "is_active": "on"}
    form |= {"attribute_definitions-TOTAL_FORMS": "0", "attribute_definitions-INITIAL_FORMS": "0"}
    refused = staff_client.post(f"/admin/catalog/category/{shoes.pk}/change/", {**form, "title_max_length": "5"})
    assert refused.status_code == 200
    assert "have titles longer than 5 characters" in refused.content.decode()
    assert Category.objects.get(pk=shoes.pk).title_max_length == 20
    saved = staff_client.post(f"/admin/catalog/category/{shoes.pk}/change/", {**form, "title_max_length": "12"})
    assert saved.status_code == 302
    assert Category.objects.get(pk=shoes.pk).title_max_length == 12


# --- Import ---


def _import(tmp_path, rows, *, dry_run=False, name="f.csv"):
    path = write_csv(tmp_path / name, rows)
    return import_file(path=path, on_error="skip-rows", dry_run=dry_run, user=None)


def _errors(batch):
    return [(e["row"], e["column"], e["message"]) for e in batch.first_errors]


def test_import_refuses_each_row_over_the_limit_and_keeps_the_others(tmp_path, boots):
    # given a file with one fitting row and one too long, both in Shoes > Boots
    rows = [["sku", "title", "price", "category"]]
    rows += [["IM-1", "Rain boot", "10", "Shoes > Boots"]]
    rows += [["IM-2", "Rain boot, knee-high, lined", "10", "Shoes > Boots"]]
    batch = _import(tmp_path, rows)
    # then the long one is a per-row error on its title cell naming the limit; the other is created
    assert (batch.status, batch.created_count, batch.error_count) == (ImportBatchStatus.COMMITTED, 1, 1)
    assert _errors(batch) == [
        (3, "title", "The title has 27 characters; category 'Shoes' allows at most 20. Shorten it by 7.")
    ]
    assert list(Product.objects.values_list("sku", flat=True)) == ["IM-1"]


def test_import_update_checks_the_stored_category_and_a_moving_row_on_its_category_cell(tmp_path, shoes):
    ProductFactory(sku="UP-1", title="Sandal", category=shoes)
    ProductFactory(sku="UP-2", title="A loose title of 28 letters", category=None)
    rows = [["sku", "title"], ["UP-1", "Sandal with a very long title"]]
    batch = _import(tmp_path, rows, name="a.csv")
    assert _errors(batch) == [
        (2, "title", "The title has 29 characters; category 'Shoes' allows at most 20. Shorten it by 9.")
    ]
    moved = _import(tmp_path, [["sku", "category"], ["UP-2", "Shoes"]], name="b.csv")
    assert _errors(moved) == [
        (2, "category", "The title has 27 characters; category 'Shoes' allows at most 20. Shorten it by 7.")
    ]
    assert dict(Product.objects.values_list("sku", "category_id")) == {"UP-1": shoes.pk, "UP-2": None}
    assert Product.objects.get(sku="UP-1").title == "Sandal"


def test_import_dry_run_applies_the_parents_limit_to_a_subcategory_created_at_commit(tmp_path, shoes):
    rows = [["sku", "title", "price", "category"], ["DRY-1", "Slipper of a long name", "10", "Shoes > Slippers"]]
    batch = _import(tmp_path, rows, dry_run=True)
    assert _errors(batch) == [
        (2, "title", "The title has 22 characters; category 'Shoes' allows at most 20. Shorten it by 2.")
    ]
    assert not Category.objects.filter(name="Slippers").exists()

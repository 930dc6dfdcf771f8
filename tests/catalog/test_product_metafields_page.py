"""The product's metafields page and PATCH /api/v1/products/{id}/metafields/ (docs/catalog.md#metafields): one
service, values checked against their definitions, refusals beside the input, nothing saved on a refusal."""

import pytest

from catalog.models import Product
from catalog.services import metafield_definition_create, product_metafields_update
from common.errors import ApplicationError
from listings.models import ProductVersion
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def definitions():
    layers = metafield_definition_create(
        namespace="specs", key="layers", type="number_integer", name="Layers", validations={"min": 1, "max": 9}
    )
    washable = metafield_definition_create(namespace="specs", key="washable", type="boolean", name="Washable")
    material = metafield_definition_create(
        namespace="specs",
        key="material",
        type="single_line_text_field",
        is_required=True,
        validations={"choices": ["cotton", "wool"]},
    )
    released = metafield_definition_create(namespace="specs", key="released", type="date")
    return {"layers": layers, "washable": washable, "material": material, "released": released}


@pytest.fixture
def product(definitions):
    return ProductFactory(sku="MF-1", title="Jacket", metafields={"specs.layers": 2, "specs.material": "wool"})


def _url(product):
    return f"/catalog/products/{product.pk}/metafields/"


def _post_data(product, definitions, **values):
    data = {"version": str(product.version)}
    current = {"layers": "2", "washable": "", "material": "wool", "released": ""}
    for name, value in {**current, **values}.items():
        data[f"mf_{definitions[name].pk}"] = value
    return data


# --- Pages ---


def test_product_page_lists_every_product_metafield_with_its_value(viewer_client, product):
    page = viewer_client.get(f"/catalog/products/{product.pk}/").content.decode()
    assert 'data-metafield="specs.layers"' in page
    assert "<code>specs.material</code></td><td>wool</td>" in page
    assert "required on Shopify" in page
    assert f'href="{_url(product)}"' in page


def test_metafields_page_shows_one_input_per_definition_with_its_stored_value(editor_client, product, definitions):
    page = editor_client.get(_url(product)).content.decode()
    assert f'name="mf_{definitions["layers"].pk}" value="2"' in page
    assert f'type="date" name="mf_{definitions["released"].pk}"' in page
    assert '<option value="wool" selected>wool</option>' in page
    assert "specs.layers · Integer · min 1 · max 9" in page
    assert "<script>" not in page  # CSP: no inline script


def test_saving_changes_sets_clears_and_keeps_and_records_a_version(editor_client, product, definitions):
    # given a product with two values and one content version
    versions = ProductVersion.objects.filter(product=product).count()
    # when the editor sets washable, changes layers and clears material
    response = editor_client.post(
        _url(product), _post_data(product, definitions, layers="3", washable="true", material="")
    )
    # then the values are stored in their typed forms and the change is one new version
    assert response.status_code == 302
    stored = Product.objects.get(pk=product.pk)
    assert stored.metafields == {"specs.layers": 3, "specs.washable": True}
    assert stored.version == product.version + 1
    assert ProductVersion.objects.filter(product=product).count() == versions + 1
    page = editor_client.get(response["Location"]).content.decode()
    assert "Saved 3 metafield(s): specs.layers, specs.material, specs.washable." in page


def test_saving_nothing_changed_writes_nothing(editor_client, product, definitions):
    response = editor_client.post(_url(product), _post_data(product, definitions))
    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).version == product.version


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("layers", "many", "&#x27;specs.layers&#x27; must be a whole number, got &#x27;many&#x27;."),
        ("layers", "12", "&#x27;specs.layers&#x27; must be at most 9; got 12."),
        ("layers", "0", "&#x27;specs.layers&#x27; must be at least 1; got 0."),
        ("washable", "perhaps", "&#x27;specs.washable&#x27; must be true or false"),
        ("material", "silk", "&#x27;specs.material&#x27; must be one of cotton, wool; got &#x27;silk&#x27;."),
        ("released", "31/12/2025", "&#x27;specs.released&#x27; must be a date as YYYY-MM-DD"),
    ],
    ids=["not_a_number_case", "above_max_case", "below_min_case", "not_boolean_case", "not_a_choice_case",
         "bad_date_case"],
)  # fmt: skip
def test_a_bad_value_is_refused_beside_its_input_and_nothing_is_saved(
    editor_client, product, definitions, field, value, message
):
    response = editor_client.post(_url(product), _post_data(product, definitions, **{"layers": "4", field: value}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the errors below; nothing was saved." in page
    assert f'id="id_mf_{definitions[field].pk}_errors"' in page
    assert message in page
    stored = Product.objects.get(pk=product.pk)
    assert (stored.metafields, stored.version) == ({"specs.layers": 2, "specs.material": "wool"}, product.version)


def test_a_stale_version_is_refused_as_a_conflict(editor_client, product, definitions):
    stale = _post_data(product, definitions, layers="5")
    product_metafields_update(product=product, values={"specs.layers": 6})
    response = editor_client.post(_url(product), stale)
    assert response.status_code == 400
    assert "was changed by someone else" in response.content.decode()
    assert Product.objects.get(pk=product.pk).metafields["specs.layers"] == 6


def test_a_viewer_reads_the_values_but_cannot_save(viewer_client, product, definitions):
    page = viewer_client.get(_url(product)).content.decode()
    assert "Save metafields" not in page
    response = viewer_client.post(_url(product), _post_data(product, definitions, layers="7"))
    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).metafields["specs.layers"] == 2


def test_without_definitions_the_page_says_where_to_define_them(editor_client):
    product = ProductFactory(sku="MF-NONE")
    page = editor_client.get(_url(product)).content.decode()
    assert "No product metafield is defined yet." in page


# --- Service ---


def test_service_refuses_an_undefined_key_and_keeps_the_stored_values(product):
    with pytest.raises(Exception) as refused:
        product_metafields_update(product=product, values={"specs.colour": "red"})
    assert "No metafield definition 'specs.colour' for this owner" in str(refused.value)
    assert Product.objects.get(pk=product.pk).metafields == {"specs.layers": 2, "specs.material": "wool"}


def test_service_refuses_values_that_are_not_an_object(product):
    with pytest.raises(ApplicationError):
        product_metafields_update(product=product, values=["specs.layers"])  # type: ignore[arg-type]


# --- API ---


def test_api_patch_sets_and_clears_some_metafields(api, product):
    response = api.patch(
        f"/api/v1/products/{product.pk}/metafields/",
        {"values": {"specs.washable": "yes", "specs.material": None}, "version": product.version},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["metafields"] == {"specs.layers": 2, "specs.washable": True}


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"values": {"specs.layers": "many"}}, 400, "'specs.layers' must be a whole number, got 'many'."),
        ({"values": {"specs.layers": 10}}, 400, "'specs.layers' must be at most 9; got 10."),
        ({"values": {"spec$.bad key": 1}}, 400, "No metafield definition 'spec$.bad key'"),
        ({"values": {}}, 400, "values"),
        ({"values": "specs.layers=3"}, 400, "values"),
        ({"values": {"specs.layers": 3}, "version": 1_000}, 409, "was changed by someone else"),
    ],
    ids=["wrong_type_case", "over_max_case", "illegal_key_case", "empty_case", "not_an_object_case",
         "stale_version_case"],
)  # fmt: skip
def test_api_refuses_bad_metafields_and_saves_nothing(api, product, body, status, text):
    response = api.patch(f"/api/v1/products/{product.pk}/metafields/", body, format="json")
    assert response.status_code == status
    assert text in str(response.json())
    stored = Product.objects.get(pk=product.pk)
    assert (stored.metafields, stored.version) == ({"specs.layers": 2, "specs.material": "wool"}, product.version)


def test_a_viewer_token_cannot_patch_metafields(viewer_api, product):
    response = viewer_api.patch(
        f"/api/v1/products/{product.pk}/metafields/", {"values": {"specs.layers": 3}}, format="json"
    )
    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).metafields["specs.layers"] == 2


def test_the_schema_has_the_metafields_action(api):
    paths = api.get("/api/schema/?format=json").json()["paths"]
    assert "patch" in paths["/api/v1/products/{id}/metafields/"]

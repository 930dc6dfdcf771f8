"""Amazon variation families (parent + children) against the sandbox over HTTP
(docs/marketplaces/amazon.md#variation-families)."""

from decimal import Decimal

import pytest

from syncing.connectors.amazon import mapping
from syncing.connectors.base import OfferUpdate, Rejected, VariantPayload

CODE = "amazon"
FAMILY = {
    "sku": "TEE-001",
    "title": "Organic cotton tee",
    "description": "Soft organic cotton.",
    "currency": "USD",
    "category_id": "SHIRT",
    "weight_grams": None,
    "length_mm": None,
    "width_mm": None,
    "height_mm": None,
}


def _variants(*rows):
    return tuple(
        VariantPayload(sku=sku, price=Decimal(price), quantity=qty, options=options, barcode="")
        for sku, price, qty, options in rows
    )


TWO_OPTIONS = _variants(
    ("TEE-S-RED", "10.00", 3, {"Size": "S", "Color": "Red"}),
    ("TEE-M-RED", "11.00", 4, {"Size": "M", "Color": "Red"}),
    ("TEE-M-BLUE", "12.00", 0, {"Size": "M", "Color": "Blue"}),
)


@pytest.fixture
def conn(connect):
    return connect(CODE, currency="USD", language="en", country="US")


@pytest.fixture
def family(make_payload):
    def build(variants=TWO_OPTIONS, **overrides):
        return make_payload(**{**FAMILY, "variants": variants, **overrides})

    return build


def _stored(sandbox):
    return {item["sku"]: item for item in sandbox.items(CODE)}


def test_publish_two_option_family_update_one_child_and_read_back(conn, family, sandbox):
    # when a product with Size x Color variants is pushed
    result = conn.push_listing(family())
    # then the parent carries the theme and no offer, and each child its own offer and the theme's values
    assert result.external_id == "TEE-001"
    assert result.marketplace_ids["variation_theme"] == "SIZE/COLOR"
    assert result.marketplace_ids["child_skus"] == "TEE-S-RED,TEE-M-RED,TEE-M-BLUE"
    stored = _stored(sandbox)
    assert set(stored) == {"TEE-001", "TEE-S-RED", "TEE-M-RED", "TEE-M-BLUE"}
    parent = stored["TEE-001"]["attributes"]
    assert parent["parentage_level"][0]["value"] == "parent"
    assert parent["variation_theme"] == [{"name": "SIZE/COLOR"}]
    assert "purchasable_offer" not in parent
    child = stored["TEE-M-BLUE"]["attributes"]
    assert child["child_parent_sku_relationship"][0]["parent_sku"] == "TEE-001"
    assert (child["size"][0]["value"], child["color"][0]["value"]) == ("M", "Blue")
    assert child["item_name"][0]["value"] == "Organic cotton tee (M, Blue)"

    # when one child's price and stock change through the offers path
    before = len(sandbox.log(CODE))
    results = conn.update_offers(
        [OfferUpdate(sku="TEE-M-RED", external_id="TEE-001", price=Decimal("13.50"), quantity=9, is_variant=True)]
    )
    # then only that child is patched
    assert [r.ok for r in results] == [True]
    patches = [e for e in sandbox.log(CODE)[before:] if e["method"] == "PATCH"]
    assert [e["path"].rsplit("/", 1)[-1] for e in patches] == ["TEE-M-RED"]

    # and reading the family back gives every child with its own offer; the parent is live, not "not buyable"
    remote = conn.get_listing("TEE-001")
    assert remote.status == "live"
    by_sku = {v.sku: v for v in remote.variants}
    assert (by_sku["TEE-M-RED"].price, by_sku["TEE-M-RED"].quantity) == (Decimal("13.50"), 9)
    assert (by_sku["TEE-S-RED"].price, by_sku["TEE-S-RED"].quantity) == (Decimal("10.00"), 3)
    assert by_sku["TEE-M-BLUE"].options == {"color": "Blue", "size": "M"}
    # a pull lists the family once (children come with their parent)
    assert [item.sku for item in conn.pull_listings().items] == ["TEE-001"]


def test_one_option_family_gets_the_single_theme(conn, family, sandbox):
    variants = _variants(("MUG-RED", "9", 1, {"Colour": "Red"}), ("MUG-BLUE", "9", 2, {"Colour": "Blue"}))
    result = conn.push_listing(family(variants=variants, sku="MUG-FAM", category_id="DRINKING_CUP"))
    assert result.marketplace_ids["variation_theme"] == "COLOR"
    assert _stored(sandbox)["MUG-BLUE"]["attributes"]["color"][0]["value"] == "Blue"


@pytest.mark.parametrize(
    ("category_id", "variants", "code"),
    [
        ("PRODUCT", TWO_OPTIONS, "variation_theme_not_allowed"),  # product type without themes
        ("BACKPACK", TWO_OPTIONS, "variation_theme_not_allowed"),  # SIZE/COLOR is not a backpack theme
        (
            "SHIRT",
            _variants(("A", "1", 1, {"Size": "S", "Fit": "Slim"}), ("B", "1", 1, {"Size": "M", "Fit": "Slim"})),
            "variation_theme_not_allowed",
        ),
        ("SHIRT", _variants(("A", "1", 1, {"Size": "S"}), ("B", "1", 1, {"Size": "S"})), "variant_options_duplicate"),
    ],
    ids=["no_themes_case", "wrong_theme_case", "unknown_option_case", "duplicate_case"],
)
def test_family_the_product_type_cannot_take_is_refused_before_sending(
    conn, family, sandbox, category_id, variants, code
):
    with pytest.raises(Rejected) as caught:
        conn.push_listing(family(variants=variants, category_id=category_id))
    assert caught.value.code == code
    assert "variants" in caught.value.field_errors
    assert sandbox.items(CODE) == []


def _put(conn, sku, body):
    return conn._call("PUT", conn._item_path(sku), json=body)


def test_sandbox_refuses_a_theme_the_product_type_does_not_allow(conn, family):
    body = mapping.parent_body(
        family(category_id="BACKPACK"), theme="SIZE/COLOR", marketplace_id=conn.marketplace_id, tag="en_US"
    )
    answer = _put(conn, "TEE-001", body)
    assert answer["status"] == "INVALID"
    assert answer["issues"][0]["code"] == "90003875"
    assert answer["issues"][0]["attributeNames"] == ["variation_theme"]
    assert "Valid: COLOR, STYLE, COLOR/STYLE" in answer["issues"][0]["message"]


def test_sandbox_refuses_an_unknown_theme(conn, family):
    body = mapping.parent_body(family(), theme="SIZE/FLAVOR", marketplace_id=conn.marketplace_id, tag="en_US")
    answer = _put(conn, "TEE-001", body)
    assert (answer["status"], answer["issues"][0]["code"]) == ("INVALID", "90003875")


def test_sandbox_refuses_a_child_without_its_parent(conn, family, sandbox):
    payload = family()
    body = mapping.child_body(
        payload, TWO_OPTIONS[0], theme="SIZE/COLOR", marketplace_id=conn.marketplace_id, tag="en_US"
    )
    answer = _put(conn, "TEE-S-RED", body)
    assert answer["status"] == "INVALID"
    assert answer["issues"][0]["code"] == "8560"
    assert answer["issues"][0]["attributeNames"] == ["child_parent_sku_relationship"]
    assert sandbox.items(CODE) == []


def test_sandbox_refuses_a_child_missing_a_theme_value(conn, family):
    payload = family()
    parent = mapping.parent_body(payload, theme="SIZE/COLOR", marketplace_id=conn.marketplace_id, tag="en_US")
    assert _put(conn, "TEE-001", parent)["status"] == "ACCEPTED"
    child = VariantPayload(sku="TEE-X", price=Decimal("5"), quantity=1, options={"Size": "L"})
    body = mapping.child_body(payload, child, theme="SIZE/COLOR", marketplace_id=conn.marketplace_id, tag="en_US")
    answer = _put(conn, "TEE-X", body)
    assert answer["status"] == "INVALID"
    assert answer["issues"][0]["attributeNames"] == ["color"]


def test_connector_maps_a_refused_child_to_rejected(conn, family, sandbox):
    # a child SKU over Amazon's 40 characters is refused by the sandbox after the parent went in
    variants = _variants(("TEE-S", "1", 1, {"Size": "S"}), ("T" * 41, "1", 1, {"Size": "M"}))
    with pytest.raises(Exception) as caught:
        conn.push_listing(family(variants=variants))
    assert "40 characters" in str(caught.value)

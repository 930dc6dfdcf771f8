"""Shopee tier variations and models against the sandbox over HTTP (docs/marketplaces/shopee.md#variation-families)."""

from decimal import Decimal

import pytest

from syncing.connectors.base import OfferUpdate, Rejected, VariantPayload

CODE = "shopee"


def _variants(*rows):
    return tuple(VariantPayload(sku=sku, price=Decimal(p), quantity=q, options=o) for sku, p, q, o in rows)


TWO_OPTIONS = _variants(
    ("TEE-S-RED", "10.00", 3, {"Size": "S", "Color": "Red"}),
    ("TEE-M-RED", "11.00", 4, {"Size": "M", "Color": "Red"}),
    ("TEE-M-BLUE", "12.00", 0, {"Size": "M", "Color": "Blue"}),
)


@pytest.fixture
def shopee(connect):
    return connect(CODE)


@pytest.fixture
def family(make_payload):
    def build(variants=TWO_OPTIONS, **overrides):
        return make_payload(**{"sku": "TEE-001", "title": "Organic cotton tee", "variants": variants, **overrides})

    return build


def _stored(sandbox):
    return sandbox.items(CODE)[0]


def test_publish_two_tier_family_update_one_model_and_pull_back(shopee, family, sandbox):
    # when a product with Size x Color variants is pushed
    result = shopee.push_listing(family())
    # then the item has two tiers and one model per variant with its own price and stock
    item = _stored(sandbox)
    assert result.external_id == str(item["item_id"])
    assert item["tier_variation"] == [
        {"name": "Size", "option_list": [{"option": "S"}, {"option": "M"}]},
        {"name": "Color", "option_list": [{"option": "Red"}, {"option": "Blue"}]},
    ]
    models = {m["model_sku"]: m for m in item["models"].values()}
    assert {sku: (m["tier_index"], m["original_price"], m["stock"]) for sku, m in models.items()} == {
        "TEE-S-RED": ([0, 0], 10.0, 3),
        "TEE-M-RED": ([1, 0], 11.0, 4),
        "TEE-M-BLUE": ([1, 1], 12.0, 0),
    }

    # when one variant's price and stock change through the offers path
    before = len(sandbox.log(CODE))
    offer = OfferUpdate(
        sku="TEE-M-RED", external_id=result.external_id, price=Decimal("13.50"), quantity=9, is_variant=True
    )
    assert [r.ok for r in shopee.update_offers([offer])] == [True]
    # then only that model is sent, by its model_id
    calls = [e for e in sandbox.log(CODE)[before:] if e["path"].endswith(("update_price", "update_stock"))]
    assert len(calls) == 2
    item = _stored(sandbox)
    models = {m["model_sku"]: m for m in item["models"].values()}
    assert (models["TEE-M-RED"]["original_price"], models["TEE-M-RED"]["stock"]) == (13.5, 9)
    assert (models["TEE-S-RED"]["original_price"], models["TEE-S-RED"]["stock"]) == (10.0, 3)

    # and a pull reads the models back
    remote = shopee.pull_listings().items[0]
    assert (remote.price, remote.quantity) == (None, None)  # a family's price and stock are per model
    by_sku = {v.sku: v for v in remote.variants}
    assert (by_sku["TEE-M-RED"].price, by_sku["TEE-M-RED"].quantity) == (Decimal("13.5"), 9)
    assert by_sku["TEE-M-BLUE"].options == {"Size": "M", "Color": "Blue"}
    assert by_sku["TEE-M-BLUE"].external_id == str(models["TEE-M-BLUE"]["model_id"])


def test_push_again_updates_models_and_adds_a_new_variant(shopee, family, sandbox):
    created = shopee.push_listing(family())
    more = (*TWO_OPTIONS[:2], _variants(("TEE-S-BLUE", "9.00", 5, {"Size": "S", "Color": "Blue"}))[0])
    shopee.push_listing(family(variants=more, external_id=created.external_id))
    models = {m["model_sku"]: m for m in _stored(sandbox)["models"].values()}
    assert set(models) == {"TEE-S-RED", "TEE-M-RED", "TEE-M-BLUE", "TEE-S-BLUE"}
    assert models["TEE-S-BLUE"]["tier_index"] == [0, 1]


def test_changed_tiers_are_refused_with_a_way_out(shopee, family):
    created = shopee.push_listing(family())
    other = _variants(("TEE-S", "1", 1, {"Size": "S"}), ("TEE-M", "1", 1, {"Size": "M"}))
    with pytest.raises(Rejected) as caught:
        shopee.push_listing(family(variants=other, external_id=created.external_id))
    assert caught.value.code == "tier_variation_changed"


def test_item_level_offer_on_an_item_with_models_fails_that_item(shopee, family):
    created = shopee.push_listing(family())
    result = shopee.update_offers([OfferUpdate(sku="TEE-001", external_id=created.external_id, price=Decimal("5"))])
    assert not result[0].ok
    assert "has models" in result[0].message


def test_unknown_model_sku_fails_only_that_offer(shopee, family):
    created = shopee.push_listing(family())
    offers = [
        OfferUpdate(sku="NOPE", external_id=created.external_id, quantity=1, is_variant=True),
        OfferUpdate(sku="TEE-S-RED", external_id=created.external_id, quantity=1, is_variant=True),
    ]
    results = shopee.update_offers(offers)
    assert [(r.sku, r.ok, r.error_code) for r in results] == [
        ("NOPE", False, "model_not_found"),
        ("TEE-S-RED", True, ""),
    ]


LONG = "X" * 21
THREE_TIERS = _variants(
    ("A", "1", 1, {"Size": "S", "Color": "Red", "Fit": "Slim"}),
    ("B", "1", 1, {"Size": "M", "Color": "Red", "Fit": "Slim"}),
)


@pytest.mark.parametrize(
    ("variants", "code"),
    [
        (THREE_TIERS, "variation_too_many_options"),
        (_variants(("A", "1", 1, {"Size": LONG}), ("B", "1", 1, {"Size": "M"})), "variation_value_too_long"),
        (
            _variants(("A", "1", 1, {"Size of the garment": "S"}), ("B", "1", 1, {"Size of the garment": "M"})),
            "variation_name_too_long",
        ),
        (_variants(*[(f"S{i}", "1", 1, {"Size": f"S{i}"}) for i in range(21)]), "variation_too_many_values"),
        (
            _variants(*[(f"S{i}", "1", 1, {"Size": f"S{i % 10}", "Color": f"C{i // 10}"}) for i in range(51)]),
            "variation_too_many_variants",
        ),
        (_variants(("A", "1", 1, {"Size": "S"}), ("B", "1", 1, {"Color": "Red"})), "variant_option_value_missing"),
    ],
    ids=[
        "three_tiers_case",
        "option_too_long_case",
        "tier_name_too_long_case",
        "too_many_options_case",
        "too_many_models_case",
        "missing_value_case",
    ],
)
def test_connector_refuses_what_shopee_would_before_any_call(shopee, family, sandbox, variants, code):
    with pytest.raises(Rejected) as caught:
        shopee.push_listing(family(variants=variants))
    assert caught.value.code == code
    assert "variants" in caught.value.field_errors
    assert sandbox.items(CODE) == []
    assert sandbox.log(CODE) == []


# --- the sandbox's own checks, in Shopee's error shape ---


@pytest.fixture
def item_id(shopee, make_payload):
    return int(shopee.push_listing(make_payload(sku="PLAIN-1")).external_id)


def _init(shopee, item_id, tiers, models):
    body = {"item_id": item_id, "tier_variation": tiers, "model": models}
    return shopee.client.call("POST", "/api/v2/product/init_tier_variation", body=body)


def _tier(name, *options):
    return {"name": name, "option_list": [{"option": o} for o in options]}


def _model(*index, sku="M", price=1.0, stock=1):
    return {"tier_index": list(index), "original_price": price, "model_sku": sku, "seller_stock": [{"stock": stock}]}


@pytest.mark.parametrize(
    ("tiers", "models", "error", "text"),
    [
        (
            [_tier("A", "1"), _tier("B", "1"), _tier("C", "1")],
            [_model(0, 0, 0)],
            "product.error_param",
            "at most 2 tiers",
        ),
        ([_tier("Size of garment", "S")], [_model(0)], "product.error_param", "tier_variation.name"),
        ([_tier("Size", "X" * 21)], [_model(0)], "product.error_param", "tier_variation.option"),
        ([_tier("Size", *[str(i) for i in range(21)])], [_model(0)], "product.error_param", "1 to 20 options"),
        ([_tier("Size", "S", "S")], [_model(0)], "product.error_param", "unique"),
        ([_tier("Size", "S")], [_model(1)], "product.error_param", "tier_index"),
        ([_tier("Size", "S")], [_model(0), _model(0, sku="N")], "product.error_param", "used twice"),
        (
            [_tier("Size", *[str(i) for i in range(10)]), _tier("Color", *[str(i) for i in range(6)])],
            [_model(i % 10, i // 10, sku=f"M{i}") for i in range(51)],
            "product.error_permission",
            "under 50",
        ),
    ],
    ids=[
        "three_tiers_case",
        "tier_name_case",
        "option_length_case",
        "option_count_case",
        "duplicate_option_case",
        "bad_index_case",
        "duplicate_model_case",
        "model_count_case",
    ],
)
def test_sandbox_enforces_tier_limits(shopee, item_id, sandbox, tiers, models, error, text):
    from syncing.connectors.base import ConnectorError

    with pytest.raises(ConnectorError) as caught:
        _init(shopee, item_id, tiers, models)
    assert caught.value.code == error
    assert text in caught.value.message
    assert "models" not in _stored(sandbox)


def test_sandbox_refuses_a_second_init_and_add_model_before_init(shopee, item_id):
    from syncing.connectors.base import ConnectorError

    with pytest.raises(ConnectorError) as caught:
        shopee.client.call("POST", "/api/v2/product/add_model", body={"item_id": item_id, "model_list": [_model(0)]})
    assert "init_tier_variation first" in caught.value.message
    _init(shopee, item_id, [_tier("Size", "S", "M")], [_model(0)])
    with pytest.raises(ConnectorError) as caught:
        _init(shopee, item_id, [_tier("Size", "S")], [_model(0)])
    assert "already has tier variations" in caught.value.message

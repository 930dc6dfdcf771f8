"""Each marketplace's own category tree and a leaf's attributes over real HTTP to the sandbox
(docs/channels.md#marketplace-categories, docs/sandbox.md#category-trees)."""

import pytest
import requests

from syncing.connectors.base import ConnectorError, NotFound, Rejected

# (marketplace, a leaf's id, its path, a parent's id, a mandatory attribute with options)
LEAVES = {
    "shopify": ("gid://shopify/TaxonomyCategory/aa-1-1", "Clothing > Women's clothing > Dresses",
                "gid://shopify/TaxonomyCategory/aa-1", None),
    "lazada": ("10001001", "Clothing > Women's clothing > Dresses", "10000101", "size"),
    "shopee": ("100101", "Clothing > Women's clothing > Dresses", "100011", "Size"),
    "tiktok": ("601001", "Clothing > Women's clothing > Dresses", "600101", "Size"),
    "etsy": ("1001", "Clothing > Women's clothing > Dresses", "101", "Size"),
    "amazon": ("DRESS", "Dresses", "", "size"),
}  # fmt: skip


@pytest.mark.parametrize("code", sorted(LEAVES))
def test_categories_are_one_normalised_list(connect, code):
    leaf_id, leaf_path, parent_id, _ = LEAVES[code]
    nodes = connect(code).categories()
    by_id = {n.id: n for n in nodes}
    leaf = by_id[leaf_id]
    assert (leaf.path, leaf.leaf, leaf.parent_id) == (leaf_path, True, parent_id)
    if code == "amazon":  # product types: a flat list of leaves
        assert all(n.leaf and n.parent_id == "" for n in nodes)
        assert {"DRESS", "DRINKING_CUP", "BACKPACK"} <= set(by_id)
    else:
        parent = by_id[parent_id]
        assert (parent.leaf, parent.path) == (False, "Clothing > Women's clothing")
        roots = [n.name for n in nodes if not n.parent_id]
        assert roots == ["Bags", "Clothing", "Home & Kitchen"]
        assert len(nodes) == 13
        assert all(n.parent_id in by_id for n in nodes if n.parent_id)


@pytest.mark.parametrize("code", sorted(LEAVES))
def test_leaf_attributes_carry_mandatory_flags_and_options(connect, code):
    leaf_id, _, _, mandatory = LEAVES[code]
    attributes = connect(code).category_attributes(leaf_id)
    by_label = {a.label: a for a in attributes}
    assert by_label["Size"].options == ("XS", "S", "M", "L", "XL")
    assert by_label["Material"].options == ()
    if code == "shopify":  # the taxonomy has no mandatory flag
        assert not any(a.mandatory for a in attributes)
    else:
        assert by_label["Size"].mandatory
        assert not by_label["Material"].mandatory
        assert mandatory in {a.name for a in attributes} | {a.label for a in attributes}


@pytest.mark.parametrize(
    ("code", "bad", "error"),
    [
        ("lazada", "10000001", Rejected),
        ("shopee", "100001", ConnectorError),
        ("tiktok", "600000", ConnectorError),
        ("etsy", "999999", NotFound),
        ("amazon", "NO_SUCH_TYPE", ConnectorError),
        ("shopify", "gid://shopify/TaxonomyCategory/zz-9", NotFound),
    ],
)
def test_attributes_of_a_parent_or_unknown_category_are_refused(connect, code, bad, error):
    with pytest.raises(error):
        connect(code).category_attributes(bad)


def test_shopify_taxonomy_search_and_children(connect, sandbox):
    conn = connect("shopify")
    query = 'query { taxonomy { categories(first: 10, search: "mugs") { nodes { id fullName isLeaf } } } }'
    data = conn.client.graphql(query)
    assert data["taxonomy"]["categories"]["nodes"] == [
        {**data["taxonomy"]["categories"]["nodes"][0], "fullName": "Home & Kitchen > Drinkware > Mugs", "isLeaf": True}
    ]
    children = conn.client.graphql(
        "query { taxonomy { categories(first: 10, childrenOf: $of) { nodes { name } } } }",
        {"of": "gid://shopify/TaxonomyCategory/aa"},
    )
    assert [n["name"] for n in children["taxonomy"]["categories"]["nodes"]] == ["Women's clothing", "Men's clothing"]


def test_taxonomy_calls_are_authenticated(sandbox):
    """Unsigned or tokenless taxonomy calls are refused like the marketplaces' other calls."""
    lazada = requests.get(sandbox.url("lazada") + "/category/tree/get", timeout=5)
    assert lazada.json()["code"] == "MissingParameter"
    etsy = requests.get(sandbox.url("etsy") + "/v3/application/seller-taxonomy/nodes", timeout=5)
    assert etsy.status_code == 403
    amazon = requests.get(sandbox.url("amazon") + "/definitions/2020-09-01/productTypes", timeout=5)
    assert amazon.status_code == 403
    shopee = requests.get(sandbox.url("shopee") + "/api/v2/product/get_category", timeout=5)
    assert shopee.status_code == 400


def test_tiktok_us_shop_must_ask_for_category_version_v2(connect):
    conn = connect("tiktok")
    with pytest.raises(ConnectorError, match="v2"):
        conn._call("GET", "/product/202309/categories", query={"category_version": "v1"})


def test_shopee_attribute_tree_takes_1_to_20_ids(connect):
    client = connect("shopee").client
    with pytest.raises(ConnectorError, match="1 to 20"):
        client.call("GET", "/api/v2/product/get_attribute_tree", params={"category_id_list": ",".join(["100101"] * 21)})
    body = client.call("GET", "/api/v2/product/get_attribute_tree", params={"category_id_list": "100101,100104"})
    assert [entry["category_id"] for entry in body["response"]["list"]] == [100101, 100104]


def test_lazada_attributes_need_a_primary_category(connect):
    with pytest.raises(ConnectorError, match="primary_category_id"):
        connect("lazada").client.call("GET", "/category/attributes/get")


def test_tiktok_keyword_and_amazon_keywords_narrow_the_list(connect):
    tiktok = connect("tiktok")
    found = tiktok._call("GET", "/product/202309/categories", query={"category_version": "v2", "keyword": "mugs"})
    assert [c["local_name"] for c in found["categories"]] == ["Mugs"]
    amazon = connect("amazon")
    body = amazon._call("GET", "/definitions/2020-09-01/productTypes", params={"keywords": "lamps"})
    assert [p["name"] for p in body["productTypes"]] == ["LAMP"]


def test_amazon_definition_of_an_unknown_product_type_is_404(connect):
    with pytest.raises(ConnectorError) as caught:
        connect("amazon")._call("GET", "/definitions/2020-09-01/productTypes/NO_SUCH_TYPE")
    assert caught.value.http_status == 404


def test_shopify_reads_every_page_of_the_taxonomy(connect, monkeypatch, sandbox):
    conn = connect("shopify")
    monkeypatch.setattr(conn, "taxonomy_page_size", 2)
    nodes = conn.categories()
    assert len(nodes) == 13  # the roots in two pages, Clothing's five descendants in three
    assert sum(1 for n in nodes if n.path.startswith("Clothing > ")) == 5

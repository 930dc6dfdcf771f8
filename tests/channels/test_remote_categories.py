"""The marketplace's own category tree cached per channel: loading it over real HTTP to the sandbox, the mapping
editor's picker data and warnings, the read-only admin and the API (docs/channels.md#marketplace-categories)."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.services import category_create
from channels.models import CategoryMapping, RemoteCategory
from channels.services import remote_categories_load, remote_category_attributes
from common.errors import ApplicationError

pytestmark = pytest.mark.django_db

# marketplace -> (categories in its sandbox tree, a leaf, a parent)
TREES = {
    "shopify": (13, "gid://shopify/TaxonomyCategory/aa-1-1", "gid://shopify/TaxonomyCategory/aa-1"),
    "lazada": (13, "10001001", "10000101"),
    "shopee": (13, "100101", "100011"),
    "tiktok": (13, "601001", "600101"),
    "etsy": (13, "1001", "101"),
    "amazon": (6, "DRESS", None),
}


@pytest.mark.parametrize("code", sorted(TREES))
def test_load_caches_the_marketplace_tree(make_sandbox_channel, admin_user, code):
    count, leaf, parent = TREES[code]
    channel = make_sandbox_channel(code)
    assert remote_categories_load(channel=channel, user=admin_user) == count
    rows = {r.remote_id: r for r in RemoteCategory.objects.filter(channel=channel)}
    assert len(rows) == count
    assert rows[leaf].is_leaf
    assert rows[leaf].created_by == admin_user
    if parent:
        assert not rows[parent].is_leaf
        assert rows[leaf].parent_remote_id == parent
        assert rows[leaf].path == "Clothing > Women's clothing > Dresses"


def test_load_again_replaces_the_cached_tree(make_sandbox_channel):
    channel = make_sandbox_channel("lazada")
    RemoteCategory.objects.create(channel=channel, remote_id="stale", name="Gone", path="Gone")
    remote_categories_load(channel=channel)
    assert not RemoteCategory.objects.filter(channel=channel, remote_id="stale").exists()
    assert RemoteCategory.objects.filter(channel=channel).count() == 13


def test_one_remote_id_per_channel(make_sandbox_channel):
    channel = make_sandbox_channel("lazada")
    RemoteCategory.objects.create(channel=channel, remote_id="1", name="A", path="A")
    with pytest.raises(ValidationError, match="already cached"):
        RemoteCategory(channel=channel, remote_id="1", name="B", path="B").full_clean()


def test_a_refused_call_is_a_message_and_keeps_the_cache(make_sandbox_channel, sandbox):
    channel = make_sandbox_channel("shopee")
    remote_categories_load(channel=channel)
    credentials = {**sandbox.account("shopee")["credentials"], "partner_key": "wrong"}
    broken = make_sandbox_channel("shopee", credentials=credentials)
    RemoteCategory.objects.create(channel=broken, remote_id="kept", name="Kept", path="Kept")
    with pytest.raises(ApplicationError, match="did not send its categories"):
        remote_categories_load(channel=broken)
    assert RemoteCategory.objects.filter(channel=broken).count() == 1


def test_attributes_of_a_cached_leaf(make_sandbox_channel):
    channel = make_sandbox_channel("tiktok")
    remote_categories_load(channel=channel)
    attributes = {a.label: a for a in remote_category_attributes(channel=channel, remote_id="601001")}
    assert attributes["Size"].mandatory
    assert attributes["Size"].options == ("XS", "S", "M", "L", "XL")
    with pytest.raises(ApplicationError, match="not a leaf"):
        remote_category_attributes(channel=channel, remote_id="600101")


def _message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_load_button_then_picker_data_on_the_channel_page(staff_client, make_sandbox_channel):
    channel = make_sandbox_channel("etsy")
    category_create(name="Dresses")
    page = staff_client.get(reverse("channels:channel_detail", args=[channel.pk])).content.decode()
    assert "Load marketplace categories" in page
    assert 'id="remote-categories"' not in page
    response = staff_client.post(reverse("channels:remote_categories_load", args=[channel.pk]))
    assert response.status_code == 302
    assert f"Loaded 13 marketplace categories from {channel.name}." in _message_texts(response)
    page = staff_client.get(reverse("channels:channel_detail", args=[channel.pk])).content.decode()
    assert 'id="remote-categories"' in page  # the json_script block the picker reads
    assert "js/remote_category_picker.js" in page
    assert "data-remote-picker=" in page
    assert "13 marketplace categories loaded" in page


def test_load_button_on_a_refusing_marketplace_says_why(staff_client, make_sandbox_channel, sandbox):
    credentials = {**sandbox.account("etsy")["credentials"], "api_key": "wrong"}
    channel = make_sandbox_channel("etsy", credentials=credentials)
    response = staff_client.post(reverse("channels:remote_categories_load", args=[channel.pk]), follow=True)
    assert response.status_code == 200
    assert "Marketplace categories not loaded" in response.content.decode()


def test_saving_an_id_outside_the_loaded_tree_warns(staff_client, make_sandbox_channel):
    channel = make_sandbox_channel("lazada")
    remote_categories_load(channel=channel)
    dresses, tops, mugs = (category_create(name=n) for n in ("Dresses", "Tops", "Mugs"))
    response = staff_client.post(
        reverse("channels:mapping_save", args=[channel.pk]),
        {f"ext_{dresses.pk}": "10001001", f"ext_{tops.pk}": "555", f"ext_{mugs.pk}": "10000101"},
    )
    texts = _message_texts(response)
    unknown = f"Check the mapping: '555' is not in {channel.name}'s loaded marketplace categories."
    assert f"{unknown} It was saved as typed." in texts
    assert any("'10000101' is a parent category" in t for t in texts)
    assert not any("10001001" in t for t in texts)
    assert CategoryMapping.objects.get(channel=channel, category=tops).external_category_id == "555"


def test_no_warning_before_a_tree_is_loaded(staff_client, make_sandbox_channel):
    channel = make_sandbox_channel("lazada")
    dresses = category_create(name="Dresses")
    response = staff_client.post(reverse("channels:mapping_save", args=[channel.pk]), {f"ext_{dresses.pk}": "555"})
    assert not any("Check the mapping" in t for t in _message_texts(response))


def test_admin_lists_remote_categories_read_only(staff_client, make_sandbox_channel):
    channel = make_sandbox_channel("shopee")
    remote_categories_load(channel=channel)
    page = staff_client.get(reverse("admin:channels_remotecategory_changelist") + "?q=dresses")
    assert page.status_code == 200
    assert "Clothing &gt; Women&#x27;s clothing &gt; Dresses" in page.content.decode()
    assert staff_client.get(reverse("admin:channels_remotecategory_add")).status_code == 403


def test_api_lists_filters_and_validates(api, make_sandbox_channel):
    channel = make_sandbox_channel("shopee")
    remote_categories_load(channel=channel)
    url = f"/api/v1/channels/{channel.pk}/remote-categories/"
    body = api.get(url).json()
    assert body["count"] == 13
    leaves = api.get(url, {"leaf": "true", "search": "women"}).json()["results"]
    assert [r["remote_id"] for r in leaves] == ["100101", "100102"]
    roots = api.get(url, {"parent": ""}).json()["results"]
    assert [r["name"] for r in roots] == ["Bags", "Clothing", "Home & Kitchen"]
    children = api.get(url, {"parent": "100001"}).json()["results"]
    assert [r["name"] for r in children] == ["Men's clothing", "Women's clothing"]
    bad = api.get(url, {"leaf": "maybe"})
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["leaf"]


def test_api_schema_documents_the_endpoint(api):
    schema = api.get("/api/schema/", {"format": "json"})
    paths = schema.json()["paths"] if schema.status_code == 200 else {}
    operation = paths["/api/v1/channels/{id}/remote-categories/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"search", "leaf", "parent"}


def test_attributes_fragment_marks_the_mandatory_fields(staff_client, make_sandbox_channel):
    channel = make_sandbox_channel("etsy")
    remote_categories_load(channel=channel)
    url = reverse("channels:remote_category_attributes", args=[channel.pk])
    html = staff_client.get(url, {"id": "1004"}).content.decode()  # Mugs
    assert "Capacity (ml) <abbr" in html
    assert "<option>Stoneware</option>" in html
    assert "Material\n  <select disabled>" in html  # optional: no marker
    parent = staff_client.get(url, {"id": "101"})
    assert parent.status_code == 400
    assert "not a leaf" in parent.content.decode()
    missing = staff_client.get(url)
    assert missing.status_code == 400
    assert "Pick a leaf category first." in missing.content.decode()

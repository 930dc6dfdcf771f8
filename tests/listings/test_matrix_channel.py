"""The listing matrix one channel at a time (docs/pages.md#listing-matrix): the "Channel shown" switcher's
`?show=`, its default, refusals said in a message, and a query count that grows with neither products nor
channels."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import EDITOR
from accounts.services import user_channels_restrict
from channels.models import Channel

pytestmark = pytest.mark.django_db

URL = reverse("listings:listing_matrix")


@pytest.fixture
def shops(make_channel, make_listing, make_listable_product):
    """Three channels (the first by name inactive), two products listed on each."""
    names = {"amazon": "A inactive", "etsy": "B Etsy", "shopify": "C Shopify"}
    channels = {code: make_channel(code, name=name) for code, name in names.items()}
    Channel.objects.filter(pk=channels["amazon"].pk).update(is_active=False)
    products = [make_listable_product() for _ in range(2)]
    listings = {(p.pk, code): make_listing(product=p, channel=c) for p in products for code, c in channels.items()}
    return {"channels": channels, "products": products, "listings": listings}


def _columns(html: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert head is not None
    return re.findall(r'<th scope="col">(?:<a [^>]*>)?([^<]*)', head.group(1))


def test_by_default_one_channel_is_shown_the_first_active_one(editor_client, shops):
    response = editor_client.get(URL)
    html = response.content.decode()
    assert _columns(html) == ["Product", "B Etsy"]
    assert response.context["shown"] == str(shops["channels"]["etsy"].pk)
    etsy = [shops["listings"][(p.pk, "etsy")].pk for p in shops["products"]]
    shown = sorted(cell.pk for row in response.context["rows"] for cell in row["cells"])
    assert shown == sorted(etsy)
    # the switcher offers every channel and "All channels", the shown one selected
    switcher = re.search(r'<select name="show" id="id_show">(.*?)</select>', html, re.S)
    assert switcher is not None
    assert re.findall(r"<option [^>]*>([^<]*)</option>", switcher.group(1)) == [
        "A inactive (inactive)",
        "B Etsy",
        "C Shopify",
        "All channels",
    ]
    assert f'<option value="{shops["channels"]["etsy"].pk}" selected>' in switcher.group(1)


def test_the_switcher_shows_the_chosen_channel_or_all(editor_client, shops):
    shopify = shops["channels"]["shopify"]
    assert _columns(editor_client.get(URL, {"show": shopify.pk}).content.decode()) == ["Product", "C Shopify"]
    everything = editor_client.get(URL, {"show": "all"}).content.decode()
    assert _columns(everything) == ["Product", "A inactive", "B Etsy", "C Shopify"]


def test_the_listed_on_filter_chooses_the_default_column(editor_client, shops):
    shopify = shops["channels"]["shopify"]
    html = editor_client.get(URL, {"channel": shopify.pk}).content.decode()
    assert _columns(html) == ["Product", "C Shopify"]


def test_the_filters_and_pages_keep_the_shown_channel(editor_client, shops):
    shopify = shops["channels"]["shopify"]
    html = editor_client.get(URL, {"show": shopify.pk, "q": "x"}).content.decode()
    assert f'<input type="hidden" name="show" value="{shopify.pk}">' in html  # in the filter form
    assert '<input type="hidden" name="q" value="x">' in html  # in the switcher


@pytest.mark.parametrize("show", ["999999", "abc", "-1"])
def test_an_unknown_channel_is_said_and_the_default_shown(editor_client, shops, show):
    response = editor_client.get(URL, {"show": show})
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "That channel is not one you can see; showing the default one."
    ]
    assert _columns(response.content.decode()) == ["Product", "B Etsy"]


def test_a_channel_the_user_may_not_see_is_refused(make_user, shops):
    user = make_user("limited", EDITOR)
    user_channels_restrict(target=user, channel_ids=[shops["channels"]["shopify"].pk])
    client = Client()
    client.force_login(user)
    response = client.get(URL, {"show": shops["channels"]["etsy"].pk})
    assert [str(m) for m in response.context["messages"]] == [
        "That channel is not one you can see; showing the default one."
    ]
    html = response.content.decode()
    assert _columns(html) == ["Product", "C Shopify"]
    assert "B Etsy" not in html
    assert _columns(client.get(URL, {"show": "all"}).content.decode()) == ["Product", "C Shopify"]


def test_no_channel_yet_shows_products_and_no_column(editor_client, make_listable_product):
    make_listable_product()
    response = editor_client.get(URL)
    assert response.status_code == 200
    assert _columns(response.content.decode()) == ["Product"]


@pytest.mark.parametrize("show", ["one", "all"])
def test_the_query_count_grows_with_neither_products_nor_channels(
    editor_client, shops, make_channel, make_listing, make_listable_product, show
):
    etsy = shops["channels"]["etsy"]
    params = {"show": etsy.pk if show == "one" else "all"}
    editor_client.get(URL, params)
    with CaptureQueriesContext(connection) as small:
        editor_client.get(URL, params)
    for code in ("lazada", "shopee"):
        channel = make_channel(code, name=f"D {code}")
        for _ in range(3):
            make_listing(product=make_listable_product(), channel=channel)
            make_listing(product=make_listable_product(), channel=etsy)
    with CaptureQueriesContext(connection) as large:
        response = editor_client.get(URL, params)
    assert len(response.context["rows"]) == 14
    assert len(large) == len(small)

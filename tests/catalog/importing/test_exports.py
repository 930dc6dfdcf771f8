"""Exports: products keep the list page's filter and sort order; listings per channel, filtered and sorted like
the listing list, as CSV and XLSX, with formula prefixes neutralised."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group

from accounts.models import UserProfile
from catalog.importing.workbooks import LISTING_COLUMNS
from catalog.services import product_create, variant_create
from listings.services import listing_create, listing_sync_state_set

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _xlsx(response) -> list[list]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["B-2", "B-2-S", "C-3", "A-1"]),
        ("-price", ["C-3", "A-1", "B-2", "B-2-S"]),
        ("", ["C-3", "B-2", "B-2-S", "A-1"]),
    ],
    ids=["title_case", "price_desc_case", "default_newest_first_case"],
)
def test_product_export_keeps_the_list_sort_order(staff_client, sort, expected):
    # given three products whose id, title and price orders all differ, one with a variant
    product_create(sku="A-1", title="Zebra", price=Decimal("5.00"))
    banana = product_create(sku="B-2", title="Apple", price=Decimal("1.00"))
    variant_create(product=banana, sku="B-2-S", options={"Size": "S"})
    product_create(sku="C-3", title="Mango", price=Decimal("9.00"))

    # when exported with the list page's sort parameter, in both formats
    csv_rows = _csv(staff_client.get("/imports/export/", {"format": "csv", "sort": sort}))
    xlsx_rows = _xlsx(staff_client.get("/imports/export/", {"format": "xlsx", "sort": sort}))

    # then the rows follow that order, each product followed by its variants
    assert [r[0] for r in csv_rows[1:]] == expected
    assert [r[0] for r in xlsx_rows[1:]] == expected


def test_product_export_sort_order_holds_across_chunks(staff_client, monkeypatch):
    monkeypatch.setattr("catalog.importing.workbooks.EXPORT_CHUNK", 2)
    for n, title in enumerate(["d", "b", "e", "a", "c"]):
        product_create(sku=f"S-{n}", title=title, price=Decimal("1.00"))
    rows = _csv(staff_client.get("/imports/export/", {"format": "csv", "sort": "title"}))
    assert [r[1] for r in rows[1:]] == ["a", "b", "c", "d", "e"]


def test_export_with_a_bad_filter_is_400_and_says_which(staff_client):
    response = staff_client.get("/imports/export/", {"format": "csv", "sort": "nonsense"})
    assert response.status_code == 400
    assert response.content.decode().startswith("Invalid filter: sort:")
    assert staff_client.get("/imports/export/listings/", {"channel": "x"}).status_code == 400


@pytest.fixture
def listed(make_channel):
    """Two channels; three listings on the first (one with formula-like overrides), one on the second."""
    shop, lazada = make_channel("shopify", name="Shop US"), make_channel("lazada", name="Lazada MY")
    apple = product_create(sku="AP-1", title="Apple", price=Decimal("2.00"))
    pear = product_create(sku="PE-1", title="=HYPERLINK(1)", price=Decimal("3.00"))
    plum = product_create(sku="PL-1", title="Plum", price=Decimal("4.00"))
    variant = variant_create(product=plum, sku="PL-1-S", options={"Size": "S"})
    first = listing_create(product=apple, channel=shop, title="+Apple deal", price=Decimal("1.50"))
    second = listing_create(product=pear, channel=shop)
    third = listing_create(product=plum, channel=shop, variant=variant, quantity=7)
    other = listing_create(product=apple, channel=lazada)
    listing_sync_state_set(listing=second, last_error_message="@bad gateway")
    return {"shop": shop, "lazada": lazada, "listings": [first, second, third, other]}


def test_listing_export_of_one_channel_as_csv_is_filtered_sorted_and_neutralised(staff_client, listed):
    # when the first channel's listings are exported, oldest first
    response = staff_client.get(
        "/imports/export/listings/", {"format": "csv", "channel": listed["shop"].pk, "sort": "id"}
    )
    rows = _csv(response)

    # then the header, then exactly its three listings in id order; overrides blank where inherited
    assert 'filename="listings-shop-us-' in response["Content-Disposition"]
    assert rows[0] == LISTING_COLUMNS
    first, second, third = (listing.pk for listing in listed["listings"][:3])
    by_column = [dict(zip(LISTING_COLUMNS, r, strict=True)) for r in rows[1:]]
    assert [r["id"] for r in by_column] == [str(first), str(second), str(third)]
    assert {r["channel"] for r in by_column} == {"Shop US"}
    assert (by_column[0]["title"], by_column[0]["price"], by_column[0]["quantity"]) == ("'+Apple deal", "1.50", "")
    assert (by_column[1]["product_title"], by_column[1]["last_error"]) == ("'=HYPERLINK(1)", "'@bad gateway")
    assert (by_column[2]["product_sku"], by_column[2]["variant_sku"], by_column[2]["quantity"]) == (
        "PL-1",
        "PL-1-S",
        "7",
    )
    assert by_column[2]["status"] == "draft"


def test_listing_export_as_xlsx_follows_the_list_filters(staff_client, listed):
    # when exported newest first with the error filter of the list page
    rows = _xlsx(staff_client.get("/imports/export/listings/", {"format": "xlsx", "has_error": "true"}))

    # then only the listing with an error, its formula-like cells as text
    assert rows[0] == LISTING_COLUMNS
    assert len(rows) == 2
    record = dict(zip(LISTING_COLUMNS, rows[1], strict=True))
    assert (record["id"], record["product_title"], record["last_error"]) == (
        listed["listings"][1].pk,
        "'=HYPERLINK(1)",
        "'@bad gateway",
    )

    # and without filters every listing comes, newest first (the list page's default)
    everything = _xlsx(staff_client.get("/imports/export/listings/", {"format": "xlsx"}))
    assert [r[0] for r in everything[1:]] == [x.pk for x in reversed(listed["listings"])]


def test_listing_export_gives_a_channel_limited_user_only_their_channels(client, django_user_model, listed):
    # given an editor limited to the second channel
    user = django_user_model.objects.create_user("limited", password="x")
    user.groups.add(Group.objects.get(name="editor"))
    UserProfile.objects.update_or_create(user=user, defaults={"allowed_channel_ids": [listed["lazada"].pk]})
    client.force_login(user)

    # when they export every listing
    rows = _csv(client.get("/imports/export/listings/", {"format": "csv"}))

    # then only the second channel's listing is in the file
    assert [r[1] for r in rows[1:]] == ["Lazada MY"]
    # and asking for the other channel is refused like on the list page
    response = client.get("/imports/export/listings/", {"format": "csv", "channel": listed["shop"].pk})
    assert response.status_code == 400
    assert "channel: Select a valid choice" in response.content.decode()


def test_list_pages_link_to_the_export_with_their_query(staff_client, listed):
    products = staff_client.get("/catalog/products/", {"sort": "title", "status": "draft"}).content.decode()
    assert 'href="/imports/export/?sort=title&amp;status=draft&amp;format=csv"' in products
    listings = staff_client.get("/listings/", {"channel": listed["shop"].pk}).content.decode()
    assert f'href="/imports/export/listings/?channel={listed["shop"].pk}&amp;format=xlsx"' in listings
    channel = staff_client.get(f"/channels/{listed['shop'].pk}/").content.decode()
    assert f'href="/imports/export/listings/?channel={listed["shop"].pk}&amp;format=csv"' in channel

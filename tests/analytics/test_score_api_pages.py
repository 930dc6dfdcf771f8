"""The listing score from the outside: GET /api/v1/listings/{id}/score/, the listings API and page filters and sort
by score, the breakdown on the listing page, the read-only admin (docs/analytics.md#listing-score)."""

from decimal import Decimal

import pytest

from accounts.roles import VIEWER
from accounts.services import user_channels_restrict
from analytics.models import ListingScore, ListingScoreLatest
from analytics.services.scores import scores_recompute

pytestmark = pytest.mark.django_db


def url(pk):
    return f"/api/v1/listings/{pk}/score/"


def test_score_api_computes_on_demand_and_shows_every_hit(viewer_api, make_listing):
    listing = make_listing()
    assert not ListingScore.objects.exists()

    response = viewer_api.get(url(listing.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["listing"] == listing.pk
    assert set(body) >= {
        "total_score",
        "seo_score",
        "content_score",
        "image_score",
        "competitive_score",
        "compliance_score",
        "hits",
        "score_breakdown",
        "scoring_version",
        "gate",
    }
    assert 0 <= Decimal(body["total_score"]) <= 100
    assert body["competitive_score"] is None  # no competitor data, no rating
    rules = {hit["rule"] for hit in body["hits"]}
    assert {"title_length", "bullet_count", "image_count", "price_vs_buy_box", "readiness_warnings"} <= rules
    title = next(h for h in body["hits"] if h["rule"] == "title_length")
    assert title["sub_score"] == "seo"
    assert title["weight"] == 30
    assert ListingScore.objects.count() == 1
    # a second call reads the stored score
    assert viewer_api.get(url(listing.pk)).json()["time"] == body["time"]


def test_score_api_404_for_an_unknown_listing(viewer_api, db):
    response = viewer_api.get(url(999999))
    assert response.status_code == 404


def test_score_api_404_for_a_listing_of_a_channel_the_user_may_not_see(
    make_user, token_client_for, make_listing, make_channel
):
    allowed, other = make_channel("shopify"), make_channel("etsy")
    listing = make_listing(channel=other)
    viewer = make_user("limited-score-viewer", VIEWER)
    user_channels_restrict(target=viewer, channel_ids=[allowed.pk])
    client = token_client_for(type(viewer).objects.get(pk=viewer.pk))
    assert client.get(url(listing.pk)).status_code == 404


def test_score_api_names_the_setting_when_the_weights_are_wrong(viewer_api, make_listing, raw_runtime_setting):
    listing = make_listing()
    weights = {"seo": 0.3, "content": 0.3, "images": 0.3, "competitive": 0.3, "compliance": 0.3}
    raw_runtime_setting("scoring.weights", weights)
    response = viewer_api.get(url(listing.pk))
    assert 400 <= response.status_code < 500
    assert "scoring.weights" in response.content.decode()
    assert "sum to 1.5" in response.content.decode()


def test_score_api_in_the_openapi_schema(viewer_api):
    schema = viewer_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/listings/{id}/score/"]["get"]
    assert operation["operationId"] == "listings_score_retrieve"
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert {"total_score", "hits", "scoring_version", "compliance_score"} <= set(fields)


@pytest.fixture
def scored(make_listing, make_channel):
    """Three listings on one channel with stored totals 20, 55 and 90, and one not scored yet."""
    channel = make_channel("shopify")
    listings = [make_listing(channel=channel) for _ in range(4)]
    scores_recompute([listing.pk for listing in listings[:3]])
    for listing, total in zip(listings[:3], ("20", "55", "90"), strict=True):
        ListingScoreLatest.objects.filter(listing=listing).update(total_score=Decimal(total))
    return listings


def test_listings_api_filters_by_score(viewer_api, scored):
    ids = viewer_api.get("/api/v1/listings/", {"score_min": 50}).json()["results"]
    assert {row["id"] for row in ids} == {scored[1].pk, scored[2].pk}
    assert {row["score"] for row in ids} == {"55.00", "90.00"}
    ids = viewer_api.get("/api/v1/listings/", {"score_min": 10, "score_max": 60}).json()["results"]
    assert {row["id"] for row in ids} == {scored[0].pk, scored[1].pk}
    ordered = viewer_api.get("/api/v1/listings/", {"sort": "-score"}).json()["results"]
    assert [row["id"] for row in ordered] == [scored[2].pk, scored[1].pk, scored[0].pk, scored[3].pk]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"score_min": 60, "score_max": 40}, "score_min", "above the maximum"),
        ({"score_max": 101}, "score_max", "less than or equal to 100"),
        ({"score_min": "high"}, "score_min", "Enter a number"),
    ],
)
def test_listings_api_refuses_a_bad_score_range(viewer_api, scored, params, field, message):
    response = viewer_api.get("/api/v1/listings/", params)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == field
    assert message in error["message"]


def test_listing_list_page_shows_filters_and_sorts_by_score(staff_client, scored):
    page = staff_client.get("/listings/", {"score_min": 50, "sort": "score"}).content.decode()
    assert 'name="score_min"' in page
    rows = page.split('id="listing-table"')[1]
    assert f"/listings/{scored[1].pk}/#listing-score" in rows
    assert f"/listings/{scored[0].pk}/" not in rows
    assert rows.index(f"/listings/{scored[1].pk}/#") < rows.index(f"/listings/{scored[2].pk}/#")


def test_listing_list_page_shows_a_bad_range_as_a_form_error(staff_client, scored):
    page = staff_client.get("/listings/", {"score_min": 70, "score_max": 10}).content.decode()
    assert "The minimum score 70 is above the maximum 10." in page


def test_listing_page_shows_the_breakdown_with_fix_links(staff_client, make_listing):
    listing = make_listing(map_category=False, bullet_points=["Short."])
    page = staff_client.get(f"/listings/{listing.pk}/").content.decode()
    section = page.split('id="listing-score"')[1].split("</section>")[0]
    assert 'id="score-breakdown"' in section
    assert 'id="score-gate"' in section  # category not mapped: blocking
    assert "bullet_count" in section
    assert f"/catalog/products/{listing.product_id}/edit/#id_bullet_points" in section
    assert f"/channels/{listing.channel_id}/#mappings" in section
    assert 'class="fix-link"' in section


def test_admin_shows_scores_read_only(staff_client, make_listing):
    listing = make_listing()
    scores_recompute([listing.pk])
    score = ListingScore.objects.get()
    assert staff_client.get("/admin/analytics/listingscore/").status_code == 200
    assert staff_client.get(f"/admin/analytics/listingscore/{score.pk}/change/").status_code == 200
    assert staff_client.get("/admin/analytics/listingscore/add/").status_code == 403
    assert staff_client.get("/admin/analytics/listingscorelatest/").status_code == 200

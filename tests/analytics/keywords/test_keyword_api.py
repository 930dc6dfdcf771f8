"""`/api/v1/keywords/?listing=`: list with filters, create (case duplicates answer with the one row), update,
delete; bad input answers 400 naming the field, nothing stored; the path is in the OpenAPI schema."""

import pytest

from analytics.models import Keyword
from analytics.services import keywords as services

pytestmark = pytest.mark.django_db
URL = "/api/v1/keywords/"


def error_fields(response):
    return {e["field"] for e in response.json()["errors"]}


def test_create_list_update_delete(api, kettle):
    created = api.post(URL, {"listing": kettle.pk, "keyword": " Electric  Kettle ", "is_primary": True}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["keyword"], body["keyword_normalized"], body["source"], body["is_tracked"]) == (
        "Electric Kettle", "electric kettle", "manual", True
    )  # fmt: skip
    assert body["search_frequency_rank"] is None

    listed = api.get(URL, {"listing": kettle.pk}).json()["results"]
    assert [r["id"] for r in listed] == [body["id"]]

    changed = api.patch(f"{URL}{body['id']}/", {"search_volume": 1200, "is_primary": False}, format="json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["search_volume"], changed.json()["is_primary"]) == (1200, False)

    assert api.delete(f"{URL}{body['id']}/").status_code == 204
    assert not Keyword.objects.exists()


def test_a_case_duplicate_answers_200_with_the_same_row(api, kettle):
    first = api.post(URL, {"listing": kettle.pk, "keyword": "Tea Kettle"}, format="json")
    again = api.post(URL, {"listing": kettle.pk, "keyword": "TEA kettle", "search_volume": 80}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["keyword"] == "Tea Kettle"
    assert Keyword.objects.get().search_volume == 80


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"keyword": "!!!"}, "keyword", id="only_punctuation_case"),
        pytest.param({"keyword": ""}, "keyword", id="empty_case"),
        pytest.param({"keyword": 5}, "keyword", id="not_a_string_case"),
        pytest.param({"listing": 999999}, "listing", id="unknown_listing_case"),
        pytest.param({"source": "google"}, "source", id="unknown_source_case"),
        pytest.param({"search_volume": -5}, "search_volume", id="negative_volume_case"),
        pytest.param({"relevance_score": "120.00"}, "relevance_score", id="relevance_over_100_case"),
        pytest.param({"is_primary": True, "is_tracked": False}, "is_tracked", id="primary_untracked_case"),
    ],
)
def test_bad_input_is_refused_naming_the_field(api, kettle, data, field):
    response = api.post(URL, {"listing": kettle.pk, "keyword": "kettle", **data}, format="json")
    assert response.status_code == 400, response.content
    assert field in error_fields(response)
    assert not Keyword.objects.exists()


def test_only_punctuation_message_is_readable(api, kettle):
    response = api.post(URL, {"listing": kettle.pk, "keyword": "?!"}, format="json")
    assert "at least one letter or digit" in str(response.json())


def test_renaming_onto_another_keyword_is_400_on_keyword(api, kettle):
    services.keyword_add(listing=kettle, keyword="kettle")
    tea = services.keyword_add(listing=kettle, keyword="tea kettle")
    response = api.patch(f"{URL}{tea.pk}/", {"keyword": "Kettle"}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"keyword"}
    tea.refresh_from_db()
    assert tea.keyword_normalized == "tea kettle"


def test_filters(api, kettle, make_listing, amazon):
    other = make_listing(channel=amazon)
    services.keyword_add(listing=kettle, keyword="kettle", is_primary=True)
    services.keyword_add(listing=kettle, keyword="boiler", is_tracked=False, source="suggested")
    services.keyword_add(listing=other, keyword="kettle")

    def names(**params):
        return sorted(r["keyword"] for r in api.get(URL, params).json()["results"])

    assert names(listing=kettle.pk) == ["boiler", "kettle"]
    assert names(listing=kettle.pk, is_tracked="false") == ["boiler"]
    assert names(listing=kettle.pk, is_primary="true") == ["kettle"]
    assert names(source="suggested") == ["boiler"]
    assert names() == ["boiler", "kettle", "kettle"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"listing": "abc"}, "listing", id="listing_not_a_number_case"),
        pytest.param({"is_tracked": "maybe"}, "is_tracked", id="not_a_boolean_case"),
        pytest.param({"source": "google"}, "source", id="unknown_source_case"),
    ],
)
def test_bad_filters_are_400_naming_the_filter(api, kettle, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert error_fields(response) == {field}


def test_list_uses_few_queries(api, kettle, django_assert_max_num_queries):
    for n in range(15):
        services.keyword_add(listing=kettle, keyword=f"kettle {n}")
    with django_assert_max_num_queries(10):
        assert api.get(URL, {"listing": kettle.pk}).status_code == 200


def test_the_schema_documents_the_path_and_the_rank(api):
    schema = api.get("/api/schema/?format=json").json()
    assert {"/api/v1/keywords/", "/api/v1/keywords/{id}/"} <= set(schema["paths"])
    keyword = schema["components"]["schemas"]["Keyword"]["properties"]
    assert "not a search volume" in keyword["search_frequency_rank"]["description"]
    assert {"listing", "source", "is_tracked", "is_primary"} <= {
        p["name"] for p in schema["paths"]["/api/v1/keywords/"]["get"]["parameters"]
    }


def test_a_viewer_reads_but_cannot_write(viewer_api, kettle):
    services.keyword_add(listing=kettle, keyword="kettle")
    assert viewer_api.get(URL).status_code == 200
    assert viewer_api.post(URL, {"listing": kettle.pk, "keyword": "tea"}, format="json").status_code == 403
    assert Keyword.objects.count() == 1

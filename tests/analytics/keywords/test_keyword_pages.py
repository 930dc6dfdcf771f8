"""The keywords tab (/analytics/listings/<id>/keywords/): the table with the rank note, coverage ticks,
suggestions with "add", the add form (a form error for bad input, never a traceback), per-keyword actions."""

import pytest

from accounts.roles import VIEWER
from analytics.keyword_rows import SearchTermRow
from analytics.models import Keyword
from analytics.services import keywords as services

from .conftest import KETTLE_ASIN

pytestmark = pytest.mark.django_db


def url(listing, action=""):
    return f"/analytics/listings/{listing.pk}/keywords/{action}"


def test_tab_shows_keywords_rank_note_coverage_and_suggestions(
    staff_client, kettle, make_rival, django_assert_max_num_queries
):
    services.keyword_add(listing=kettle, keyword="Electric Kettle", is_primary=True, search_volume=20000)
    services.keywords_import_search_terms(kettle.channel, [SearchTermRow("electric kettle", 1520, KETTLE_ASIN)])
    make_rival(kettle, "Glass Electric Kettle with Temperature Control")

    with django_assert_max_num_queries(25):
        response = staff_client.get(url(kettle))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Search Frequency Rank is a rank, not a volume" in page
    assert "#1,520" in page  # the rank, shown as a rank
    assert "20,000" in page  # the volume, a count
    assert 'data-coverage="electric kettle"' in page
    row = page.split('data-coverage="electric kettle"', 1)[1].split("</tr>", 1)[0]
    assert 'data-field="title"><span class="ok"' in row
    assert 'data-field="search_terms"><span class="issue"' in row
    assert 'data-suggestion="temperature control"' in page
    assert "in 1 of 1 competitors&#x27; titles" in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>")[0]


def test_listing_page_links_to_the_tab(staff_client, kettle):
    page = staff_client.get(f"/listings/{kettle.pk}/").content.decode()
    assert f'href="/analytics/listings/{kettle.pk}/keywords/"' in page


def test_add_form_adds_and_merges_case_duplicates(staff_client, kettle):
    response = staff_client.post(url(kettle, "add/"), {"keyword": "Tea Kettle", "source": "manual"}, follow=True)
    assert "Added: Tea Kettle." in response.content.decode()
    response = staff_client.post(url(kettle, "add/"), {"keyword": "TEA KETTLE", "source": "manual"}, follow=True)
    assert "Already there, updated: Tea Kettle." in response.content.decode()
    assert Keyword.objects.count() == 1


def test_add_form_refuses_only_punctuation_on_the_field(staff_client, kettle):
    response = staff_client.post(url(kettle, "add/"), {"keyword": "?!?", "source": "manual"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_keyword_errors"' in page
    assert "A keyword needs at least one letter or digit" in page
    assert not Keyword.objects.exists()


def test_suggestion_add_button_keeps_the_competitor_source(staff_client, kettle):
    staff_client.post(url(kettle, "add/"), {"keyword": "temperature control", "source": "competitor"})
    assert Keyword.objects.get().source == "competitor"


def test_extract_and_actions(staff_client, kettle):
    response = staff_client.post(url(kettle, "extract/"), follow=True)
    assert f"{services.EXTRACT_LIMIT} keywords taken from the content." in response.content.decode()
    row = Keyword.objects.get(keyword_normalized="electric kettle")
    assert row.is_tracked is False

    staff_client.post(f"/analytics/keywords/{row.pk}/action/", {"action": "primary"})
    row.refresh_from_db()
    assert (row.is_primary, row.is_tracked) == (True, True)
    staff_client.post(f"/analytics/keywords/{row.pk}/action/", {"action": "untrack"})
    row.refresh_from_db()
    assert (row.is_primary, row.is_tracked) == (False, False)
    response = staff_client.post(f"/analytics/keywords/{row.pk}/action/", {"action": "explode"}, follow=True)
    assert "Choose primary, unprimary, track, untrack or delete." in response.content.decode()
    staff_client.post(f"/analytics/keywords/{row.pk}/action/", {"action": "delete"})
    assert not Keyword.objects.filter(pk=row.pk).exists()


def test_a_viewer_sees_the_tab_without_forms_and_cannot_post(client, make_user, kettle):
    services.keyword_add(listing=kettle, keyword="kettle")
    client.force_login(make_user("viewer-kw", VIEWER))
    page = client.get(url(kettle)).content.decode()
    assert "Add a keyword" not in page
    assert client.post(url(kettle, "add/"), {"keyword": "tea", "source": "manual"}).status_code == 403
    assert Keyword.objects.count() == 1


def test_unknown_listing_is_404(staff_client, db):
    assert staff_client.get("/analytics/listings/999999/keywords/").status_code == 404

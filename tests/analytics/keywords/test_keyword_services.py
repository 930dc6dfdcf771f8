"""The keyword services (analytics/services/keywords.py): add and merge, refusals, flags, extraction from the
listing's own content, coverage, suggestions from competitors' titles and the catalog, primary keywords."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from analytics.models import Keyword
from analytics.services import keywords as services
from catalog.services import product_update

pytestmark = pytest.mark.django_db


def test_add_stores_the_normalised_form_beside_the_spelling(kettle):
    row = services.keyword_add(listing=kettle, keyword="  Electric   KETTLE ")
    assert (row.keyword, row.keyword_normalized, row.source, row.is_tracked) == (
        "Electric KETTLE", "electric kettle", "manual", True
    )  # fmt: skip
    assert row.last_updated is not None


@pytest.mark.parametrize("typed", [pytest.param("!!!", id="bangs_case"), pytest.param(" -- / ", id="dashes_case")])
def test_a_keyword_of_only_punctuation_is_refused(kettle, typed):
    with pytest.raises(ValidationError) as refused:
        services.keyword_add(listing=kettle, keyword=typed)
    assert "at least one letter or digit" in refused.value.message_dict["keyword"][0]
    assert not Keyword.objects.exists()


def test_duplicates_differing_in_case_are_one_normalised_row(kettle):
    first, created = services.keyword_add_or_merge(listing=kettle, keyword="Electric Kettle")
    again, created_again = services.keyword_add_or_merge(
        listing=kettle, keyword="ELECTRIC  kettle", is_primary=True, source="competitor"
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Keyword.objects.count() == 1
    row = Keyword.objects.get()
    assert (row.keyword, row.source, row.is_primary, row.is_tracked) == ("Electric Kettle", "manual", True, True)


def test_the_same_keyword_on_two_listings_is_two_rows(kettle, make_listing, amazon):
    other = make_listing(channel=amazon)
    services.keyword_add(listing=kettle, keyword="kettle")
    services.keyword_add(listing=other, keyword="Kettle")
    assert Keyword.objects.count() == 2


def test_renaming_onto_another_keyword_is_refused_on_the_keyword(kettle):
    services.keyword_add(listing=kettle, keyword="kettle")
    tea = services.keyword_add(listing=kettle, keyword="tea kettle")
    with pytest.raises(ValidationError) as refused:
        services.keyword_update(row=tea, keyword="KETTLE")
    assert "already has the keyword 'kettle'" in refused.value.message_dict["keyword"][0]
    tea.refresh_from_db()
    assert tea.keyword_normalized == "tea kettle"


def test_primary_is_always_tracked(kettle):
    row = services.keyword_add(listing=kettle, keyword="kettle", is_tracked=False)
    row = services.keyword_primary_set(row=row, is_primary=True)
    assert (row.is_primary, row.is_tracked) == (True, True)
    row = services.keyword_tracked_set(row=row, is_tracked=False)
    assert (row.is_primary, row.is_tracked) == (False, False)
    with pytest.raises(ValidationError) as refused:
        services.keyword_update(row=row, is_primary=True, is_tracked=False)
    assert "is_tracked" in refused.value.message_dict


def test_unknown_fields_and_bad_figures_are_refused(kettle):
    from common.errors import ApplicationError

    with pytest.raises(ApplicationError, match="Unknown field"):
        services.keyword_add(listing=kettle, keyword="kettle", colour="red")
    with pytest.raises(ValidationError) as refused:
        services.keyword_add(listing=kettle, keyword="kettle", relevance_score=Decimal("120"))
    assert "relevance_score" in str(refused.value)
    assert not Keyword.objects.exists()


def test_extract_takes_phrases_from_title_bullets_and_search_terms(kettle):
    added = services.keywords_extract(listing=kettle)
    rows = {k.keyword_normalized: k for k in Keyword.objects.filter(listing=kettle)}
    assert len(added) == len(rows) == services.EXTRACT_LIMIT
    assert rows["electric kettle"].source == "title"
    assert rows["kettle"].source == "title"  # in the title and the search terms: the title wins
    assert rows["kettle"].relevance_score == Decimal("66.67")  # (3 title + 1 search terms) / 6
    assert not any(k.is_tracked for k in rows.values())  # candidates until someone tracks them
    assert "for" not in rows
    assert "and" not in rows


def test_extract_reads_bullets_and_backend_and_keeps_existing_rows(kettle):
    services.keyword_add(listing=kettle, keyword="Kettle", is_primary=True)
    services.keywords_extract(listing=kettle, limit=200)
    rows = {k.keyword_normalized: k for k in Keyword.objects.filter(listing=kettle)}
    assert rows["kettle"].source == "manual"
    assert rows["kettle"].is_primary
    assert rows["boil dry protection"].source == "bullets"  # a hyphen inside a word does not break the phrase
    assert rows["auto shut off"].source == "bullets"
    assert rows["boils water"].source == "bullets"
    assert rows["water boiler"].source == "backend"
    assert rows["water boiler"].relevance_score == Decimal("16.67")
    assert services.keywords_extract(listing=kettle, limit=200) == []  # a second run adds nothing


def test_coverage_ticks_title_bullets_and_search_terms(kettle):
    services.keyword_add(listing=kettle, keyword="Electric Kettle")
    services.keyword_add(listing=kettle, keyword="steel kettle")
    services.keyword_add(listing=kettle, keyword="boil water")
    services.keyword_add(listing=kettle, keyword="glass teapot")
    services.keyword_add(listing=kettle, keyword="untracked thing", is_tracked=False)
    rows = {c.keyword.keyword_normalized: c for c in services.keyword_coverage(listing=kettle)}
    assert set(rows) == {"electric kettle", "steel kettle", "boil water", "glass teapot"}
    assert (rows["electric kettle"].title, rows["electric kettle"].bullets, rows["electric kettle"].search_terms) == (
        "phrase", "", ""
    )  # fmt: skip
    assert rows["steel kettle"].search_terms == ""
    assert rows["steel kettle"].title == "words"
    # "boils water" is not "boil water"; "boil" of "boil-dry" (another bullet) and "water" make all the words
    assert (rows["boil water"].bullets, rows["boil water"].search_terms) == ("words", "")
    assert rows["glass teapot"].is_covered is False


def test_coverage_follows_the_listing_override(kettle):
    services.keyword_add(listing=kettle, keyword="glass teapot")
    from listings.services import listing_update

    listing_update(listing=kettle, search_terms="glass teapot")
    rows = services.keyword_coverage(listing=kettle)
    assert rows[0].search_terms == "phrase"


def test_a_phrase_does_not_run_from_one_bullet_into_the_next(kettle):
    services.keyword_add(listing=kettle, keyword="3000 w auto")
    assert services.keyword_coverage(listing=kettle)[0].bullets == "words"


def test_suggestions_come_from_competitors_titles(kettle, make_rival):
    make_rival(kettle, "Cordless Electric Kettle with Temperature Control, Glass")
    make_rival(kettle, "Glass Electric Kettle, Temperature Control, 1.7 L")
    make_rival(kettle, "Gooseneck Kettle for Pour Over Coffee")
    suggestions = {s.keyword: s for s in services.keyword_suggestions(listing=kettle, limit=50)}
    control = suggestions["temperature control"]
    assert (control.competitor_hits, control.competitor_total, control.score) == (2, 3, Decimal("40.00"))
    assert control.source == "competitor"
    assert control.evidence == "in 2 of 3 competitors' titles"
    assert "temperature" not in suggestions  # same evidence as "temperature control"
    assert "control" not in suggestions
    assert suggestions["glass"].competitor_hits == 2
    assert "electric kettle" not in suggestions  # already in our content
    assert "kettle" not in suggestions
    assert list(suggestions)[0] == "temperature control"  # best first; the longer phrase before a word


def test_suggestions_leave_out_keywords_the_listing_has(kettle, make_rival):
    make_rival(kettle, "Glass Kettle with Temperature Control")
    services.keyword_add(listing=kettle, keyword="Temperature Control")
    assert "temperature control" not in {s.keyword for s in services.keyword_suggestions(listing=kettle)}


def test_suggestions_from_related_products_of_the_catalog(kettle, make_listable_product):
    category = kettle.product.category
    for n in range(3):
        make_listable_product(category=category, title=f"Kettle model {n}", search_terms="descaler included")
    make_listable_product(category=category, title="Unrelated teapot", search_terms="descaler included")
    suggestions = {s.keyword: s for s in services.keyword_suggestions(listing=kettle)}
    descaler = suggestions["descaler included"]
    assert (descaler.catalog_hits, descaler.catalog_total, descaler.competitor_hits) == (3, 3, 0)
    assert descaler.source == "suggested"
    assert descaler.evidence == "in 3 of 3 related products"


def test_no_suggestion_without_competitors_or_related_products(kettle):
    assert services.keyword_suggestions(listing=kettle) == []


def test_primary_keywords_or_top_tracked_by_volume(kettle):
    services.keyword_add(listing=kettle, keyword="kettle", search_volume=100)
    services.keyword_add(listing=kettle, keyword="tea kettle", search_volume=5000)
    services.keyword_add(listing=kettle, keyword="hot water", search_volume=None)
    services.keyword_add(listing=kettle, keyword="boiler", search_volume=9000, is_tracked=False)
    services.keyword_add(listing=kettle, keyword="kettle 1.7", search_volume=10)
    assert [k.keyword for k in services.primary_keywords(kettle)] == ["tea kettle", "kettle", "kettle 1.7"]
    assert services.primary_keywords_bulk([kettle.pk]) == {kettle.pk: ["tea kettle", "kettle", "kettle 1.7"]}
    services.keyword_add(listing=kettle, keyword="Hot Water", is_primary=True)
    assert [k.keyword for k in services.primary_keywords(kettle)] == ["hot water"]
    assert services.primary_keywords_bulk([kettle.pk, 999]) == {kettle.pk: ["hot water"], 999: []}


def test_product_change_shows_in_coverage(kettle):
    services.keyword_add(listing=kettle, keyword="glass teapot")
    product_update(product=kettle.product, title="Glass Teapot Kettle")
    kettle.refresh_from_db()
    assert services.keyword_coverage(listing=kettle)[0].title == "phrase"


def test_the_volume_index_puts_unknown_volumes_last(db):
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'keyword_volume_idx'")
            assert "DESC NULLS LAST" in cursor.fetchone()[0]
        else:  # SQLite sorts NULL below every value: a plain DESC index already ends with them
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'keyword_volume_idx'")
            assert '"search_volume" DESC' in cursor.fetchone()[0]

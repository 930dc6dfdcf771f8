"""Amazon's content rules in readiness (docs/catalog.md#content): each issue names the rule and the fix."""

import pytest

from listings.content_rules import bullet_findings, search_terms_finding, title_caps_words, title_findings
from listings.readiness import listing_readiness
from listings.services import listing_update

pytestmark = pytest.mark.django_db


def _codes(title):
    return [code for code, _, _ in title_findings(title)]


@pytest.mark.parametrize(
    ("title", "codes"),
    [
        ("Stoneware mug 350 ml, blue", []),
        ("Stoneware mug! Great $ value?", ["title_prohibited_characters"]),
        ("Mug mug and mug for the kitchen", ["title_word_repeated"]),
        ("A mug of tea and a cup of tea for the table and the desk", []),  # articles/prepositions exempt
        ("Stoneware mug - free shipping", ["title_promotional"]),
        ("Best Seller stoneware mug 100% quality", ["title_promotional"]),
        ("Sale_mug {blue}", ["title_prohibited_characters"]),
    ],
    ids=["clean_case", "chars_case", "repeat_case", "exempt_words_case", "free_shipping_case", "promo_case",
         "underscore_braces_case"],
)  # fmt: skip
def test_title_rules(title, codes):
    assert _codes(title) == codes


def test_a_finding_names_what_to_fix():
    [(code, message, fix)] = list(title_findings("Great mug!"))
    assert code == "title_prohibited_characters"
    assert "!" in message
    assert fix.startswith("Remove !")


def test_capital_words_other_than_acronyms_are_listed():
    assert title_caps_words("USB LED lamp GREAT VALUE 4K XL") == ["GREAT", "VALUE"]


def test_bullets_and_search_terms_rules():
    found = [(code, blocking) for code, _, _, blocking in bullet_findings(["ok", "x" * 300, "y" * 501, *"abc"])]
    assert found == [("bullets_too_many", True), ("bullet_long", False), ("bullet_too_long", True)]
    assert search_terms_finding("é" * 125) is None
    code, message, _ = search_terms_finding("é" * 126)
    assert code == "search_terms_too_long"
    assert "252 bytes" in message


@pytest.fixture
def amazon(make_channel):
    return make_channel("amazon")


def test_amazon_listing_readiness_reports_content_issues(make_listing, make_listable_product, amazon):
    # given a product whose title breaks Amazon's rules and whose listing overrides search terms with too many bytes
    product = make_listable_product(title="GREAT mug mug mug - free shipping!", bullet_point_1="x" * 300)
    listing = make_listing(product=product, channel=amazon)
    listing.search_terms = "ß" * 126  # 252 bytes: written past the service to check readiness itself
    listing.save(update_fields=["search_terms"])
    # when readiness runs
    issues = {issue.code: issue for issue in listing_readiness(listing)}
    # then every rule is named with its field, severity and fix
    for code in ("title_prohibited_characters", "title_word_repeated", "title_promotional", "search_terms_too_long"):
        assert issues[code].is_blocking
        assert issues[code].fix
    assert issues["title_all_caps"].severity == "warning"
    assert issues["bullet_long"].field == "bullet_points"
    assert issues["search_terms_too_long"].as_dict()["fix"].startswith("Remove words")


def test_the_rules_do_not_apply_on_other_marketplaces(make_listing, make_listable_product):
    listing = make_listing(product=make_listable_product(title="GREAT mug mug mug!"))
    assert not {i.code for i in listing_readiness(listing)} & {"title_word_repeated", "title_all_caps"}


def test_a_clean_amazon_title_override_clears_the_title_issues(make_listing, make_listable_product, amazon):
    listing = make_listing(product=make_listable_product(title="Mug! mug mug"), channel=amazon)
    listing = listing_update(listing=listing, title="Stoneware mug 350 ml")
    assert not [i for i in listing_readiness(listing) if i.field == "title"]

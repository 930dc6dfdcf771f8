"""The listing score's rules (analytics/scoring.py, docs/analytics.md#listing-score): each rule, the compliance
gate, the weighting and the refused weights. Pure: no database."""

from dataclasses import replace
from decimal import Decimal

import pytest

from analytics import scoring
from analytics.scoring import ImageFacts, ScoreFacts, ScoringWeightsError, listing_score, weights_validate

WEIGHTS = {"seo": 0.25, "content": 0.25, "images": 0.20, "competitive": 0.15, "compliance": 0.15}
GOOD_BULLET = "Keeps drinks hot for twelve hours thanks to a double steel wall."  # 65 characters


def facts(**changes) -> ScoreFacts:
    base = ScoreFacts(
        marketplace="amazon",
        marketplace_label="Amazon",
        title="Acme Steel Travel Mug 500 ml, Vacuum Insulated, Leak Proof",  # 58 characters
        title_max_length=200,
        bullets=(GOOD_BULLET,) * 5,
        description="x" * 400,
        search_terms="thermos tumbler",
        keywords=("steel", "mug"),
        images=(ImageFacts(1200, 1200, True),) + (ImageFacts(800, 800, None),) * 5,
        min_images=1,
        max_images=9,
        main_image_min_px=500,
        white_background_required=True,
        price=Decimal("20.00"),
    )
    return replace(base, **changes)


def hit(result, sub, rule):
    [found] = [h for h in result.sub_scores[sub].hits if h.rule == rule]
    return found


def score(**changes):
    return listing_score(facts(**changes), WEIGHTS)


# --- SEO ---


def test_title_inside_the_recommended_band_gets_every_point():
    h = hit(score(), "seo", "title_length")
    assert (h.points, h.weight, h.observed) == (30, 30, 58)
    assert h.expected == "50–80 characters (Amazon allows 200)"
    assert h.fix == ""


def test_title_over_the_marketplace_limit_gets_nothing_and_says_by_how_much():
    h = hit(score(title="A" * 210), "seo", "title_length")
    assert h.points == 0
    assert h.fix == "Shorten the title by 10 characters."


def test_title_over_the_recommendation_but_within_the_limit_gets_half():
    h = hit(score(title="Word " * 30), "seo", "title_length")  # 149 characters after strip
    assert h.points == 15
    assert "above the recommended 80" in h.evidence


def test_short_title_gets_points_in_proportion():
    h = hit(score(title="A" * 25), "seo", "title_length")
    assert h.points == pytest.approx(15)
    assert h.fix.startswith("Add about 25 characters")


def test_title_band_follows_the_marketplace_and_never_exceeds_its_limit():
    h = hit(score(marketplace="shopee", marketplace_label="Shopee", title_max_length=60), "seo", "title_length")
    assert h.expected == "40–60 characters (Shopee allows 60)"


def test_keywords_in_title_and_bullets_name_the_missing_ones():
    result = score(keywords=("steel", "thermos"), bullets=("A plain bullet about nothing at all really here.",) * 5)
    title = hit(result, "seo", "keywords_in_title")
    assert title.observed == ["steel"]
    assert title.points == pytest.approx(17.5)
    assert title.fix == "Use thermos in the title."
    bullets = hit(result, "seo", "keywords_in_bullets")
    assert bullets.points == 0
    assert bullets.observed == []


def test_without_keywords_the_keyword_rules_are_left_out_not_zero():
    result = score(keywords=())
    assert not hit(result, "seo", "keywords_in_title").applicable
    # title 30/30 and search terms 15/15 judged: the SEO score is 100, not 45
    assert result.sub_scores["seo"].score == Decimal("100.00")


def test_search_terms_count_on_amazon_only():
    assert hit(score(search_terms=""), "seo", "search_terms").points == 0
    assert not hit(score(marketplace="etsy"), "seo", "search_terms").applicable


# --- Content ---


def test_bullet_count_and_length():
    result = score(bullets=(GOOD_BULLET, "Too short."))
    count = hit(result, "content", "bullet_count")
    assert (count.observed, count.points) == (2, 12)
    assert count.fix == "Add 3 bullet point(s)."
    length = hit(result, "content", "bullet_length")
    assert length.points == 15
    assert length.fix == "Rewrite bullet(s) 2 to 40–250 characters."


def test_no_bullets_scores_zero_on_both_bullet_rules():
    result = score(bullets=())
    assert hit(result, "content", "bullet_count").points == 0
    assert hit(result, "content", "bullet_length").points == 0


def test_description_length_in_proportion_up_to_300_characters():
    assert hit(score(description="y" * 150), "content", "description_length").points == 20
    assert hit(score(description="y" * 900), "content", "description_length").points == 40


# --- Images ---


def test_image_count_against_the_recommendation_and_the_channel_minimum():
    assert hit(score(), "images", "image_count").points == 40
    three = hit(score(images=(ImageFacts(1200, 1200, True),) * 3), "images", "image_count")
    assert three.points == 20
    assert three.fix == "Add 3 image(s)."
    below_minimum = hit(score(images=(ImageFacts(1200, 1200, True),), min_images=2), "images", "image_count")
    assert below_minimum.points == 0


def test_main_image_size_full_for_zoom_half_for_the_minimum_nothing_below():
    assert hit(score(), "images", "main_image_size").points == 35
    assert hit(score(images=(ImageFacts(800, 600, True),)), "images", "main_image_size").points == 17.5
    small = hit(score(images=(ImageFacts(400, 900, True),)), "images", "main_image_size")
    assert small.points == 0
    assert small.observed == "400×900"


def test_white_background_when_the_channel_asks_for_it():
    assert hit(score(), "images", "main_image_white_background").points == 25
    grey = hit(score(images=(ImageFacts(1200, 1200, False),)), "images", "main_image_white_background")
    assert grey.points == 0
    assert grey.fix == "Use a main image on a pure white background."
    unknown = hit(score(images=(ImageFacts(1200, 1200, None),)), "images", "main_image_white_background")
    assert not unknown.applicable
    assert not hit(score(white_background_required=False), "images", "main_image_white_background").applicable


def test_no_image_scores_zero():
    result = score(images=())
    assert result.sub_scores["images"].score == Decimal("0.00")


# --- Competitive ---


def test_without_competitor_data_or_rating_the_competitive_score_is_empty():
    result = score()
    assert result.sub_scores["competitive"].score is None
    # its weight is shared by the others: the total is not dragged down by data we do not have
    assert result.total > 90


def test_price_against_buy_box_and_lowest_competitor():
    result = score(price=Decimal("20.00"), buy_box_price=Decimal("19.50"), lowest_competitor_price=Decimal("21"))
    box = hit(result, "competitive", "price_vs_buy_box")
    assert box.points == 20  # 2.6 % above: within 5 %, half
    assert box.observed == "20.00 vs 19.50"
    assert hit(result, "competitive", "price_vs_lowest_competitor").points == 35
    far = hit(score(buy_box_price=Decimal("15")), "competitive", "price_vs_buy_box")
    assert far.points == 0
    assert "33.3 % above" in far.evidence


def test_review_rating_where_known():
    assert hit(score(rating=Decimal("4.8")), "competitive", "review_rating").points == 25
    assert hit(score(rating=Decimal("3.75"), review_count=12), "competitive", "review_rating").points == 12.5
    assert hit(score(rating=Decimal("2.5")), "competitive", "review_rating").points == 0


# --- Compliance and the gate ---


def test_a_blocking_readiness_issue_is_a_gate_not_an_average():
    blocking = {
        "code": "category_not_mapped",
        "field": "category",
        "message": "No mapped category.",
        "severity": "blocking",
    }
    result = score(readiness_issues=(blocking,))
    assert result.sub_scores["compliance"].score == Decimal("0.00")
    assert result.gate == {"blocked": True, "cap": 40.0, "issues": ["No mapped category."]}
    # every other sub-score is near perfect, yet the total is capped
    assert result.total == Decimal("40.00")
    [gate_hit] = result.sub_scores["compliance"].hits
    assert gate_hit.rule == "readiness:category_not_mapped"
    assert gate_hit.field == "category"


def test_warnings_take_ten_points_each():
    warning = {"code": "out_of_stock", "field": "quantity", "message": "Quantity is 0.", "severity": "warning"}
    result = score(readiness_issues=(warning, warning))
    assert result.sub_scores["compliance"].score == Decimal("80.00")
    assert not result.gate["blocked"]


def test_unchecked_readiness_leaves_compliance_empty():
    assert score(readiness_checked=False).sub_scores["compliance"].score is None


def test_total_is_the_weighted_sum_of_the_sub_scores():
    result = score(description="", bullets=(), rating=Decimal("4.5"))
    subs = {name: sub.score for name, sub in result.sub_scores.items()}
    assert subs["content"] == Decimal("0.00")
    expected = sum(Decimal(str(WEIGHTS[n])) * subs[n] for n in WEIGHTS)
    assert result.total == expected.quantize(Decimal("0.01"))


def test_breakdown_is_json_and_lists_every_hit():
    data = score(buy_box_price=Decimal("19")).breakdown()
    assert set(data) == {"seo", "content", "images", "competitive", "compliance", "gate", "weights"}
    first = data["seo"]["hits"][0]
    assert set(first) >= {"rule", "weight", "points", "observed", "expected", "fix", "evidence"}


# --- Weights ---


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({**WEIGHTS, "seo": 0.30}, "the weights sum to 1.05; they must sum to 1"),
        ({k: v for k, v in WEIGHTS.items() if k != "seo"}, "missing seo"),
        ({**WEIGHTS, "speed": 0}, "unknown speed"),
        ({**WEIGHTS, "seo": -0.1, "content": 0.6}, "'seo' is -0.1; each weight must be between 0 and 1"),
        ({**WEIGHTS, "seo": "0.25"}, "'seo' must be a number"),
        ([0.2] * 5, "must be an object"),
    ],
)
def test_weights_not_usable_are_refused_naming_the_setting(value, message):
    with pytest.raises(ScoringWeightsError) as caught:
        weights_validate(value)
    assert "Setting 'scoring.weights'" in caught.value.message
    assert message in caught.value.message


def test_weights_within_a_millionth_of_one_are_accepted():
    assert weights_validate({**WEIGHTS, "seo": 0.2500005})["seo"] == 0.2500005


def test_scoring_weights_reads_the_runtime_setting(raw_runtime_setting):
    raw_runtime_setting("scoring.weights", {**WEIGHTS, "seo": 0.5})
    with pytest.raises(ScoringWeightsError):
        scoring.scoring_weights()
    raw_runtime_setting("scoring.weights", {**WEIGHTS, "seo": 0.35, "content": 0.15})
    assert scoring.scoring_weights()["seo"] == 0.35


def test_keywords_from_drops_stop_words_digits_and_repeats():
    assert scoring.keywords_from(["the Steel mug", "mug of 500 steel", "Thermos"]) == ("steel", "mug", "thermos")

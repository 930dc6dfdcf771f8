"""Normalising keywords and reading content (analytics/keyword_text.py): no database."""

import pytest

from analytics.keyword_text import KeywordError, clean_display, coverage_of, keyword_check, normalize, phrases, words


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        pytest.param("Electric Kettle", "electric kettle", id="case_case"),
        pytest.param("  electric \t  kettle \n", "electric kettle", id="trim_and_collapse_case"),
        pytest.param("ＫＥＴＴＬＥ", "kettle", id="full_width_nfkc_case"),
        pytest.param("Straße", "strasse", id="casefold_not_lower_case"),
        pytest.param("ﬁlter", "filter", id="ligature_nfkc_case"),
    ],
)
def test_normalize(typed, normalized):
    assert normalize(typed) == normalized
    assert keyword_check(typed) == normalized


def test_display_keeps_case_but_not_spaces():
    assert clean_display("  Electric   Kettle ") == "Electric Kettle"


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("!!!", id="exclamations_case"),
        pytest.param(" - , ; ", id="punctuation_and_spaces_case"),
        pytest.param("…「」", id="unicode_punctuation_case"),
    ],
)
def test_only_punctuation_is_refused(typed):
    with pytest.raises(KeywordError, match="at least one letter or digit"):
        keyword_check(typed)


def test_empty_and_too_long_are_refused():
    with pytest.raises(KeywordError, match="Enter a keyword"):
        keyword_check("   ")
    with pytest.raises(KeywordError, match="at most 255"):
        keyword_check("a" * 256)


def test_words_drop_punctuation_and_keep_decimals():
    assert words("Electric Kettle 1.7 L, Stainless-Steel!") == ["electric", "kettle", "1.7", "l", "stainless", "steel"]


def test_phrases_stay_inside_segments_and_skip_stop_words_at_the_edges():
    found = phrases("Kettle for tea, Stainless Steel")
    assert {"kettle", "tea", "kettle for tea", "stainless", "steel", "stainless steel"} == found
    assert "for" not in found  # no stop word alone
    assert "tea stainless" not in found  # no phrase across a comma


def test_a_hyphen_inside_a_word_is_no_break_but_a_spaced_dash_is():
    assert "auto shut off" in phrases("Auto shut-off")
    assert "kettle steel" not in phrases("Kettle - steel")


@pytest.mark.parametrize(
    ("keyword", "text", "mark"),
    [
        pytest.param("electric kettle", "Electric Kettle 1.7 L", "phrase", id="in_order_case"),
        pytest.param("steel kettle", "Kettle in stainless steel", "words", id="words_apart_case"),
        pytest.param("glass kettle", "Electric Kettle", "", id="missing_word_case"),
    ],
)
def test_coverage_of(keyword, text, mark):
    assert coverage_of(keyword, words(text)) == mark

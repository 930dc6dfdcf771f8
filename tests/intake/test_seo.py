"""Phase 3, SEO: the title rules, the search-term byte limit, and nothing claimed without evidence
(docs/intake.md#phase-3)."""

import pytest

from intake.analysis import seo
from intake.choices import IntakeStatus, PhaseName, PhaseStatus
from intake.models import IntakeItem, IntakePhase
from intake.services import intake_phase_run


def test_forbidden_characters_are_removed_from_amazon_titles_only():
    raw = "Acme Kettle! {Steel} 1.7 L? 50$ a_b ^top¬ ¦"
    assert "forbidden characters: ! $ ? ^ _ { } ¦ ¬" in seo.title_issues(raw, 200, amazon=True)
    fixed = seo.fit_title(raw, 200, amazon=True)
    assert not set(seo.AMAZON_FORBIDDEN_CHARS) & set(fixed)
    assert seo.title_issues(fixed, 200, amazon=True) == []
    assert fixed.startswith("Acme Kettle Steel 1.7 L 50")
    assert seo.fit_title(raw, 200, amazon=False) == raw  # other marketplaces have no such rule


def test_no_word_more_than_twice_except_small_words():
    raw = "Kettle for Tea, Steel Kettle for Tea and Coffee, KETTLE for the Home and the Office and the Camp"
    assert seo.title_issues(raw, 200, amazon=True) == ["words more than twice: kettle"]
    fixed = seo.fit_title(raw, 200, amazon=True)
    assert fixed.lower().count("kettle") == 2
    assert fixed.count(" the ") == 3  # articles, prepositions and conjunctions may repeat
    assert fixed.count(" for ") == 3


def test_promotional_phrases_are_refused_and_removed():
    raw = "Acme Kettle Free Shipping Best Seller 100% Quality Hot Sale"
    issues = seo.title_issues(raw, 200, amazon=True)
    assert issues == ["promotional phrases: free shipping, best seller, 100% quality, hot sale"]
    assert seo.fit_title(raw, 200, amazon=True) == "Acme Kettle"
    assert seo.promo_phrases_in("Freeshipping container") == []  # whole phrases only


def test_titles_are_cut_at_a_word_within_the_limit():
    raw = " ".join(f"word{n}" for n in range(60))  # 349 characters
    amazon = seo.fit_title(raw, 500, amazon=True)
    assert len(amazon) <= seo.AMAZON_TITLE_MAX  # Amazon's 200 even when the channel allows more
    assert raw.startswith(amazon + " ")
    assert len(seo.fit_title(raw, 60, amazon=False)) <= 60


def test_search_terms_fit_250_bytes_without_splitting_a_word_or_repeating_the_title():
    words = [f"größe{n}" for n in range(80)] + ["kettle", "größe1"]  # 'ö' and 'ß' take two bytes each
    terms = seo.search_terms(words, title="Acme Kettle")
    assert len(terms.encode()) <= seo.SEARCH_TERMS_MAX_BYTES
    assert len(terms.encode()) > seo.SEARCH_TERMS_MAX_BYTES - 10  # filled up to the limit
    assert all(w in {f"größe{n}" for n in range(80)} for w in terms.split())
    assert len(terms.split()) == len(set(terms.split()))
    assert "kettle" not in terms


def test_keywords_name_their_sources_and_drop_small_words_and_promotions():
    found = seo.keywords([("ocr", "Electric kettle 1.7 L"), ("Amazon (gtin)", "Acme Electric Kettle, best seller")])
    assert found[:2] == [{"word": "electric", "sources": ["ocr", "Amazon (gtin)"]},
                         {"word": "kettle", "sources": ["ocr", "Amazon (gtin)"]}]  # fmt: skip
    assert "best" not in [k["word"] for k in found]


# --- the phase ---


def field(value, *kinds, display=None):
    evidence = [{"kind": k, "text": "x"} for k in kinds]
    return {"value": value, "display": display or str(value), "confidence": 90, "evidence": evidence, "engine": "t"}


@pytest.fixture
def at_seo(intake_user):
    def make(fields, channels=()):
        item = IntakeItem.objects.create(
            owner=intake_user,
            status=IntakeStatus.PROCESSING,
            is_running=True,
            current_phase=PhaseName.SEO,
            confidence=100,
            fields=fields,
        )
        item.hint_channels.set(channels)
        return item

    return make


def run_seo(item):
    intake_phase_run(item_id=item.pk, phase=PhaseName.SEO)
    record = IntakePhase.objects.get(item=item, phase=PhaseName.SEO)
    assert record.status == PhaseStatus.COMPLETED, record.error_message
    return record.output


def test_a_field_without_evidence_makes_no_claim(at_seo):
    item = at_seo({
        "name": field("Electric Kettle", "ocr"),
        "brand": field("Acme", "hint"),
        "model": field("KT-200"),  # a value nobody can point to: no evidence
        "colour": field("blue"),
        "condition": field("new", "ocr", display="New"),
    })  # fmt: skip
    out = run_seo(item)
    assert [(b["field"], b["text"], b["evidence"]) for b in out["bullets"]] == [
        ("brand", "Brand: Acme", ["hint"]),
        ("condition", "Condition: New", ["ocr"]),
    ]
    assert out["omitted"] == ["colour", "model"]
    everything = " ".join([out["base_title"], out["description"], out["search_terms"],
                           *(t["title"] for t in out["titles"].values())])  # fmt: skip
    assert "KT-200" not in everything
    assert "blue" not in everything.lower()
    assert out["base_title"] == "Acme Electric Kettle"
    assert out["description"] == "<p>Acme Electric Kettle</p><ul><li>Brand: Acme</li><li>Condition: New</li></ul>"


def test_every_marketplace_gets_a_title_within_its_limit_and_channels_their_own(at_seo, make_channel):
    short = make_channel("shopify", title_max_length=30)
    long_name = "Electric Kettle with Keep Warm, Stainless Steel, Cordless, Boil-Dry Protection, " * 3
    out = run_seo(at_seo({"name": field(long_name + "Free Shipping!", "hint"), "brand": field("Acme", "ocr")}, [short]))
    assert set(out["titles"]) == {"shopify", "lazada", "shopee", "tiktok", "etsy", "amazon"}
    for code, title in out["titles"].items():
        assert len(title["title"]) <= title["limit"], code
        assert title["issues"] == [], code
    assert out["titles"]["amazon"]["limit"] == 200
    assert "free shipping" not in out["titles"]["amazon"]["title"].lower()
    [channel_title] = out["channel_titles"]
    assert channel_title["channel_id"] == short.pk
    assert len(channel_title["title"]) <= 30
    assert channel_title["title"].startswith("Acme Electric Kettle")


def test_keywords_come_from_ocr_research_and_category_into_the_search_terms(at_seo, small_catalog):
    item = at_seo({
        "name": field("Kettle", "hint"),
        "category": field(small_catalog["kitchen"].pk, "classifier", display="Home > Kitchen"),
    })  # fmt: skip
    IntakePhase.objects.create(item=item, phase=PhaseName.ANALYSIS, status=PhaseStatus.COMPLETED, input_hash="a",
                               output={"ocr_lines": [{"text": "Cordless 1.7 L"}]})  # fmt: skip
    IntakePhase.objects.create(item=item, phase=PhaseName.RESEARCH, status=PhaseStatus.COMPLETED, input_hash="b",
                               output={"matches": [
                                   {"source": "Amazon", "title": "Gooseneck pour-over", "matched_by": "gtin",
                                    "similarity": 1.0},
                                   {"source": "Amazon", "title": "Trampoline", "matched_by": "keywords",
                                    "similarity": 0.1}]})  # fmt: skip
    out = run_seo(item)
    words = {k["word"]: k["sources"] for k in out["keywords"]}
    assert words["cordless"] == ["ocr"]
    assert words["gooseneck"] == ["Amazon (gtin)"]
    assert words["kitchen"] == ["category"]
    assert "trampoline" not in words  # too unlike the item to lend it words
    assert set(out["search_terms"].split()) >= {"cordless", "gooseneck", "kitchen"}
    assert out["search_terms_bytes"] == len(out["search_terms"].encode()) <= 250


def test_the_page_links_each_claim_to_its_evidence(at_seo, client, intake_user):
    item = at_seo({"name": field("Kettle", "hint"), "brand": field("Acme", "hint")})
    run_seo(item)
    client.force_login(intake_user)
    page = client.get(f"/intake/{item.pk}/").content.decode()
    assert 'id="field-brand"' in page
    assert '<a href="#field-brand" class="muted">evidence: hint</a>' in page

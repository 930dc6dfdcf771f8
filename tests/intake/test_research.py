"""Phase 2, market research through the Amazon sandbox over a real socket (docs/intake.md#phase-2)."""

import pytest

from intake.choices import IntakeStatus, PhaseName, PhaseStatus
from intake.models import IntakeItem, IntakePhase
from intake.services import intake_phase_retry, intake_phase_run

KETTLE = "4006381333931"  # seeded in the Amazon sandbox catalog: Acme KT-200, buy box 44.90, list price 59.99


def field(value, confidence=100):
    return {"value": value, "display": str(value), "confidence": confidence, "evidence": [], "engine": "review"}


@pytest.fixture
def identified(intake_user):
    """An item past the review gate, waiting for its research phase."""

    def make(**values):
        values.setdefault("condition", "new")
        return IntakeItem.objects.create(
            owner=intake_user,
            status=IntakeStatus.PROCESSING,
            is_running=True,
            current_phase=PhaseName.RESEARCH,
            confidence=100,
            fields={k: field(v) for k, v in values.items()},
        )

    return make


@pytest.fixture
def amazon(make_sandbox_channel):
    return make_sandbox_channel("amazon", name="Amazon US research")


def research(item):
    intake_phase_run(item_id=item.pk, phase=PhaseName.RESEARCH)
    return IntakePhase.objects.get(item=item, phase=PhaseName.RESEARCH)


def catalog_calls(sandbox):
    return [e for e in sandbox.log("amazon") if e["path"].startswith(("/catalog/", "/products/pricing/"))]


def test_research_by_gtin_finds_the_amazon_item_its_prices_brand_and_category(
    identified, amazon, sandbox, client, intake_user, small_catalog
):
    item = identified(name="Electric kettle", brand="Acme", barcode=KETTLE)
    record = research(item)
    assert record.status == PhaseStatus.COMPLETED, record.error_message
    out = record.output
    assert out["searched_by"] == "gtin"
    first = out["matches"][0]
    assert (first["source"], first["matched_by"], first["similarity"]) == ("Amazon", "gtin", 1.0)
    assert first["link"] == f"https://www.amazon.com/dp/{first['asin']}"
    assert (first["price"], first["list_price"], first["offer_count"]) == ("44.90", "59.99", 3)
    assert out["marketplace"] == {"brand": "Acme", "category": "Kettles"}
    assert out["list_price"] == {"amount": "59.99", "currency": "USD"}
    assert out["price"] == {"min": "44.90", "typical": "44.90", "max": "44.90", "currency": "USD",
                            "basis": "same GTIN"}  # fmt: skip
    assert out["sources"] == [
        "our catalog",
        "Amazon Catalog Items (searchCatalogItems) via Amazon US research",
        "Amazon Product Pricing (getItemOffers) via Amazon US research",
    ]
    calls = catalog_calls(sandbox)
    assert calls[0]["query"]["identifiers"] == KETTLE
    assert "keywords" not in calls[0]["query"]
    assert calls[1]["query"]["ItemCondition"] == "New"
    # and the page names the sources, the list price, Amazon's brand and category, and links the ASIN
    client.force_login(intake_user)
    page = client.get(f"/intake/{item.pk}/").content.decode()
    assert "Amazon Catalog Items (searchCatalogItems) via Amazon US research" in page
    assert "list price (MSRP) 59.99 USD" in page
    assert "on Amazon: brand Acme, category Kettles" in page
    assert f'href="{first["link"]}"' in page


def test_research_by_keywords_when_there_is_no_gtin(identified, amazon, sandbox):
    item = identified(name="Wireless Headphones", brand="SoundWave", model="BT-100", condition="used")
    out = research(item).output
    assert out["searched_by"] == "keywords"
    assert out["matches"][0]["title"].startswith("SoundWave BT-100")
    assert out["matches"][0]["matched_by"] == "keywords"
    assert 0 < out["matches"][0]["similarity"] < 1
    assert out["marketplace"] is None  # a keyword match is not the item itself
    assert out["price"] is None  # the sandbox has no used offers, and our catalog nothing alike
    calls = catalog_calls(sandbox)
    assert "identifiers" not in calls[0]["query"]
    assert {c["query"].get("ItemCondition") for c in calls[1:]} == {"Used"}


def test_unknown_gtin_falls_back_to_keywords_and_no_match_is_said(identified, amazon, sandbox):
    item = identified(name="Zebra trampoline", barcode="4006381333924")
    out = research(item).output
    assert out["matches"] == []
    assert out["price"] is None
    assert out["notes"] == ["Amazon (Amazon US research) found no match by keywords."]
    searches = [c["query"] for c in catalog_calls(sandbox)]
    assert [("identifiers" in q, "keywords" in q) for q in searches] == [(True, False), (False, True)]


def test_an_item_added_to_the_sandbox_catalog_is_found(identified, amazon, sandbox):
    catalog = sandbox.sandbox.module("amazon").catalog
    asin = catalog.add_item({"gtin": "9780201379624", "title": "Widget Pro", "brand": "Widgets"})
    for price in (10, 14, 30):
        catalog.add_offer(asin, {"price": price})
    out = research(identified(name="Widget", barcode="9780201379624")).output
    assert out["matches"][0]["asin"] == asin
    assert out["price"]["min"] == "10.00"  # buy box of the one ASIN that has the GTIN


def test_without_an_amazon_channel_only_our_catalog_is_used_and_the_page_says_so(
    identified, sandbox, client, intake_user
):
    item = identified(name="Electric kettle", barcode=KETTLE)
    out = research(item).output
    assert out["sources"] == ["our catalog"]
    assert out["channel"] is None
    assert catalog_calls(sandbox) == []
    client.force_login(intake_user)
    page = client.get(f"/intake/{item.pk}/").content.decode()
    assert "No active Amazon channel: researched in our own catalog only." in page


def test_an_inactive_amazon_channel_is_not_asked(identified, make_sandbox_channel, sandbox):
    make_sandbox_channel("amazon", is_active=False)
    assert research(identified(name="Kettle", barcode=KETTLE)).output["channel"] is None


@pytest.mark.parametrize("fault", ["throttled", "5xx"])
def test_a_throttled_or_failing_marketplace_fails_the_phase_and_retry_completes_it(
    fault, identified, amazon, sandbox, intake_user
):
    if fault == "throttled":
        sandbox.set_rate("amazon", 0, 0.5)  # an empty bucket that never refills: every call answers 429
    else:
        sandbox.set_faults("amazon", status_5xx=503, times=1, path_contains="/catalog/")
    item = identified(name="Electric kettle", barcode=KETTLE)
    record = research(item)
    item.refresh_from_db()
    assert record.status == PhaseStatus.FAILED
    assert item.status == IntakeStatus.ERROR
    expected = "exceeded your quota" if fault == "throttled" else "server error HTTP 503"
    assert expected in record.error_message
    # when the marketplace recovers and the user retries
    sandbox.set_rate("amazon", 5, 10)
    intake_phase_retry(item=item, phase=PhaseName.RESEARCH, user=intake_user)
    record = research(item)
    assert record.status == PhaseStatus.COMPLETED, record.error_message
    assert record.retry_count == 1
    assert record.output["matches"][0]["price"] == "44.90"


def test_research_never_runs_before_the_item_is_identified(identified, amazon, sandbox):
    item = identified(name="Kettle", barcode=KETTLE)
    IntakeItem.objects.filter(pk=item.pk).update(
        status=IntakeStatus.NEEDS_REVIEW, requires_review=True, is_running=False, confidence=40
    )
    intake_phase_run(item_id=item.pk, phase=PhaseName.RESEARCH)
    assert not IntakePhase.objects.filter(item=item, phase=PhaseName.RESEARCH, status=PhaseStatus.COMPLETED).exists()
    assert catalog_calls(sandbox) == []


def test_a_user_limited_to_other_channels_does_not_research_through_this_amazon_channel(
    identified, amazon, make_sandbox_channel, intake_user, sandbox
):
    from accounts.models import UserProfile

    shopify = make_sandbox_channel("shopify")
    UserProfile.objects.update_or_create(user=intake_user, defaults={"allowed_channel_ids": [shopify.pk]})
    out = research(identified(name="Kettle", barcode=KETTLE)).output
    assert out["channel"] is None
    assert catalog_calls(sandbox) == []
    # and once allowed, that channel is the one asked
    UserProfile.objects.filter(user=intake_user).update(allowed_channel_ids=[shopify.pk, amazon.pk])
    assert research(identified(name="Kettle", barcode=KETTLE)).output["channel"]["id"] == amazon.pk


def test_what_the_matched_product_sold_for_is_a_research_source(identified, sandbox, make_channel):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from orders.services import order_ingest
    from syncing.connectors.base import RemoteOrderLine
    from tests.catalog.factories import ProductFactory
    from tests.orders.conftest import remote_order

    ProductFactory(sku="KT-200", title="Acme kettle KT-200", barcode=KETTLE, price=Decimal("49.00"), quantity=9)
    placed = timezone.now() - timedelta(days=2)
    sold = RemoteOrderLine(
        external_line_id="1", sku="KT-200", quantity=2, unit_price=Decimal("39.00"), line_total=Decimal("78.00")
    )
    order_ingest(
        channel=make_channel("shopify", currency="USD"),
        remote=remote_order("K1", lines=[sold], placed_at=placed, updated_at=placed),
    )

    out = research(identified(name="Electric kettle", barcode=KETTLE)).output

    assert out["sources"] == ["our catalog", "our order history"]
    history = [m for m in out["matches"] if m["source"] == "our order history"]
    assert [(m["sku"], m["price"], m["units_sold"], m["matched_by"]) for m in history] == [
        ("KT-200", "39.00", 2, "gtin")
    ]
    # the range counts the list price (49.00) and the sold price (39.00) of the very item
    assert out["price"] == {"min": "39.00", "typical": "44.00", "max": "49.00", "currency": "USD", "basis": "same GTIN"}

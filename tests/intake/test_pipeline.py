"""The pipeline run synchronously (as the worker would): photo check -> analysis -> review gate -> listing."""

import pytest

from catalog.models import Product
from intake.choices import IntakeStatus, PhaseName, PhaseStatus
from intake.models import IntakePhase
from intake.services import intake_item_create, intake_phase_run, intake_review
from tests.catalog.factories import ProductFactory
from tests.intake.photos import label_photo, plain_photo, upload

pytestmark = pytest.mark.django_db
KETTLE_LABEL = ("Brand: ACME", "Kettle KT-200", "1.7 L  Brand new, sealed")
GTIN = "4006381333931"


def test_clear_barcode_of_a_known_product_goes_straight_to_a_draft_listing(
    intake_user, small_catalog, make_channel, run_pipeline
):
    # given a catalog product with the GTIN and a channel to list on
    known = ProductFactory(sku="KET-1", title="ACME kettle KT-200", barcode=GTIN, category=small_catalog["kitchen"])
    channel = make_channel("shopify")
    # when a clear photo of its barcode is uploaded with the condition as a hint
    item = intake_item_create(
        owner=intake_user, photos=[upload(label_photo(barcode=GTIN))], hint_condition="new", hint_channels=[channel]
    )
    item = run_pipeline(item)
    # then the product is matched (not duplicated), the pipeline completes and a draft listing has its readiness
    assert item.status == IntakeStatus.COMPLETED
    assert item.confidence == 90
    assert item.fields["barcode"]["value"] == GTIN
    assert item.fields["barcode"]["evidence"][0]["symbology"] == "EAN-13"
    assert item.fields["name"] == {**item.fields["name"], "value": "ACME kettle KT-200", "confidence": 95}
    assert item.fields["category"]["value"] == small_catalog["kitchen"].pk
    assert item.product == known
    listing_phase = IntakePhase.objects.get(item=item, phase=PhaseName.LISTING)
    assert listing_phase.output["created"] is False
    [listing] = known.listings.all()
    assert listing.channel == channel
    assert listing.status == "draft"
    assert listing.readiness_checked_at is not None
    assert Product.objects.filter(barcode=GTIN).count() == 1


def test_rotated_barcode_is_still_read(intake_user, run_pipeline):
    item = intake_item_create(owner=intake_user, photos=[upload(label_photo(barcode=GTIN, rotate=20))])
    item = run_pipeline(item)
    assert item.fields["barcode"]["value"] == GTIN


def test_label_without_barcode_fills_fields_from_ocr_and_asks_for_review(intake_user, small_catalog, run_pipeline):
    item = intake_item_create(owner=intake_user, photos=[upload(label_photo(lines=KETTLE_LABEL))])
    item = run_pipeline(item)
    # then brand, model, size and condition come from the label, each with its OCR line as evidence
    assert item.fields["brand"]["value"] == "ACME"
    assert item.fields["model"]["value"] == "KT-200"
    assert item.fields["size"]["value"] == "1.7 L"
    assert item.fields["condition"]["value"] == "new"
    assert item.fields["condition"]["evidence"][0]["kind"] == "ocr"
    assert item.fields["category"]["value"] == small_catalog["kitchen"].pk
    assert item.fields["colour"]["value"] == "blue"
    # and a name read from a label is capped below the review threshold: a person confirms it
    assert item.fields["name"]["confidence"] <= 75
    assert item.status == IntakeStatus.NEEDS_REVIEW
    assert item.requires_review is True
    assert item.is_running is False
    assert item.confidence == min(item.fields[f]["confidence"] for f in ("name", "category", "condition"))


def test_plain_photo_goes_to_review_with_the_reason(intake_user, run_pipeline):
    item = run_pipeline(intake_item_create(owner=intake_user, photos=[upload(plain_photo())]))
    analysis = IntakePhase.objects.get(item=item, phase=PhaseName.ANALYSIS)
    assert item.status == IntakeStatus.NEEDS_REVIEW
    assert item.confidence == 0
    assert "no barcode or readable label: add a label close-up" in analysis.output["review_reasons"]
    assert "name unknown" in analysis.output["review_reasons"]
    assert item.logs.filter(action="review_needed").exists()


def test_wrong_check_digit_is_reported_not_matched(intake_user, run_pipeline):
    # given a Code 128 holding a GTIN whose last digit is wrong, and a product with the corrected number
    ProductFactory(sku="KET-9", title="Kettle", barcode=GTIN)
    item = run_pipeline(
        intake_item_create(
            owner=intake_user, photos=[upload(label_photo(barcode="4006381333932", symbology="Code128"))]
        )
    )
    analysis = IntakePhase.objects.get(item=item, phase=PhaseName.ANALYSIS)
    [verdict] = analysis.output["gtins"]
    assert verdict["problem"] == "Barcode '4006381333932' has check digit 2, expected 1."
    assert "barcode" not in item.fields
    assert "name" not in item.fields
    assert item.status == IntakeStatus.NEEDS_REVIEW


def test_gtin_of_a_product_the_user_may_not_see_is_not_matched(make_user, make_channel, run_pipeline):
    # given a product listed only on channel B and a user limited to channel A
    from accounts.models import UserProfile
    from accounts.roles import INTAKE
    from listings.services import listing_create

    a, b = make_channel("shopify"), make_channel("etsy")
    hidden = ProductFactory(sku="HID-1", title="Secret kettle", barcode=GTIN)
    listing_create(product=hidden, channel=b)
    user = make_user("limited", INTAKE)
    UserProfile.objects.update_or_create(user=user, defaults={"allowed_channel_ids": [a.pk]})
    item = run_pipeline(intake_item_create(owner=user, photos=[upload(label_photo(barcode=GTIN))]))
    analysis = IntakePhase.objects.get(item=item, phase=PhaseName.ANALYSIS)
    assert (
        analysis.output["gtins"][0]["problem"] == "This GTIN belongs to a product you may not see; it was not matched."
    )
    assert "name" not in item.fields


def test_review_resumes_and_drafts_a_new_product_with_variant_photos_and_listing(
    intake_user, small_catalog, make_channel, run_pipeline
):
    channel = make_channel("shopify")
    item = intake_item_create(
        owner=intake_user,
        photos=[upload(label_photo(lines=KETTLE_LABEL)), upload(plain_photo(), "side.png")],
        hint_channels=[channel],
    )
    item = run_pipeline(item)
    assert item.status == IntakeStatus.NEEDS_REVIEW
    # when a reviewer corrects the name and confirms the rest
    item = intake_review(item=item, fields={"name": "ACME Kettle KT-200 1.7 L"}, user=intake_user)
    assert item.status == IntakeStatus.PROCESSING
    assert item.confidence == 100
    item = run_pipeline(item)
    # then a draft product exists with the reviewed fields, a variant for size and colour, the photos and a listing
    assert item.status == IntakeStatus.COMPLETED
    product = item.product
    assert product.title == "ACME Kettle KT-200 1.7 L blue"  # the SEO title: name, then the evidenced colour
    assert "<li>Brand: ACME</li>" in product.description  # built from the evidenced fields
    # the SEO phase's evidenced bullets, backend search terms and SEO title land in the product's content fields
    seo = IntakePhase.objects.get(item=item, phase=PhaseName.SEO).output
    bullets = [b["text"] for b in seo["bullets"]]
    assert "Brand: ACME" in bullets
    assert [getattr(product, f"bullet_point_{n}") for n in range(1, len(bullets[:5]) + 1)] == bullets[:5]
    assert product.search_terms == seo["search_terms"] != ""
    assert len(product.search_terms.encode()) <= 250
    assert product.seo_title == product.title
    assert product.seo_description.startswith(bullets[0])
    assert (product.status, product.brand, product.mpn) == ("draft", "ACME", "KT-200")
    assert product.category == small_catalog["kitchen"]
    [variant] = product.variants.all()
    assert variant.options == {"Size": "1.7 L", "Colour": "blue"}
    assert product.images.count() == 2
    [listing] = product.listings.all()
    assert listing.channel == channel
    assert listing.status == "draft"
    assert listing.readiness_blocking > 0  # e.g. no description: never publishable without a person
    # and the price is the typical price of the similar kettles of our catalog (research phase)
    research = IntakePhase.objects.get(item=item, phase=PhaseName.RESEARCH).output
    assert research["sources"] == ["our catalog"]
    assert research["price"] == {
        "min": "19.90",
        "typical": "19.90",
        "max": "19.90",
        "currency": "USD",
        "basis": "similar items",
    }
    assert research["notes"] == ["No active Amazon channel: researched in our own catalog only."]
    assert "kettle" in research["matches"][0]["title"].lower()
    assert str(product.price) == "19.90"
    assert all(f["confidence"] == 100 for f in item.fields.values())
    assert item.fields["name"]["evidence"][-1] == {"kind": "review", "user": "picker1"}


def test_repeated_delivery_of_a_completed_phase_reuses_its_output(intake_user, run_pipeline):
    item = intake_item_create(owner=intake_user, photos=[upload(label_photo(barcode=GTIN))], start=True)
    intake_phase_run(item_id=item.pk, phase=PhaseName.PHOTO_CHECK)
    first = IntakePhase.objects.get(item=item, phase=PhaseName.PHOTO_CHECK)
    # when the same task is delivered again (the item has moved on): nothing runs twice
    intake_phase_run(item_id=item.pk, phase=PhaseName.PHOTO_CHECK)
    again = IntakePhase.objects.get(item=item, phase=PhaseName.PHOTO_CHECK)
    assert (again.status, again.finished_at, again.input_hash) == (
        PhaseStatus.COMPLETED,
        first.finished_at,
        first.input_hash,
    )
    assert item.logs.filter(phase=PhaseName.PHOTO_CHECK, action="complete").count() == 1

"""Push on change, the marking side: every write path marks the listings whose payload it changes, and queues
their channel's push; a write that changes nothing the marketplace sees marks nothing (docs/sync.md)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from catalog.importing.services import import_file
from catalog.services import image_add, product_update, variant_create
from channels.services import attribute_value_mapping_set, category_mapping_set, channel_update
from listings.choices import ListingStatus
from listings.models import Listing
from listings.selectors import listing_marketplace_payload_hash, listings_with_payload_inputs
from listings.services import listing_update, listings_changes_clear, listings_changes_mark
from tests.catalog.importing.conftest import write_xlsx

PACKAGE = ("weight_grams", "length_mm", "width_mm", "height_mm", "barcode", "manufacturer", "mpn")


def _live(listing: Listing, external_id: str = "") -> Listing:
    """Make the listing look pushed: live, with an external id and the hash of what it sends now."""
    row = listings_with_payload_inputs(Listing.objects.filter(pk=listing.pk)).get()
    Listing.objects.filter(pk=listing.pk).update(
        status=ListingStatus.LIVE,
        external_id=external_id or f"EXT-{listing.pk}",
        last_pushed_hash=listing_marketplace_payload_hash(row),
    )
    return Listing.objects.get(pk=listing.pk)


def _autopush_tasks() -> list[tuple[int, float]]:
    """The queued push-on-change tasks: (channel id, seconds until visible)."""
    from django.utils import timezone

    out = []
    for row in OrmQ.objects.order_by("id"):
        task = SignedPackage.loads(row.payload)
        if task["func"].__name__ == "channel_autopush_task":
            out.append((task["args"][0], (row.lock - timezone.now()).total_seconds()))
    return out


@pytest.fixture
def live_listing(make_listing):
    return _live(make_listing())


def _state(listing: Listing) -> tuple[bool, list[str]]:
    listing.refresh_from_db()
    return listing.changed_since_push, listing.changed_parts


def test_price_edit_marks_offers_and_queues_the_channels_push_after_its_debounce(live_listing):
    channel_update(channel=live_listing.channel, push_debounce_seconds=3.0)
    product_update(product=live_listing.product, price=Decimal("25.00"))
    assert _state(live_listing) == (True, ["offers"])
    tasks = _autopush_tasks()
    assert [channel for channel, _ in tasks] == [live_listing.channel_id]
    assert 1.5 < tasks[0][1] <= 3.0


def test_title_edit_marks_content_and_waits_for_publish_changes(live_listing):
    product_update(product=live_listing.product, title="A new title")
    assert _state(live_listing) == (True, ["content"])
    assert _autopush_tasks() == []  # auto_push_content is off by default


def test_content_then_price_marks_both_parts(live_listing):
    product_update(product=live_listing.product, title="Another title")
    product_update(product=live_listing.product, quantity=3)
    assert _state(live_listing) == (True, ["content", "offers"])


def test_a_save_that_changes_nothing_sent_marks_nothing(live_listing):
    product = live_listing.product
    product_update(product=product, title=product.title, price=product.price, cost_price=Decimal("1.00"))
    assert _state(live_listing) == (False, [])
    assert _autopush_tasks() == []


def test_a_product_price_hidden_by_a_listing_override_marks_nothing(make_listing):
    listing = _live(make_listing(price=Decimal("99.00")))
    product_update(product=listing.product, price=Decimal("21.00"))
    assert _state(listing) == (False, [])


def test_drafts_and_paused_listings_are_not_marked(make_listing):
    draft = make_listing()
    product_update(product=draft.product, price=Decimal("22.00"))
    assert _state(draft) == (False, [])


def test_staff_form_marks(live_listing, editor_client):
    product = live_listing.product
    data = {
        "sku": product.sku,
        "title": product.title,
        "status": product.status,
        "category": product.category_id,
        "brand": product.brand,
        "price": "44.00",
        "currency": product.currency,
        "quantity": str(product.quantity),
        "attributes": "{}",
        "description": product.description,
        "version": str(product.version),
        **{name: "" if getattr(product, name) is None else str(getattr(product, name)) for name in PACKAGE},
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    response = editor_client.post(reverse("catalog:product_update", kwargs={"pk": product.pk}), data)
    assert response.status_code == 302, response.content[:2000]
    assert _state(live_listing) == (True, ["offers"])
    assert _autopush_tasks()


def test_api_single_and_bulk_mark(make_listing, api):
    first, second = _live(make_listing()), _live(make_listing())
    response = api.patch(f"/api/v1/products/{first.product_id}/", {"price": "30.00"}, format="json")
    assert response.status_code == 200, response.json()
    assert _state(first) == (True, ["offers"])
    response = api.post(
        "/api/v1/listings/bulk-update/", {"items": [{"id": second.pk, "title": "Override"}]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert _state(second) == (True, ["content"])


def test_listing_override_in_admin_marks(live_listing, admin_client):
    url = reverse("admin:listings_listing_change", args=[live_listing.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data.update({"quantity": "4", "title": "", "description": "", "price": "", "compare_at_price": ""})
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content[:3000]
    assert _state(live_listing) == (True, ["offers"])


def test_product_admin_marks(live_listing, admin_client):
    product = live_listing.product
    url = reverse("admin:catalog_product_change", args=[product.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else (value.pk if hasattr(value, "pk") else value)
    data["attributes"] = "{}"
    data["title"] = "Changed in admin"
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0) if name != "TOTAL_FORMS" else 0
        data[f"{management.prefix}-INITIAL_FORMS"] = 0
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content[:3000]
    assert _state(live_listing) == (True, ["content"])


def test_image_and_variant_edits_mark(live_listing):
    from tests.fixtures.channels import listable_image

    image_add(product=live_listing.product, upload=listable_image()[:-1] + b"\x00", filename="second.png")
    assert _state(live_listing) == (True, ["content"])
    variant_create(product=live_listing.product, sku=f"{live_listing.product.sku}-V", options={"Size": "M"})
    assert _state(live_listing) == (True, ["content", "offers"])


def test_channel_rule_edit_marks_every_live_listing_of_the_channel(make_listing, channel):
    listings = [_live(make_listing(channel=channel)) for _ in range(3)]
    channel_update(channel=channel, price_adjust_type="percent", price_adjust_value=Decimal("10"))
    assert [_state(lst) for lst in listings] == [(True, ["offers"])] * 3


def test_channel_settings_that_send_nothing_mark_nothing(live_listing):
    channel_update(channel=live_listing.channel, rate_limit_per_second=3, push_debounce_seconds=5)
    assert _state(live_listing) == (False, [])


def test_category_and_attribute_mapping_edits_mark_content(live_listing):
    channel, product = live_listing.channel, live_listing.product
    category_mapping_set(channel=channel, category=product.category, external_category_id="cat-77")
    assert _state(live_listing) == (True, ["content"])


def test_attribute_value_mapping_marks_when_it_changes_a_sent_value(make_listing):
    listing = make_listing()
    product_update(product=listing.product, attributes={"color": "red"})
    listing = _live(listing)
    channel = listing.channel
    attribute_value_mapping_set(channel=channel, attribute_code="color", our_value="red", marketplace_value="Rot")
    assert _state(listing) == (True, ["content"])


def test_bulk_action_publish_changes_starts_jobs(live_listing, editor_client):
    product_update(product=live_listing.product, title="Bulk title")
    response = editor_client.post(
        reverse("listings:listing_bulk"), {"action": "publish_changes", "ids": [live_listing.pk]}
    )
    assert response.status_code == 302
    from syncing.models import SyncJob

    job = SyncJob.objects.get()
    assert (job.kind, job.listing_ids) == ("push", [live_listing.pk])


@pytest.mark.slow
def test_import_marks_per_chunk_with_set_based_updates(tmp_path, make_listing, channel, monkeypatch):
    from catalog.importing import engine

    monkeypatch.setattr(engine, "CHUNK_SIZE", 50)
    listings = [_live(make_listing(channel=channel)) for _ in range(4)]
    titles = {lst.pk: lst.product.title for lst in listings}
    rows = [["sku", "price", "title"]]
    rows += [[lst.product.sku, "55.55", titles[lst.pk]] for lst in listings[:2]]
    rows += [[lst.product.sku, str(lst.product.price), titles[lst.pk] + " v2"] for lst in listings[2:]]
    with CaptureQueriesContext(connection) as queries:
        batch = import_file(path=write_xlsx(tmp_path / "prices.xlsx", rows))
    assert batch.updated_count == 4
    assert [_state(lst) for lst in listings] == [(True, ["offers"])] * 2 + [(True, ["content"])] * 2
    marks = [q["sql"] for q in queries.captured_queries if "changed_since_push" in q["sql"] and "UPDATE" in q["sql"]]
    assert 1 <= len(marks) <= 2  # one per part and chunk, not one per row


def test_set_based_mark_merges_parts_and_clear_only_clears_the_change_read(make_listing):
    listing = _live(make_listing())
    scope = Listing.objects.filter(pk=listing.pk)
    listings_changes_mark(listings=scope, parts={"offers"})
    listing.refresh_from_db()
    read = listing.changed_at
    listings_changes_mark(listings=scope, parts={"content"})  # a second change after the read
    assert _state(listing) == (True, ["content", "offers"])
    assert listings_changes_clear(sent={listing.pk: read}, parts=["offers"]) == []
    assert _state(listing) == (True, ["content", "offers"])
    listing.refresh_from_db()
    assert listings_changes_clear(sent={listing.pk: listing.changed_at}, parts=["offers"]) == []
    assert _state(listing) == (True, ["content"])  # the other part stays
    listing.refresh_from_db()
    assert listings_changes_clear(sent={listing.pk: listing.changed_at}, parts=["content"]) == [listing.pk]
    assert _state(listing) == (False, [])


def test_listing_form_marks_and_listing_update_keeps_the_mark_in_memory(live_listing):
    listing = listing_update(listing=live_listing, price=Decimal("12.34"))
    assert listing.changed_since_push is True
    assert listing.changed_parts == ["offers"]

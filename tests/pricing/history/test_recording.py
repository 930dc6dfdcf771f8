"""Price history recording: every writer of a listing's effective price records one point with its source, and
nothing is recorded when the price does not move (docs/pricing.md#price-history)."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.importing.services import import_file
from catalog.importing.undo import import_batch_undo
from catalog.services import product_update, variant_create, variant_update
from channels.services import channel_update
from common.changes import change_source
from common.errors import ApplicationError
from listings.services import listing_update, listings_bulk_assign
from listings.services.grid import GridChange, offers_grid_save
from pricing.history import (
    price_history_record,
    price_history_record_effective,
    price_history_record_observed,
)
from pricing.history_models import PriceHistory, PriceKind, PriceSource
from pricing.history_tasks import price_history_record_effective_task
from syncing.services import channel_listings_pull, listings_publish

from ...catalog.importing.conftest import write_xlsx
from ...fixtures.channels import bulk_products
from ...syncing.engine.conftest import run_queue

pytestmark = pytest.mark.django_db


def _ours(listing):
    points = PriceHistory.objects.filter(listing=listing, kind=PriceKind.OURS).order_by("time", "id")
    return [(p.price, p.source) for p in points]


def test_a_new_listing_records_its_first_price(make_listing):
    listing = make_listing()
    assert _ours(listing) == [(Decimal("20.00"), "manual")]


def test_a_price_override_records_manual_and_a_title_change_records_nothing(make_listing, editor_user):
    # given a listing at the product's 20.00
    listing = make_listing()

    # when its price is overridden, then only its title changes
    listing_update(listing=listing, user=editor_user, price=Decimal("18.50"))
    listing_update(listing=listing, user=editor_user, title="Another title")

    # then one more point, by that user, with the effective-price explanation
    assert _ours(listing) == [(Decimal("20.00"), "manual"), (Decimal("18.50"), "manual")]
    last = PriceHistory.objects.filter(listing=listing).latest("time", "id")
    assert (last.created_by, last.detail) == (editor_user, {"rule": "listing override"})


def test_the_api_records_source_api(make_listing, api):
    listing = make_listing()
    response = api.patch(f"/api/v1/listings/{listing.pk}/", {"price": "17.00"}, format="json")
    assert response.status_code == 200, response.json()
    assert _ours(listing)[-1] == (Decimal("17.00"), "api")


def test_a_product_price_change_records_every_listing_of_it(make_listing, make_channel):
    # given one product on two channels
    first = make_listing()
    second = make_listing(product=first.product, channel=make_channel("etsy"))

    # when the product's price changes, then its stock (no price move)
    product_update(product=first.product, price=Decimal("22.00"))
    product_update(product=first.product, quantity=3)

    # then each listing has the new price once
    assert _ours(first)[-1] == _ours(second)[-1] == (Decimal("22.00"), "manual")
    assert len(_ours(first)) == len(_ours(second)) == 2


def test_a_variant_price_change_records_its_listing(make_listing, make_listable_product):
    product = make_listable_product()
    variant = variant_create(product=product, sku=f"{product.sku}-S", options={"Size": "S"}, price=Decimal("21.00"))
    listing = make_listing(product=product, variant=variant)
    variant_update(variant=variant, price=Decimal("23.00"))
    assert _ours(listing) == [(Decimal("21.00"), "manual"), (Decimal("23.00"), "manual")]


def test_the_bulk_grid_records_source_grid(make_listing, editor_user):
    listing = make_listing()
    change = GridChange(
        key="p", product_id=listing.product_id, fields={"price": Decimal("19.00")}, seen={"price": Decimal("20.00")}
    )
    offers_grid_save(changes=[change], user=editor_user)
    assert _ours(listing)[-1] == (Decimal("19.00"), "grid")


def test_a_channel_markup_records_source_markup_for_its_listings(make_listing, channel):
    # given two listings at 20.00 on a channel
    first, second = make_listing(channel=channel), make_listing(channel=channel)

    # when the channel adds 10 %
    channel_update(channel=channel, price_adjust_type="percent", price_adjust_value=Decimal("10"))

    # then both move to 22.00, labelled markup, with the steps that made the price
    for listing in (first, second):
        assert _ours(listing)[-1] == (Decimal("22.00"), "markup")
    point = PriceHistory.objects.filter(listing=first, source="markup").get()
    assert point.detail == {"rule": "product, base 20.00, +10.00 % = 22.00"}


def test_a_large_markup_change_is_recorded_by_queued_tasks(make_listing, channel, settings):
    # given more listings than are recorded inline
    settings.PRICE_HISTORY_INLINE_MAX = 1
    listings = [make_listing(channel=channel), make_listing(channel=channel)]
    before = PriceHistory.objects.count()

    # when the markup changes, the recording is queued, with the change's time
    with mock.patch("pricing.history.enqueue") as enqueue:
        channel_update(channel=channel, price_adjust_type="fixed", price_adjust_value=Decimal("1"))
    assert PriceHistory.objects.count() == before
    (call,) = enqueue.call_args_list
    task, ids, source, at, user_id = call.args
    assert (task, ids, source, user_id) == (
        price_history_record_effective_task,
        sorted(x.pk for x in listings),
        "markup",
        None,
    )

    # and the task records them
    price_history_record_effective_task(ids, source, at, user_id)
    assert [_ours(x)[-1] for x in listings] == [(Decimal("21.00"), "markup")] * 2


def _assign_queries(products, channels, user=None):
    with CaptureQueriesContext(connection) as queries:
        counts = listings_bulk_assign(products=products, channels=channels, user=user)
    # the readiness check of the new listings is per row today (listings' business); the history's part is counted
    return counts, len([q for q in queries.captured_queries if "pricing_pricehistory" in q["sql"]])


def test_bulk_assign_records_each_new_listings_first_price_in_bulk(make_channel, editor_user):
    # given three products at 10.00 and two channels, one adding 10 %
    products = bulk_products(3, prefix="HIST")
    plain, marked_up = make_channel("shopify"), make_channel("etsy")
    channel_update(channel=marked_up, price_adjust_type="percent", price_adjust_value=Decimal("10"))
    listings_bulk_assign(products=bulk_products(1, prefix="WARM"), channels=[plain, marked_up])  # lookups cached
    _, one_product = _assign_queries(bulk_products(1, prefix="ONE"), [plain, marked_up])
    PriceHistory.objects.all().delete()

    # when they are assigned: the history reads and writes in as many statements as for one product (one read of
    # the last points with the listings, one INSERT), not one per listing
    counts, three_products = _assign_queries(products, [plain, marked_up], editor_user)
    assert three_products == one_product == 2

    # then each of the six new listings has its first point: the effective price, labelled, by the user
    assert counts["created"] == 6
    points = PriceHistory.objects.filter(kind=PriceKind.OURS).select_related("listing")
    assert sorted((p.listing.channel_id, p.price, p.source, p.created_by_id) for p in points) == sorted(
        [(plain.pk, Decimal("10.00"), "manual", editor_user.pk)] * 3
        + [(marked_up.pk, Decimal("11.00"), "manual", editor_user.pk)] * 3
    )

    # and assigning again creates nothing and records nothing
    listings_bulk_assign(products=products, channels=[plain, marked_up])
    assert PriceHistory.objects.filter(kind=PriceKind.OURS).count() == 6


def test_a_large_bulk_assign_records_its_first_prices_by_queued_tasks(make_channel, settings):
    settings.PRICE_HISTORY_INLINE_MAX = 1
    products = bulk_products(2, prefix="HISTQ")
    with mock.patch("pricing.history.enqueue") as enqueue:
        listings_bulk_assign(products=products, channels=[make_channel("shopify")])
    assert not PriceHistory.objects.exists()
    (call,) = enqueue.call_args_list
    price_history_record_effective_task(*call.args[1:])
    assert sorted(PriceHistory.objects.values_list("price", flat=True)) == [Decimal("10.00")] * 2


def test_an_import_records_source_import_and_its_undo_rollback(make_listing, tmp_path):
    # given a listing of a product at 20.00
    listing = make_listing()
    sku = listing.product.sku

    # when a file sets the price to 25.00, then the import is undone
    batch = import_file(path=write_xlsx(tmp_path / "p.xlsx", [["sku", "price"], [sku, "25.00"]]), on_error="skip-rows")
    assert batch.updated_count == 1
    import_batch_undo(batch=batch)

    # then the history shows the import and the rollback
    assert _ours(listing) == [
        (Decimal("20.00"), "manual"),
        (Decimal("25.00"), "import"),
        (Decimal("20.00"), "rollback"),
    ]


def test_a_rule_records_its_inputs_directly(make_listing):
    listing = make_listing()
    detail = {"rule": 4, "inputs": {"lowest_competitor": "19.99"}, "formula": "19.99 - 0.01", "guard": "floor"}
    point = price_history_record(listing=listing, price=Decimal("19.98"), source="rule", detail=detail)
    assert point is not None
    assert (point.source, point.detail) == ("rule", detail)
    assert price_history_record(listing=listing, price=Decimal("19.98"), source="rule") is None  # unchanged


def test_a_change_source_block_labels_the_points(make_listing):
    listing = make_listing()
    with change_source("rule"):
        listing_update(listing=listing, price=Decimal("15.00"))
    assert _ours(listing)[-1] == (Decimal("15.00"), "rule")


def test_observed_prices_keep_no_offer_as_null_and_skip_repeats(make_listing):
    listing = make_listing()
    kinds = [(PriceKind.BUY_BOX, Decimal("19.50")), (PriceKind.LOWEST_COMPETITOR, None)]
    for kind, price in kinds * 2:
        price_history_record_observed(listing=listing, kind=kind, price=price, source=PriceSource.COMPETITOR)
    observed = PriceHistory.objects.exclude(kind=PriceKind.OURS).order_by("id")
    assert [(p.kind, p.price, p.source) for p in observed] == [
        ("buy_box", Decimal("19.50"), "competitor"),
        ("lowest_competitor", None, "competitor"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"kind": "ours", "price": Decimal("1")}, "An observed price is one of", id="ours_case"),
        pytest.param(
            {"kind": "buy_box", "price": Decimal("1"), "source": "keepa"}, "Unknown price source", id="src_case"
        ),
    ],
)
def test_bad_observations_are_refused(make_listing, kwargs, message):
    listing = make_listing()
    before = PriceHistory.objects.count()
    with pytest.raises(ApplicationError, match=message):
        price_history_record_observed(listing=listing, **kwargs)
    assert PriceHistory.objects.count() == before


@pytest.mark.parametrize("price", [Decimal("0"), Decimal("-1")], ids=["zero_case", "negative_case"])
def test_a_price_must_be_above_zero(make_listing, price):
    listing = make_listing()
    with pytest.raises(ValidationError) as error:
        price_history_record_observed(listing=listing, kind="buy_box", price=price)
    assert "must be above 0" in str(error.value)


def test_our_price_cannot_be_empty(make_listing):
    listing = make_listing()
    with pytest.raises(ValidationError, match="Our own price cannot be empty"):
        price_history_record(listing=listing, price=None, force=True)


def test_recording_the_effective_prices_again_writes_nothing(make_listing):
    listing = make_listing()
    assert price_history_record_effective(listing_ids=[listing.pk], source="manual") == 0


def test_a_pull_records_the_remote_price_as_observed(make_sandbox_channel, make_listing, sandbox):
    # given a listing published to the sandbox at 20.00
    channel = make_sandbox_channel("shopify")
    listing = make_listing(channel=channel)
    listings_publish(channel=channel, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()

    # when the seller changes the price on the marketplace and a pull reads it, twice
    sandbox.edit_item("shopify", listing.external_id, price="24.00")
    for _ in range(2):
        channel_listings_pull(channel=channel)
        run_queue()

    # then one observed remote point, from the sync, and our own price is untouched
    remote = PriceHistory.objects.filter(listing=listing, kind=PriceKind.REMOTE)
    assert [(p.price, p.source) for p in remote] == [(Decimal("24.00"), "sync")]
    assert _ours(listing) == [(Decimal("20.00"), "manual")]


def test_accepting_the_marketplaces_price_records_source_sync(make_listing):
    from listings.services import listing_sync_state_set
    from syncing.services.pull import listing_remote_accept

    listing = make_listing()
    listing_sync_state_set(listing=listing, drift={"price": {"ours": "20.00", "remote": "26.00"}})
    listing_remote_accept(listing=listing)
    assert _ours(listing)[-1] == (Decimal("26.00"), "sync")

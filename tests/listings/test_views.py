"""Listing matrix/list/detail and their actions: services do the writes, refusals become messages."""

from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from listings.models import Listing
from syncing.models import SyncJob

pytestmark = pytest.mark.django_db


def test_matrix_shows_a_badge_per_channel_and_a_dash_when_not_listed(
    editor_client, make_listing, channel, make_channel
):
    other = make_channel("etsy", name="Etsy US")
    listing = make_listing(channel=channel)

    response = editor_client.get(reverse("listings:listing_matrix"), {"q": listing.product.sku, "show": "all"})

    rows = response.context["rows"]
    assert len(rows) == 1
    by_channel = dict(zip([c.pk for c in response.context["channels"]], rows[0]["cells"], strict=True))
    assert by_channel[channel.pk].pk == listing.pk
    assert by_channel[other.pk] is None
    assert reverse("listings:listing_detail", kwargs={"pk": listing.pk}) in response.content.decode()


def test_matrix_query_count_is_constant(editor_client, make_listing, channel, django_assert_max_num_queries):
    for _ in range(6):
        make_listing(channel=channel)
    editor_client.get(reverse("listings:listing_matrix"))
    with django_assert_max_num_queries(12):
        response = editor_client.get(reverse("listings:listing_matrix"))
    assert len(response.context["rows"]) == 6


def test_listing_list_filters_by_channel_and_status(viewer_client, make_listing, channel, make_channel):
    other = make_channel("lazada")
    wanted = make_listing(channel=channel)
    make_listing(channel=other)

    response = viewer_client.get(reverse("listings:listing_list"), {"channel": channel.pk, "status": "draft"})

    assert [listing.pk for listing in response.context["listings"]] == [wanted.pk]


def test_listing_list_query_count_does_not_grow(editor_client, make_listing, channel, django_assert_max_num_queries):
    for _ in range(5):
        make_listing(channel=channel)
    editor_client.get(reverse("listings:listing_list"))
    with django_assert_max_num_queries(10):
        response = editor_client.get(reverse("listings:listing_list"), {"sort": "-status"})
    assert len(response.context["listings"]) == 5


def test_listing_detail_explains_values_readiness_and_drift(viewer_client, make_listing, channel):
    listing = make_listing(channel=channel, map_category=False, price=Decimal("25.00"))
    Listing.objects.filter(pk=listing.pk).update(
        drift={"price": {"ours": "25.00", "last_pushed": "25.00", "remote": "23.00"}}
    )

    response = viewer_client.get(reverse("listings:listing_detail", kwargs={"pk": listing.pk}))

    body = response.content.decode()
    assert response.context["values"].price.value == Decimal("25.00")
    assert (
        "listing override" in response.context["values"].price.rule
        or "listing" in response.context["values"].price.rule
    )
    assert any(i.is_blocking and i.field == "category" for i in response.context["issues"])
    assert "Changed on the marketplace" in body
    assert "23.00" in body


def test_overrides_form_saves_through_the_service_and_shows_errors(editor_client, ready_listing, editor_user):
    url = reverse("listings:listing_overrides", kwargs={"pk": ready_listing.pk})

    bad = editor_client.post(url, {"title": "", "price": "0", "quantity": "-1"})
    assert bad.status_code == 400
    assert "price" in bad.context["form"].errors
    ready_listing.refresh_from_db()
    assert ready_listing.price is None

    good = editor_client.post(url, {"title": "Shop title", "price": "30.00", "quantity": ""})
    assert good.status_code == 302
    ready_listing.refresh_from_db()
    assert (ready_listing.title, ready_listing.price, ready_listing.updated_by) == (
        "Shop title",
        Decimal("30.00"),
        editor_user,
    )


def test_transition_refused_by_readiness_is_a_message_not_an_error(editor_client, make_listing, channel):
    listing = make_listing(channel=channel, map_category=False)
    response = editor_client.post(
        reverse("listings:listing_transition", kwargs={"pk": listing.pk}), {"to_status": "ready"}, follow=True
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert "category" in messages[0].lower()
    listing.refresh_from_db()
    assert listing.status == "draft"


def test_publish_button_starts_a_job_through_the_sync_service(editor_client, ready_listing, editor_user):
    with mock.patch("syncing.services.publish.push_chunks_enqueue") as enqueue:
        response = editor_client.post(reverse("listings:listing_publish", kwargs={"pk": ready_listing.pk}), follow=True)
    job = SyncJob.objects.get()
    assert (job.kind, job.listing_ids, job.created_by) == ("push", [ready_listing.pk], editor_user)
    enqueue.assert_called_once()
    assert f"job #{job.pk}" in str(list(response.context["messages"])[0])


def test_publish_on_a_paused_channel_is_refused_and_nothing_is_queued(editor_client, ready_listing, channel):
    channel.is_active = False
    channel.save(update_fields=["is_active"])
    with mock.patch("syncing.services.publish.push_chunks_enqueue") as enqueue:
        response = editor_client.post(reverse("listings:listing_publish", kwargs={"pk": ready_listing.pk}), follow=True)
    assert "paused" in str(list(response.context["messages"])[0])
    enqueue.assert_not_called()
    assert not SyncJob.objects.exists()


def test_bulk_transition_and_publish_from_the_list(editor_client, make_listing, channel):
    a, b = make_listing(channel=channel), make_listing(channel=channel)
    url = reverse("listings:listing_bulk")

    editor_client.post(url, {"action": "ready", "ids": [a.pk, b.pk]})
    assert set(Listing.objects.values_list("status", flat=True)) == {"ready"}

    with mock.patch("syncing.services.publish.push_chunks_enqueue"):
        editor_client.post(url, {"action": "publish", "ids": [a.pk, b.pk]})
    assert SyncJob.objects.get().listing_ids == sorted([a.pk, b.pk])


def test_accept_remote_takes_the_marketplace_values(editor_client, ready_listing):
    Listing.objects.filter(pk=ready_listing.pk).update(
        status="out_of_sync", drift={"price": {"ours": "20.00", "last_pushed": "20.00", "remote": "18.50"}}
    )
    editor_client.post(reverse("listings:listing_accept", kwargs={"pk": ready_listing.pk}))
    ready_listing.refresh_from_db()
    assert (ready_listing.price, ready_listing.status, ready_listing.drift) == (Decimal("18.50"), "live", {})


def test_product_list_bulk_assign_creates_draft_listings(editor_client, listable_product, channel, make_channel):
    other = make_channel("lazada")
    response = editor_client.post(
        reverse("catalog:product_bulk"),
        {"action": "assign", "ids": [listable_product.pk], "channels": [channel.pk, other.pk]},
        follow=True,
    )
    assert set(Listing.objects.values_list("channel_id", "status")) == {(channel.pk, "draft"), (other.pk, "draft")}
    assert "2 new listing(s)" in str(list(response.context["messages"])[0])


def test_product_list_bulk_assign_without_channels_says_so(editor_client, listable_product):
    response = editor_client.post(
        reverse("catalog:product_bulk"), {"action": "assign", "ids": [listable_product.pk]}, follow=True
    )
    assert "at least one channel" in str(list(response.context["messages"])[0])
    assert not Listing.objects.exists()


def test_product_detail_lists_listings_with_readiness(viewer_client, make_listing, channel):
    listing = make_listing(channel=channel, map_category=False)
    response = viewer_client.get(reverse("catalog:product_detail", kwargs={"pk": listing.product_id}))
    rows = response.context["listing_rows"]
    assert [r["listing"].pk for r in rows] == [listing.pk]
    assert any("categor" in issue.lower() for issue in rows[0]["issues"])


def test_product_list_filters_by_channel_and_listing_status(viewer_client, make_listing, channel, make_channel):
    other = make_channel("lazada")
    on_shopify = make_listing(channel=channel)
    on_lazada = make_listing(channel=other)
    Listing.objects.filter(pk=on_lazada.pk).update(status="error")
    url = reverse("catalog:product_list")

    by_channel = viewer_client.get(url, {"channel": channel.pk}).context["products"]
    by_status = viewer_client.get(url, {"listing_status": "error"}).context["products"]
    both = viewer_client.get(url, {"channel": channel.pk, "listing_status": "error"}).context["products"]

    assert [p.pk for p in by_channel] == [on_shopify.product_id]
    assert [p.pk for p in by_status] == [on_lazada.product_id]
    assert list(both) == []

"""Pages: "Changes not pushed" on the list, the matrix, the product and listing pages; the filter; pending."""

from decimal import Decimal

from django.urls import reverse

from catalog.services import product_update
from listings.models import Listing
from listings.selectors import listing_marketplace_payload_hash, listings_with_payload_inputs


def _live(listing):
    row = listings_with_payload_inputs(Listing.objects.filter(pk=listing.pk)).get()
    Listing.objects.filter(pk=listing.pk).update(
        status="live", external_id=f"EXT-{listing.pk}", last_pushed_hash=listing_marketplace_payload_hash(row)
    )
    return Listing.objects.get(pk=listing.pk)


def test_changes_not_pushed_shows_everywhere_and_filters(make_listing, channel, editor_client):
    changed, quiet = _live(make_listing(channel=channel)), _live(make_listing(channel=channel))
    product_update(product=changed.product, price=Decimal("27.00"))
    Listing.objects.filter(pk=changed.pk).update(pending={"price": "26.00"})

    page = editor_client.get(reverse("listings:listing_list")).content.decode()
    assert page.count("data-changes-not-pushed") == 1
    page = editor_client.get(reverse("listings:listing_list"), {"changed_since_push": "true"}).content.decode()
    assert changed.product.sku in page
    assert quiet.product.sku not in page
    assert "data-changes-not-pushed" in editor_client.get(reverse("listings:listing_matrix")).content.decode()
    product_page = editor_client.get(reverse("catalog:product_detail", kwargs={"pk": changed.product_id}))
    assert "Changes not pushed" in product_page.content.decode()

    detail = editor_client.get(reverse("listings:listing_detail", kwargs={"pk": changed.pk})).content.decode()
    assert "Changes not pushed" in detail
    assert "publish-changes-button" in detail
    assert "not confirmed yet" in detail  # the pending values (templates/listings/_remote.html)
    assert "26.00" in detail
    quiet_page = editor_client.get(reverse("listings:listing_detail", kwargs={"pk": quiet.pk})).content.decode()
    assert "data-changes-not-pushed" not in quiet_page


def test_publish_changes_of_every_matching_listing_and_of_one(make_listing, channel, editor_client):
    from syncing.models import SyncJob

    listings = [_live(make_listing(channel=channel)) for _ in range(2)]
    for listing in listings:
        product_update(product=listing.product, title=f"{listing.product.title} v2")
    response = editor_client.post(
        reverse("listings:listing_publish_changes"), {"filters": "changed_since_push=true", "next": "/listings/"}
    )
    assert response.status_code == 302
    job = SyncJob.objects.get()
    assert sorted(job.listing_ids) == sorted(lst.pk for lst in listings)
    SyncJob.objects.all().delete()
    response = editor_client.post(reverse("listings:listing_publish_changes_one", kwargs={"pk": listings[0].pk}))
    assert response.status_code == 302
    assert SyncJob.objects.get().listing_ids == [listings[0].pk]

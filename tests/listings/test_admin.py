import pytest
from django.urls import reverse

from catalog.services import product_archive
from listings.models import Listing
from syncing.models import SyncJob

pytestmark = pytest.mark.django_db


def test_changelist_shows_readiness_and_filters(
    staff_client, make_listing, make_channel, django_assert_max_num_queries
):
    # given
    shopify, etsy = make_channel("shopify"), make_channel("etsy")
    ready = make_listing(channel=shopify)
    blocked = make_listing(channel=etsy, map_category=False)
    url = reverse("admin:listings_listing_changelist")
    # when (the column shows the stored verdict: the query count does not grow with rows)
    with django_assert_max_num_queries(20):
        page = staff_client.get(url).content.decode()
    for _ in range(5):
        make_listing(channel=etsy, map_category=False)
    with django_assert_max_num_queries(20):
        staff_client.get(url)
    # then
    assert "✓ ready" in page
    assert "✗ 1 blocking" in page
    assert "has no mapped Etsy category on" in page
    blocked_only = staff_client.get(url, {"readiness": "blocked"}).content.decode()
    assert blocked.product.sku in blocked_only
    assert ready.product.sku not in blocked_only
    Listing.objects.filter(pk=ready.pk).update(readiness_checked_at=None)
    assert "not checked yet" in staff_client.get(url, {"readiness": "unchecked"}).content.decode()
    only_etsy = staff_client.get(url, {"channel__id__exact": etsy.pk}).content.decode()
    assert blocked.product.sku in only_etsy
    assert ready.product.sku not in only_etsy
    assert "0 listings" in staff_client.get(url, {"status__exact": "live"}).content.decode()


def test_change_page_shows_issues_and_effective_values(staff_client, make_listing):
    listing = make_listing(map_category=False, price="12.00")
    html = staff_client.get(reverse("admin:listings_listing_change", args=[listing.pk])).content.decode()
    assert "<strong>blocking</strong> (category_not_mapped)" in html
    assert "listing override" in html
    assert "12.00" in html


def test_publish_action_starts_a_job_instead_of_setting_queued_by_hand(staff_client, make_listing, ready_listing):
    # Given a ready and a blocked listing; when the admin's publish action runs on both
    blocked = make_listing(map_category=False)
    response = staff_client.post(
        reverse("admin:listings_listing_changelist"),
        {"action": "queue_for_publishing", "_selected_action": [blocked.pk, ready_listing.pk]},
        follow=True,
    )
    # Then one publish job covers them (the engine refuses the blocked one with its readiness reason) and no
    # status was set by hand
    jobs = list(SyncJob.objects.order_by("pk"))
    assert jobs
    assert f"Shopify US: publishing as job #{jobs[0].pk}." in response.content.decode()
    assert ready_listing.pk in jobs[0].listing_ids
    assert Listing.objects.get(pk=blocked.pk).status == "draft"


def test_illegal_action_reports_the_table(staff_client, ready_listing):
    response = staff_client.post(
        reverse("admin:listings_listing_changelist"),
        {"action": "pause", "_selected_action": [ready_listing.pk]},
        follow=True,
    )
    assert "1 listing(s) moved to Paused." in response.content.decode()
    response = staff_client.post(
        reverse("admin:listings_listing_changelist"),
        {"action": "mark_ready", "_selected_action": [ready_listing.pk]},
        follow=True,
    )
    assert Listing.objects.get(pk=ready_listing.pk).status == "ready"
    response = staff_client.post(
        reverse("admin:listings_listing_changelist"),
        {"action": "queue_for_publishing", "_selected_action": [ready_listing.pk]},
        follow=True,
    )
    Listing.objects.filter(pk=ready_listing.pk).update(status="delisted")
    response = staff_client.post(
        reverse("admin:listings_listing_changelist"),
        {"action": "pause", "_selected_action": [ready_listing.pk]},
        follow=True,
    )
    assert "A listing cannot go from Delisted to Paused" in response.content.decode()


def test_add_listing_through_admin(staff_client, listable_product, channel, admin_user):
    response = staff_client.post(
        reverse("admin:listings_listing_add"),
        {"product": listable_product.pk, "channel": channel.pk, "price": "15.00", "title": ""},
    )
    assert response.status_code == 302
    listing = Listing.objects.get()
    assert (listing.price, listing.title, listing.created_by) == (15, None, admin_user)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("duplicate", "This product is already listed on this channel."),
        ("archived", "is archived; restore it before listing it."),
        ("price", "Ensure this value is greater than or equal to 0.01."),
    ],
    ids=["duplicate_case", "archived_case", "price_case"],
)
def test_add_listing_bad_input(staff_client, listable_product, channel, case, message):
    data = {"product": listable_product.pk, "channel": channel.pk}
    if case == "duplicate":
        Listing.objects.create(product=listable_product, channel=channel)
    elif case == "archived":
        product_archive(product=listable_product)
    else:
        data["price"] = "0"
    before = Listing.objects.count()
    response = staff_client.post(reverse("admin:listings_listing_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Listing.objects.count() == before


def test_change_listing_overrides_through_admin(staff_client, ready_listing, admin_user):
    url = reverse("admin:listings_listing_change", args=[ready_listing.pk])
    response = staff_client.post(url, {"title": "Admin title", "quantity": "4"})
    assert response.status_code == 302
    ready_listing.refresh_from_db()
    assert (ready_listing.title, ready_listing.quantity, ready_listing.updated_by) == ("Admin title", 4, admin_user)

"""Changesets of bulk assign and bulk publish (docs/catalog.md#undoing-publishes-and-assignments): an assign's undo
deletes the drafts it created, a publish's undo delists what it put on the marketplaces, each only after a
confirmation step that says what will happen."""

import pytest
from django_q.models import OrmQ

from accounts.models import AuditEntry
from channels.models import Channel
from common.errors import ApplicationError
from listings.choices import ChangesetKind, ChangesetStatus, ListingStatus
from listings.models import Changeset, ChangesetListing, Listing
from listings.services import changeset_assign_undo, changeset_undo, listings_bulk_assign
from syncing.choices import SyncJobKind
from syncing.models import SyncJob
from syncing.services import changeset_publish_undo, changeset_revert, listings_publish_grouped
from tests.syncing.engine.conftest import run_queue

pytestmark = pytest.mark.django_db


def _recorded(changeset):
    return sorted(ChangesetListing.objects.filter(changeset=changeset).values_list("listing_id", "previous_status"))


def _on_marketplace(listing, status=ListingStatus.LIVE, external_id=None):
    Listing.objects.filter(pk=listing.pk).update(status=status, external_id=external_id or f"EXT-{listing.pk}")


# --- bulk assign ---


def test_assign_opens_one_changeset_of_the_listings_it_created(make_channel, make_listable_product, admin_user):
    alpha, beta = make_channel("shopify", name="Alpha"), make_channel("etsy", name="Beta")
    first, second = make_listable_product(), make_listable_product()
    existing = Listing.objects.create(product=first, channel=alpha)

    counts = listings_bulk_assign(products=[first.pk, second.pk], channels=[alpha, beta], user=admin_user)

    changeset = Changeset.objects.get(pk=counts["changeset"])
    assert (changeset.kind, changeset.description, changeset.created_by) == (
        ChangesetKind.BULK_ASSIGN,
        "Assign to Alpha, Beta",
        admin_user,
    )
    created = sorted(Listing.objects.exclude(pk=existing.pk).values_list("pk", flat=True))
    assert (counts["created"], counts["skipped_existing"]) == (3, 1)
    assert _recorded(changeset) == [(pk, "") for pk in created]
    again = listings_bulk_assign(products=[first.pk, second.pk], channels=[alpha, beta], user=admin_user)
    assert (again["created"], again["changeset"]) == (0, 0)
    assert Changeset.objects.count() == 1


def test_assign_undo_needs_confirmation_then_deletes_its_drafts_and_names_what_it_leaves(
    make_channel, make_listable_product, admin_user
):
    shop = make_channel("shopify", name="Shop")
    products = [make_listable_product() for _ in range(3)]
    counts = listings_bulk_assign(products=products, channels=[shop], user=admin_user)
    changeset = Changeset.objects.get(pk=counts["changeset"])
    published = Listing.objects.get(product=products[0])
    _on_marketplace(published)

    with pytest.raises(ApplicationError) as refused:
        changeset_assign_undo(changeset=changeset, user=admin_user)
    assert refused.value.extra["code"] == "confirmation_required"
    assert refused.value.message == (
        f"Confirm the undo of changeset #{changeset.pk}: Undo deletes 2 draft listing(s) this bulk assign created "
        "(none is on a marketplace); 1 left as they are (named)."
    )
    assert Listing.objects.count() == 3

    report = changeset_revert(changeset=changeset, user=admin_user, confirm=True)

    assert report.restored == 2
    assert report.conflicts == [f"{products[0].sku} on Shop: published since (Live); delist it first"]
    assert list(Listing.objects.values_list("pk", flat=True)) == [published.pk]
    assert all(p.__class__.objects.filter(pk=p.pk).exists() for p in products)  # the products stay
    changeset.refresh_from_db()
    assert (changeset.status, changeset.undo_report["restored"], changeset.undone_by) == (
        ChangesetStatus.UNDONE,
        2,
        admin_user,
    )
    with pytest.raises(ApplicationError, match="already undone"):
        changeset_revert(changeset=changeset, user=admin_user, confirm=True)


def test_content_undo_refuses_bulk_publish_and_assign_changesets(make_channel, make_listable_product):
    counts = listings_bulk_assign(products=[make_listable_product()], channels=[make_channel("shopify")])
    changeset = Changeset.objects.get(pk=counts["changeset"])
    with pytest.raises(ApplicationError, match="has its own confirmation step") as refused:
        changeset_undo(changeset=changeset)
    assert refused.value.extra["code"] == "confirmation_required"
    assert Listing.objects.count() == 1
    with pytest.raises(ApplicationError, match="is a bulk assign, not a bulk publish"):
        changeset_publish_undo(changeset=changeset, confirm=True)


# --- bulk publish ---


def _publish(listings, user):
    results = listings_publish_grouped(listings=listings, user=user)
    assert all(r.job is not None for r in results), [r.error for r in results]
    return Changeset.objects.get(kind=ChangesetKind.BULK_PUBLISH)


def test_publish_records_each_listing_with_its_status_when_the_marketplace_held_it(
    make_channel, make_listing, admin_user
):
    shop = make_channel("shopify", name="Shop")
    draft, live = make_listing(channel=shop), make_listing(channel=shop)
    _on_marketplace(live)
    listings = list(Listing.objects.filter(pk__in=[draft.pk, live.pk]).select_related("channel"))

    changeset = _publish(listings, admin_user)

    assert changeset.description == "Publish of 2 listing(s) on Shop"
    assert _recorded(changeset) == [(draft.pk, ""), (live.pk, ListingStatus.LIVE)]


def test_publish_changeset_is_not_opened_when_every_channel_refuses(make_channel, make_listing):
    shop = make_channel("shopify", name="Shop")
    listing = make_listing(channel=shop)
    Channel.objects.filter(pk=shop.pk).update(is_active=False)
    results = listings_publish_grouped(listings=list(Listing.objects.select_related("channel")))
    assert results[0].error is not None
    assert not Changeset.objects.exists()
    assert Listing.objects.get(pk=listing.pk).status == listing.status


def test_publish_undo_waits_for_its_jobs_then_delists_only_what_it_put_there(make_channel, make_listing, admin_user):
    alpha, beta = make_channel("shopify", name="Alpha"), make_channel("etsy", name="Beta")
    new_a, new_b, was_live, failed = (
        make_listing(channel=alpha),
        make_listing(channel=beta),
        make_listing(channel=alpha),
        make_listing(channel=alpha),
    )
    _on_marketplace(was_live)
    changeset = _publish(list(Listing.objects.select_related("channel")), admin_user)
    # while its listings are still queued, the undo is refused, naming them
    Listing.objects.filter(pk=new_a.pk).update(status=ListingStatus.QUEUED)
    with pytest.raises(ApplicationError, match="cannot be undone yet") as in_flight:
        changeset_revert(changeset=changeset, user=admin_user, confirm=True)
    assert in_flight.value.extra["code"] == "in_flight"
    assert f"{new_a.product.sku} on Alpha: still being published (Queued)" in in_flight.value.message
    # once the jobs ended: two went live, one failed
    _on_marketplace(new_a)
    _on_marketplace(new_b)
    Listing.objects.filter(pk=failed.pk).update(status=ListingStatus.ERROR, external_id="")
    before_jobs = set(SyncJob.objects.values_list("pk", flat=True))

    with pytest.raises(ApplicationError) as unconfirmed:
        changeset_revert(changeset=changeset, user=admin_user)
    assert unconfirmed.value.extra["will"] == (
        "Undo delists 2 listing(s) this bulk publish put on their marketplaces; 2 left as they are (named)."
    )
    assert set(SyncJob.objects.values_list("pk", flat=True)) == before_jobs

    report = changeset_revert(changeset=changeset, user=admin_user, confirm=True)

    jobs = SyncJob.objects.exclude(pk__in=before_jobs).order_by("channel__name")
    assert [(j.channel_id, j.kind, j.listing_ids) for j in jobs] == [
        (alpha.pk, SyncJobKind.DEACTIVATE, [new_a.pk]),
        (beta.pk, SyncJobKind.DEACTIVATE, [new_b.pk]),
    ]
    assert (report.restored, report.jobs) == (2, [j.pk for j in jobs])
    assert sorted(report.conflicts) == sorted(
        [
            f"{was_live.product.sku} on Alpha: was on the marketplace before this publish; left Live",
            f"{failed.product.sku} on Alpha: not on the marketplace (Error); nothing to delist",
        ]
    )
    assert Changeset.objects.get(pk=changeset.pk).undo_report["jobs"] == report.jobs


def test_publish_undo_names_a_paused_channel_and_delists_on_the_others(make_channel, make_listing, admin_user):
    alpha, beta = make_channel("shopify", name="Alpha"), make_channel("etsy", name="Beta")
    on_alpha, on_beta = make_listing(channel=alpha), make_listing(channel=beta)
    changeset = _publish(list(Listing.objects.select_related("channel")), admin_user)
    _on_marketplace(on_alpha)
    _on_marketplace(on_beta)
    Channel.objects.filter(pk=alpha.pk).update(is_active=False)

    report = changeset_revert(changeset=changeset, user=admin_user, confirm=True)

    assert report.restored == 1
    assert report.conflicts == ["Alpha: Channel Alpha is paused; reconnect or activate it first."]
    assert list(SyncJob.objects.filter(kind=SyncJobKind.DEACTIVATE).values_list("channel_id", flat=True)) == [beta.pk]


# --- over the socket: the sandbox's Shopify ---


def test_undo_of_a_publish_delists_it_on_the_sandbox(make_sandbox_channel, make_listing, sandbox, admin_user):
    shop = make_sandbox_channel("shopify", name="Sandbox shop")
    listing = make_listing(channel=shop)
    changeset = _publish([listing], admin_user)
    run_queue()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE
    assert sandbox.items("shopify")[0]["status"] == "ACTIVE"

    changeset_revert(changeset=changeset, user=admin_user, confirm=True)
    run_queue()

    listing.refresh_from_db()
    assert listing.status == ListingStatus.DELISTED
    assert sandbox.items("shopify")[0]["status"] != "ACTIVE"
    assert not OrmQ.objects.exists()


# --- API ---


def test_api_undo_asks_for_confirmation_then_undoes(api, make_channel, make_listable_product, admin_user):
    counts = listings_bulk_assign(products=[make_listable_product()], channels=[make_channel("shopify", name="S")])
    url = f"/api/v1/changesets/{counts['changeset']}/undo/"

    unconfirmed = api.post(url, {}, format="json")
    assert unconfirmed.status_code == 409
    assert unconfirmed.json()["code"] == "confirmation_required"
    assert (
        unconfirmed.json()["will"]
        == "Undo deletes 1 draft listing(s) this bulk assign created (none is on a marketplace)."
    )
    bad = api.post(url, {"confirm": "perhaps"}, format="json")
    assert bad.status_code == 400
    assert "Must be a valid boolean" in str(bad.json())
    assert Listing.objects.count() == 1

    done = api.post(url, {"confirm": True}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json() == {"queued": False, "restored": 1, "conflicts": [], "skipped": []}
    assert not Listing.objects.exists()
    again = api.post(url, {"confirm": True}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_undone")
    assert api.post("/api/v1/changesets/999999/undo/", {"confirm": True}, format="json").status_code == 404


def test_api_assign_answers_its_changeset(api, make_channel, make_listable_product):
    product, shop = make_listable_product(), make_channel("shopify")
    body = api.post("/api/v1/listings/assign/", {"products": [product.pk], "channels": [shop.pk]}, format="json")
    assert body.status_code == 200, body.json()
    assert body.json()["changeset"] == Changeset.objects.get(kind=ChangesetKind.BULK_ASSIGN).pk


# --- pages ---


def test_confirmation_page_says_what_will_happen_and_the_undo_needs_its_button(
    editor_client, viewer_client, make_channel, make_listable_product
):
    shop = make_channel("shopify", name="Shop")
    kept, dropped = make_listable_product(), make_listable_product()
    counts = listings_bulk_assign(products=[kept, dropped], channels=[shop])
    _on_marketplace(Listing.objects.get(product=kept))
    url = f"/listings/changesets/{counts['changeset']}/undo/"

    listing_page = editor_client.get("/listings/changesets/").content.decode()
    assert f'href="{url}" class="undo-review"' in listing_page
    page = editor_client.get(url).content.decode()
    assert "Undo deletes 1 draft listing(s) this bulk assign created" in page
    assert f"<li>{dropped.sku} on Shop</li>" in page
    assert f"{kept.sku} on Shop: published since (Live); delist it first" in page
    assert "Delete 1 draft listing(s)" in page

    without = editor_client.post(url, {}, follow=True)
    assert without.redirect_chain[-1][0] == url
    assert "Confirm the undo of changeset" in without.content.decode()
    assert Listing.objects.count() == 2
    assert viewer_client.post(url, {"confirm": "yes"}).status_code == 403
    assert Listing.objects.count() == 2

    done = editor_client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    assert f"Changeset #{counts['changeset']} undone: 1 draft listing(s) deleted." in done
    assert list(Listing.objects.values_list("product_id", flat=True)) == [kept.pk]
    assert editor_client.get(url).status_code == 302  # undone: nothing to confirm any more


# --- volume ---


@pytest.mark.slow
def test_undo_of_a_10k_listing_assign_deletes_them_in_a_bounded_number_of_queries(make_channel, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from listings.services.bulk_undo import DELETE_CHUNK
    from tests.fixtures.channels import bulk_products

    shop = make_channel("shopify", name="Shop")
    products = bulk_products(10_000, prefix="UNDO")
    counts = listings_bulk_assign(products=products, channels=[shop], user=admin_user)
    assert counts["created"] == 10_000
    changeset = Changeset.objects.get(pk=counts["changeset"])
    assert ChangesetListing.objects.filter(changeset=changeset).count() == 10_000
    kept = Listing.objects.order_by("pk").first()
    _on_marketplace(kept)  # one published since: left and named

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        report = changeset_revert(changeset=changeset, user=admin_user, confirm=True)

    assert report.restored == 9_999
    assert report.conflicts == [f"{kept.product.sku} on Shop: published since (Live); delist it first"]
    assert list(Listing.objects.values_list("pk", flat=True)) == [kept.pk]
    assert products.count() == 10_000
    chunks = -(-9_999 // DELETE_CHUNK)
    # per chunk: the listings read, one audit executemany, and the delete's one statement per related table
    # (about 27 today); never one per listing (that was 3 a listing: 30,000)
    assert len(captured) <= 35 * chunks + 20, f"{len(captured)} queries for {chunks} chunks"
    assert AuditEntry.objects.filter(action="delete", content_type__model="listing").count() == 9_999
    assert Changeset.objects.get(pk=changeset.pk).status == ChangesetStatus.UNDONE


# --- who may undo ---


def test_a_user_limited_to_one_channel_may_not_undo_a_changeset_of_another(
    make_channel, make_listable_product, admin_user, editor_user, editor_client
):
    from django.core.exceptions import PermissionDenied
    from django.urls import reverse

    from accounts.models import UserProfile

    # given an assign to two channels, and an editor limited to the first
    mine, theirs = make_channel("shopify", name="Mine"), make_channel("etsy", name="Theirs")
    counts = listings_bulk_assign(products=[make_listable_product()], channels=[mine, theirs], user=admin_user)
    changeset = Changeset.objects.get(pk=counts["changeset"])
    UserProfile.objects.update_or_create(user=editor_user, defaults={"allowed_channel_ids": [mine.pk]})

    # when the editor confirms its undo: refused, naming the other channel, and nothing is deleted
    with pytest.raises(PermissionDenied, match="Theirs"):
        changeset_revert(changeset=changeset, user=editor_user, confirm=True)
    response = editor_client.post(reverse("listings:changeset_undo", args=[changeset.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    assert "may not act on: Theirs" in [str(m) for m in response.wsgi_request._messages][0]
    assert Listing.objects.count() == 2
    changeset.refresh_from_db()
    assert changeset.status == ChangesetStatus.APPLIED

    # and someone allowed on both channels undoes it
    changeset_revert(changeset=changeset, user=admin_user, confirm=True)
    assert Listing.objects.count() == 0

import pytest

from common.errors import ApplicationError
from listings.choices import ListingStatus
from listings.models import Listing
from listings.state import ALLOWED_TRANSITIONS, listing_transition

pytestmark = pytest.mark.django_db

LEGAL = [(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in sorted(targets)]
ILLEGAL = [
    (a, b) for a in ListingStatus.values for b in ListingStatus.values if a != b and b not in ALLOWED_TRANSITIONS[a]
]


def _in_status(listing, status):
    Listing.objects.filter(pk=listing.pk).update(status=status)
    listing.status = status
    return listing


def test_table_covers_every_status():
    assert set(ALLOWED_TRANSITIONS) == set(ListingStatus.values)
    assert all(targets <= set(ListingStatus.values) for targets in ALLOWED_TRANSITIONS.values())


def test_the_documented_happy_path_is_legal():
    path = ["draft", "ready", "queued", "publishing", "in_review", "live"]
    assert all(b in ALLOWED_TRANSITIONS[a] for a, b in zip(path, path[1:], strict=False))


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL, ids=[f"{a}_to_{b}_case" for a, b in LEGAL])
def test_every_legal_transition(ready_listing, admin_user, from_status, to_status):
    # given
    listing = _in_status(ready_listing, from_status)
    # when
    result = listing_transition(listing=listing, to_status=to_status, user=admin_user, reason="test move")
    # then
    stored = Listing.objects.get(pk=listing.pk)
    assert result.status == stored.status == to_status
    assert stored.status_reason == "test move"
    assert stored.status_changed_at is not None
    assert stored.updated_by == admin_user


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL, ids=[f"{a}_to_{b}_case" for a, b in ILLEGAL])
def test_every_illegal_transition_is_refused(ready_listing, from_status, to_status):
    # given
    listing = _in_status(ready_listing, from_status)
    # when
    with pytest.raises(ApplicationError) as exc:
        listing_transition(listing=listing, to_status=to_status)
    # then
    from_label, to_label = ListingStatus(from_status).label, ListingStatus(to_status).label
    assert exc.value.message.startswith(f"A listing cannot go from {from_label} to {to_label}; ")
    assert exc.value.extra["code"] == "illegal_transition"
    assert Listing.objects.get(pk=listing.pk).status == from_status


def test_illegal_message_lists_what_is_allowed(ready_listing):
    listing = _in_status(ready_listing, "delisted")
    with pytest.raises(ApplicationError) as exc:
        listing_transition(listing=listing, to_status="live")
    assert exc.value.message == (
        "A listing cannot go from Delisted to Live; from Delisted it can go to: Draft, Queued, Ready."
    )


def test_unknown_status_is_refused(ready_listing):
    with pytest.raises(ApplicationError, match="Unknown listing status 'published'"):
        listing_transition(listing=ready_listing, to_status="published")
    assert Listing.objects.get(pk=ready_listing.pk).status == "draft"


def test_same_status_is_a_no_op(ready_listing):
    before = Listing.objects.get(pk=ready_listing.pk).updated_at
    result = listing_transition(listing=ready_listing, to_status="draft")
    assert result.status == "draft"
    assert Listing.objects.get(pk=ready_listing.pk).updated_at == before


def test_stale_instance_uses_the_stored_status(ready_listing):
    # given: another worker moved the listing to live; our copy still says draft
    Listing.objects.filter(pk=ready_listing.pk).update(status="live")
    # when / then: draft -> publishing would be refused but live -> paused is legal
    result = listing_transition(listing=ready_listing, to_status="paused")
    assert result.status == "paused"


@pytest.mark.parametrize("to_status", ["ready", "queued"], ids=["ready_case", "queued_case"])
def test_queueing_with_blocking_issues_is_refused_with_reasons(make_listing, to_status):
    # given: the category is not mapped on the channel
    listing = make_listing(map_category=False)
    # when
    with pytest.raises(ApplicationError) as exc:
        listing_transition(listing=listing, to_status=to_status)
    # then
    assert exc.value.extra["code"] == "not_ready"
    assert [issue["code"] for issue in exc.value.extra["issues"]] == ["category_not_mapped"]
    assert "has no mapped Shopify category on" in exc.value.message
    assert Listing.objects.get(pk=listing.pk).status == "draft"


def test_requeue_of_a_live_listing_checks_readiness_again(ready_listing):
    listing = _in_status(ready_listing, "live")
    listing.product.status = "archived"
    listing.product.save()
    with pytest.raises(ApplicationError, match="is archived"):
        listing_transition(listing=listing, to_status="queued")
    assert Listing.objects.get(pk=listing.pk).status == "live"
    # but it may still be taken down
    assert listing_transition(listing=listing, to_status="delisted").status == "delisted"

"""The listing page's status changer (docs/pages.md#status-changer): only the moves a person may make are
choosable, every other move the state machine allows is shown off with its reason, nothing is preselected."""

import re

import pytest
from django.urls import reverse

from listings.choices import ListingStatus
from listings.models import Listing
from listings.readiness import listing_readiness
from listings.state import MoveOption, manual_move_options

pytestmark = pytest.mark.django_db

S = ListingStatus


def _changer(html: str) -> str:
    match = re.search(r'<select name="to_status" id="id_to_status"[^>]*>(.*?)</select>', html, re.S)
    assert match is not None
    return match.group(1)


def _refusals(html: str) -> dict[str, str]:
    items = re.findall(r'<li data-status="([a-z_]+)"><strong>[^<]*</strong> ([^<]*)</li>', html)
    return dict(items)


def test_a_blocked_draft_offers_pause_and_delist_and_says_why_ready_is_off(make_listing):
    # given a draft whose category is not mapped on the channel (a blocking readiness issue)
    listing = make_listing(map_category=False)
    # when the changer's options are worked out
    options = manual_move_options(listing)
    # then Paused and Delisted are choosable; Ready is blocked by readiness, Queued only the engine sets
    assert [(o.status, bool(o.refusal)) for o in options] == [
        (S.DELISTED, False),
        (S.PAUSED, False),
        (S.QUEUED, True),
        (S.READY, True),
    ]
    ready = next(o for o in options if o.status == S.READY)
    assert ready.refusal.startswith("Blocked until it can be published: ")
    assert "mapped" in ready.refusal
    queued = next(o for o in options if o.status == S.QUEUED)
    assert (
        queued.refusal
        == "Queued is set only by the sync engine from the marketplace's answer; Publish the listing instead."
    )


def test_a_ready_draft_may_be_marked_ready(make_listing):
    listing = make_listing()  # category mapped: nothing blocks
    options = {o.status: o for o in manual_move_options(listing)}
    assert options[S.READY] == MoveOption(S.READY, "Ready", "")


def test_the_page_preselects_nothing_and_lists_each_refusal(staff_client, make_listing):
    # given a blocked draft
    listing = make_listing(map_category=False)
    # when its page is opened
    html = staff_client.get(reverse("listings:listing_detail", args=[listing.pk])).content.decode()
    # then the first, selected option is the empty prompt; disabled options carry no value to send
    select = _changer(html)
    options = re.findall(r"<option[^>]*>[^<]*</option>", select)
    assert options[0] == '<option value="" selected>Choose a status…</option>'
    assert [o for o in options if "selected" in o] == [options[0]]
    assert '<option value="delisted">Delisted</option>' in options
    assert '<option value="paused">Paused</option>' in options
    assert '<option disabled data-status="ready">Ready (not available)</option>' in options
    assert 'value="ready"' not in select
    assert 'value="queued"' not in select
    refusals = _refusals(html)
    assert sorted(refusals) == ["queued", "ready"]
    assert refusals["ready"].startswith("Blocked until it can be published: ")


def test_a_live_listing_offers_no_move_by_hand_and_names_each_reason(staff_client, make_listing):
    # given a listing the marketplace holds
    listing = make_listing()
    Listing.objects.filter(pk=listing.pk).update(status=S.LIVE, external_id="gid://shop/1")
    # when its page is opened
    html = staff_client.get(reverse("listings:listing_detail", args=[listing.pk])).content.decode()
    # then no status can be sent, and the reasons point at the marketplace actions
    assert re.findall(r'<option value="([a-z_]+)"', _changer(html)) == []
    refusals = _refusals(html)
    assert sorted(refusals) == sorted(
        [S.QUEUED, S.IN_REVIEW, S.OUT_OF_SYNC, S.PAUSED, S.DELISTED, S.ERROR, S.SUPPRESSED]
    )
    assert "Use &quot;Pause on marketplace&quot; instead." in refusals["paused"]
    assert "Use &quot;Deactivate on marketplace&quot; instead." in refusals["delisted"]


def test_sending_no_status_changes_nothing(staff_client, make_listing):
    listing = make_listing()
    url = reverse("listings:listing_transition", args=[listing.pk])
    response = staff_client.post(url, {"to_status": "", "reason": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Choose the status to move the listing to."]
    listing.refresh_from_db()
    assert listing.status == S.DRAFT


def test_a_refused_move_sent_anyway_changes_nothing(staff_client, make_listing):
    # given a blocked draft, and a hand-made POST of the disabled Ready
    listing = make_listing(map_category=False)
    url = reverse("listings:listing_transition", args=[listing.pk])
    response = staff_client.post(url, {"to_status": "ready"}, follow=True)
    # then the state machine refuses it with its reason, and the status stays
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert messages[0].startswith("This listing cannot be ready yet: ")
    listing.refresh_from_db()
    assert listing.status == S.DRAFT


def test_an_allowed_move_is_made(staff_client, make_listing):
    listing = make_listing(map_category=False)
    url = reverse("listings:listing_transition", args=[listing.pk])
    response = staff_client.post(url, {"to_status": "paused", "reason": "season over"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Listing moved to Paused."]
    listing.refresh_from_db()
    assert (listing.status, listing.status_reason) == (S.PAUSED, "season over")


# --- The same changer on the product page, one per listing ---


def _product_changer(html: str, listing_pk: int) -> str:
    match = re.search(rf'<select name="to_status" id="id_to_status-{listing_pk}"[^>]*>(.*?)</select>', html, re.S)
    assert match is not None
    return match.group(1)


def test_the_product_page_has_each_listings_changer_with_its_own_moves(
    editor_client, make_listing, make_channel, make_listable_product
):
    # given a product with a blocked draft on one channel and a live listing on another
    product = make_listable_product()
    draft = make_listing(product=product, channel=make_channel("shopify", name="Shop A"), map_category=False)
    live = make_listing(product=product, channel=make_channel("etsy", name="Shop B"))
    Listing.objects.filter(pk=live.pk).update(status=S.LIVE, external_id="gid://shop/9")
    # when the product page is opened
    html = editor_client.get(reverse("catalog:product_detail", args=[product.pk])).content.decode()
    # then each listing has its own changer, posting to its own transition URL and coming back here
    assert html.count('class="inline-form status-changer"') == 2
    assert reverse("listings:listing_transition", args=[draft.pk]) in html
    assert f'<input type="hidden" name="next" value="/catalog/products/{product.pk}/#listings">' in html
    draft_select = _product_changer(html, draft.pk)
    assert re.findall(r'<option value="([a-z_]+)"', draft_select) == ["delisted", "paused"]
    assert '<option disabled data-status="ready">Ready (not available)</option>' in draft_select
    # the live one offers no move by hand, and its refusals are listed under its own form
    assert re.findall(r'<option value="([a-z_]+)"', _product_changer(html, live.pk)) == []
    refusals = re.search(rf'<ul class="status-refusals" id="status-refusals-{live.pk}">(.*?)</ul>', html, re.S)
    assert refusals is not None
    assert "Use &quot;Pause on marketplace&quot; instead." in refusals.group(1)


def test_a_viewer_sees_no_changer_on_the_product_page(viewer_client, make_listing):
    listing = make_listing(map_category=False)
    html = viewer_client.get(reverse("catalog:product_detail", args=[listing.product_id])).content.decode()
    assert "status-changer" not in html


def test_a_move_from_the_product_page_returns_there(editor_client, make_listing):
    listing = make_listing(map_category=False)
    url = reverse("listings:listing_transition", args=[listing.pk])
    back = reverse("catalog:product_detail", args=[listing.product_id]) + "#listings"
    response = editor_client.post(url, {"to_status": "paused", "reason": "", "next": back})
    assert response.status_code == 302
    assert response.url == back
    listing.refresh_from_db()
    assert listing.status == S.PAUSED


def test_a_refused_move_from_the_product_page_returns_there_with_the_reason(editor_client, make_listing):
    listing = make_listing(map_category=False)
    url = reverse("listings:listing_transition", args=[listing.pk])
    back = reverse("catalog:product_detail", args=[listing.product_id]) + "#listings"
    response = editor_client.post(url, {"to_status": "ready", "next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("This listing cannot be ready yet: ")
    listing.refresh_from_db()
    assert listing.status == S.DRAFT


def test_the_changer_costs_no_query_once_readiness_is_known(make_listing, django_assert_num_queries):
    # the product page passes the blocking issues it has already worked out for its readiness column
    listing = Listing.objects.select_related("product", "channel").get(pk=make_listing(map_category=False).pk)
    blocking = [issue for issue in listing_readiness(listing) if issue.is_blocking]
    with django_assert_num_queries(0):
        options = manual_move_options(listing, blocking)
    assert [o.status for o in options if not o.refusal] == [S.DELISTED, S.PAUSED]

"""listings_publish_grouped (one job per channel) and listings_bulk_transition (a selection's status moves)."""

import pytest
from django_q.models import OrmQ

from accounts.roles import CHANNEL_MANAGER
from accounts.services import user_channels_restrict
from channels.models import Channel
from common.errors import ApplicationError
from listings.choices import ListingStatus
from listings.models import Listing
from listings.services import listings_bulk_transition
from syncing.models import SyncJob
from syncing.services import listings_publish_grouped

pytestmark = pytest.mark.django_db


def test_publish_grouped_starts_one_job_per_channel_in_name_order(make_channel, make_listing):
    # given listings on two channels
    zeta, alpha = make_channel("shopify", name="Zeta"), make_channel("etsy", name="Alpha")
    on_zeta = [make_listing(channel=zeta), make_listing(channel=zeta)]
    on_alpha = make_listing(channel=alpha)
    # when
    results = listings_publish_grouped(listings=[*on_zeta, on_alpha])
    # then
    assert [(r.channel, r.listing_ids, r.error) for r in results] == [
        (alpha, [on_alpha.pk], None),
        (zeta, [on_zeta[0].pk, on_zeta[1].pk], None),
    ]
    assert [sorted(SyncJob.objects.get(pk=r.job.pk).listing_ids) for r in results] == [
        [on_alpha.pk],
        sorted(listing.pk for listing in on_zeta),
    ]


def test_publish_grouped_a_refusing_channel_does_not_stop_the_others(make_channel, make_listing):
    # given one paused channel
    paused, active = make_channel("shopify", name="Paused"), make_channel("etsy", name="Active")
    on_paused, on_active = make_listing(channel=paused), make_listing(channel=active)
    Channel.objects.filter(pk=paused.pk).update(is_active=False)
    # when
    results = listings_publish_grouped(listings=[on_paused, on_active])
    # then
    by_name = {r.channel.name: r for r in results}
    assert by_name["Active"].job is not None
    assert by_name["Active"].error is None
    assert by_name["Paused"].job is None
    assert isinstance(by_name["Paused"].error, ApplicationError)
    assert "paused" in by_name["Paused"].error.message
    assert list(SyncJob.objects.values_list("channel_id", flat=True)) == [active.pk]


def test_publish_grouped_leaves_out_channels_the_user_may_not_use(make_channel, make_listing, make_user):
    # given a user limited to one channel
    mine, other = make_channel("shopify"), make_channel("etsy")
    user = make_user("limited", CHANNEL_MANAGER)
    user_channels_restrict(target=user, channel_ids=[mine.pk])
    user = type(user).objects.get(pk=user.pk)
    listings = [make_listing(channel=mine), make_listing(channel=other)]
    queued_before = OrmQ.objects.count()
    # when
    results = listings_publish_grouped(listings=listings, user=user)
    # then only the allowed channel is published
    assert [r.channel for r in results] == [mine]
    assert list(SyncJob.objects.values_list("channel_id", flat=True)) == [mine.pk]
    assert OrmQ.objects.count() > queued_before


def test_bulk_transition_moves_the_allowed_and_reports_the_refused(make_listing, channel):
    # given a draft and a live listing
    draft = make_listing(channel=channel)
    live = make_listing(channel=channel)
    Listing.objects.filter(pk=live.pk).update(status=ListingStatus.LIVE)
    live.refresh_from_db()
    # when both are moved to ready (live -> ready is not an allowed move)
    moved, refused = listings_bulk_transition(listings=[draft, live], to_status=ListingStatus.READY)
    # then
    assert moved == 1
    assert [(listing.pk, type(exc)) for listing, exc in refused] == [(live.pk, ApplicationError)]
    assert dict(Listing.objects.values_list("pk", "status")) == {
        draft.pk: ListingStatus.READY,
        live.pk: ListingStatus.LIVE,
    }

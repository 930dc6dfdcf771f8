"""The demo's first run (docs/sandbox.md#demo-first-run): a share of the demo listings goes live on the sandbox, buyers
order some of them there, and the orders are pulled; a later run does nothing again."""

import io

import pytest
from django.core.management import call_command

from channels.demo import DEMO_CHANNELS
from listings.choices import ListingStatus
from listings.models import Listing
from orders.demo import demo_first_publish, demo_orders_place
from orders.models import Order
from tests.syncing.engine.conftest import run_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_shopify(make_sandbox_channel, make_listing, settings):
    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1)
    channel = make_sandbox_channel("shopify", name=DEMO_CHANNELS["shopify"][0])
    listings = [make_listing(channel=channel) for _ in range(8)]
    return channel, listings


def test_the_first_run_publishes_a_share_and_pulls_the_buyers_orders(demo_shopify, sandbox):
    channel, listings = demo_shopify
    # when the first run publishes one ready listing in four (at most 15) and the worker runs the jobs
    jobs = demo_first_publish(every=4, per_channel=15)
    assert [job.channel_id for job in jobs] == [channel.pk]
    run_queue()
    # then two of the eight are live on the sandbox, the others untouched
    live = list(Listing.objects.filter(channel=channel, status=ListingStatus.LIVE).order_by("pk"))
    assert [lst.pk for lst in live] == [listings[0].pk, listings[4].pk]
    assert {item["id"] for item in sandbox.items("shopify")} >= {lst.external_id for lst in live}
    # when buyers order each live listing on the sandbox and the queued order pull runs
    result = demo_orders_place(per_channel=3)
    run_queue()
    # then both orders were placed there and are ours now
    assert result == {"placed": 2, "refused": []}
    assert Order.objects.filter(channel=channel).count() == 2
    # and a later run publishes nothing again
    assert demo_first_publish() == []


def test_the_command_says_when_it_is_not_a_first_run(demo_shopify):
    channel, listings = demo_shopify
    demo_first_publish()  # the first run queued its job
    out = io.StringIO()
    call_command("demo_go_live", stdout=out)
    assert "not a first run" in out.getvalue()

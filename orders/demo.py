"""The demo shop's first run (docs/sandbox.md#demo-first-run): a share of the demo listings published on the
sandbox, then a few buyers' orders there, pulled like any others, so the dashboard, the matrix and the orders page
have something to show. Only on a first run: once any demo channel has a sync job, nothing is done again."""

import time
from collections.abc import Callable
from typing import Any

import requests

from channels.demo import DEMO_CHANNELS
from channels.models import Channel
from listings.choices import ListingStatus
from listings.models import Listing
from orders.choices import PullTrigger
from orders.services.pull import channel_orders_pull
from syncing.models import SyncJob
from syncing.services import listings_publish
from syncing.services.listing_bridge import listing_sku

EVERY = 4  # one ready demo listing in four goes live
PER_CHANNEL = 15
ORDERS_PER_CHANNEL = 3
CONTROL_TIMEOUT = 10.0


def demo_channels() -> list[Channel]:
    names = [spec[0] for spec in DEMO_CHANNELS.values()]
    return list(Channel.objects.filter(name__in=names, is_active=True).order_by("pk"))


def demo_first_publish(*, every: int = EVERY, per_channel: int = PER_CHANNEL) -> list[SyncJob]:
    """Publish every `every`-th ready listing of each demo channel (at most `per_channel`); nothing when a demo
    channel has ever had a sync job (not a first run). The jobs run on the worker."""
    channels = demo_channels()
    if not channels or SyncJob.objects.filter(channel__in=channels).exists():
        return []
    jobs = []
    for channel in channels:
        ready = Listing.objects.filter(channel=channel, readiness_blocking=0, external_id="").order_by("pk")
        ids = list(ready.values_list("pk", flat=True))[::every][:per_channel]
        if ids:
            jobs.append(listings_publish(channel=channel, listing_ids=ids, message="Demo: first run"))
    return jobs


def demo_jobs_wait(jobs: list[SyncJob], *, seconds: float, sleep: Callable[[float], None] = time.sleep) -> bool:
    """Wait for the worker to finish `jobs` (polling); whether they all ended in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not SyncJob.objects.filter(pk__in=[job.pk for job in jobs], finished_at__isnull=True).exists():
            return True
        sleep(1.0)
    return False


def demo_orders_place(*, per_channel: int = ORDERS_PER_CHANNEL) -> dict[str, Any]:
    """A few buyers' orders of the demo's live listings, placed through the sandbox's control API, then an order
    pull of each channel queued; the count of orders placed and the refusals (the sandbox's message)."""
    placed, refused = 0, []
    for channel in demo_channels():
        live = (
            Listing.objects.filter(channel=channel, status=ListingStatus.LIVE)
            .select_related("product", "variant")
            .order_by("pk")[:per_channel]
        )
        control = channel.base_url.rstrip("/").rsplit("/", 1)[0] + "/_control/orders"
        for listing in live:
            body = {"marketplace": channel.marketplace, "lines": [{"sku": listing_sku(listing), "quantity": 1}]}
            try:
                answer = requests.post(control, json=body, timeout=CONTROL_TIMEOUT)
            except requests.RequestException as exc:
                refused.append(f"{channel.name}: {exc}")
                break
            if answer.ok:
                placed += 1
            else:
                refused.append(f"{channel.name} {listing_sku(listing)}: {answer.text[:200]}")
        if live:
            channel_orders_pull(channel=channel, trigger=PullTrigger.SCHEDULE)
    return {"placed": placed, "refused": refused}

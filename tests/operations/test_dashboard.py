"""The dashboard: channel x status matrix and the per-channel sync chart."""

import pytest
from django.urls import reverse
from django.utils import timezone

from syncing.models import SyncEvent, SyncJob

pytestmark = pytest.mark.django_db


def test_dashboard_matrix_counts_link_to_filtered_list(editor_client, make_listing, channel, make_channel):
    other = make_channel("lazada", name="Lazada MY")
    make_listing(channel=channel)
    make_listing(channel=channel)
    make_listing(channel=other)

    response = editor_client.get(reverse("dashboard"))

    body = response.content.decode()
    matrix = response.context["matrix"]
    draft_row = next(r for r in matrix["rows"] if r["status"] == "draft")
    assert [c["count"] for c in draft_row["cells"]] == [1, 2]  # Lazada MY, Shopify US (name order)
    assert f"/listings/?channel={channel.pk}&amp;status=draft" in body
    assert matrix["grand_total"] == 3


def test_dashboard_chart_counts_successes_and_failures_per_day(editor_client, ready_listing, channel):
    job = SyncJob.objects.create(channel=channel, kind="push", total=1)
    for outcome in ("succeeded", "succeeded", "rejected", "retry_scheduled"):
        SyncEvent.objects.create(job=job, channel=channel, listing=ready_listing, operation="create", outcome=outcome)

    response = editor_client.get(reverse("dashboard"))

    chart = next(c for c in response.context["charts"] if c.channel.pk == channel.pk)
    assert (chart.total_ok, chart.total_failed) == (2, 1)
    today = chart.bars[-1]
    assert (today.ok, today.failed, today.day) == (2, 1, timezone.localdate())
    assert len(chart.bars) == 14
    assert response.context["sync"]["failures_24h"] == 1
    assert 'class="fail-bar"' in response.content.decode()

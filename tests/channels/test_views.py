"""Channel pages (form with masked credentials, mapping editor, test connection) and sync history pages."""

import pytest
from django.conf import settings
from django.urls import reverse

from channels.models import CategoryMapping, Channel
from syncing.models import SyncEvent, SyncJob
from syncing.sandbox.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db

SECRET = DEMO_ACCOUNTS["shopify"]["credentials"]["access_token"]


def _channel_form(**overrides):
    data = {
        "name": "Shopify Test",
        "marketplace": "shopify",
        "country": "US",
        "currency": "USD",
        "language": "en",
        "base_url": f"{settings.SANDBOX_URL}/shopify",
        "shop_id": DEMO_ACCOUNTS["shopify"]["shop_id"],
        "is_active": "on",
        "price_currency_rate": "1",
        "price_adjust_type": "none",
        "price_adjust_value": "0",
        "stock_percent": "100",
        "stock_buffer": "0",
        "conflict_policy": "ask",
        "pull_interval_hours": "6",
        "pull_incremental_minutes": "15",
        "pull_overlap_minutes": "10",
        "auto_push_offers": "on",
        "push_debounce_seconds": "2",
        "cred_access_token": SECRET,
    }
    data.update(overrides)
    return data


def test_create_channel_stores_credentials_encrypted_and_never_renders_them(channel_manager_client):
    response = channel_manager_client.post(reverse("channels:channel_create"), _channel_form())

    channel = Channel.objects.get(name="Shopify Test")
    assert response.status_code == 302
    assert channel.get_credentials() == {"access_token": SECRET}
    assert SECRET not in channel.credentials_encrypted
    for url in (
        reverse("channels:channel_detail", kwargs={"pk": channel.pk}),
        reverse("channels:channel_update", kwargs={"pk": channel.pk}),
    ):
        body = channel_manager_client.get(url).content.decode()
        assert SECRET not in body
        assert "••••" in body
    assert channel.title_max_length  # empty rules took the marketplace defaults


def test_missing_credentials_are_explained(channel_manager_client):
    response = channel_manager_client.post(reverse("channels:channel_create"), _channel_form(cred_access_token=""))
    assert response.status_code == 400
    assert "credentials are missing: access_token" in response.content.decode()
    assert not Channel.objects.filter(name="Shopify Test").exists()


def test_edit_with_empty_credential_keeps_the_stored_one(channel_manager_client, channel):
    before = channel.get_credentials()
    response = channel_manager_client.post(
        reverse("channels:channel_update", kwargs={"pk": channel.pk}),
        _channel_form(name="Shopify US renamed", cred_access_token=""),
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.get_credentials()) == ("Shopify US renamed", before)


def test_mapping_editor_sets_changes_and_removes_mappings(channel_manager_client, channel, listable_product):
    category = listable_product.category
    url = reverse("channels:mapping_save", kwargs={"pk": channel.pk})

    channel_manager_client.post(url, {f"ext_{category.pk}": "gid-42", f"extname_{category.pk}": "Mugs"})
    assert CategoryMapping.objects.get(channel=channel, category=category).external_category_id == "gid-42"

    channel_manager_client.post(url, {f"ext_{category.pk}": "", f"extname_{category.pk}": ""})
    assert not CategoryMapping.objects.filter(channel=channel).exists()


def test_test_connection_reports_a_refusal_without_a_traceback(channel_manager_client, make_channel):
    # The sandbox is not running in this test: the connector fails to connect and the page says so.
    channel = make_channel("lazada", base_url="http://127.0.0.1:9/lazada")
    response = channel_manager_client.post(reverse("channels:channel_test", kwargs={"pk": channel.pk}), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages[0].startswith(f"Connection to {channel.name} failed")
    assert "Traceback" not in response.content.decode()


def test_job_progress_json_and_page(viewer_client, ready_listing, channel):
    job = SyncJob.objects.create(
        channel=channel,
        kind="push",
        status="running",
        total=4,
        processed=1,
        succeeded=1,
        listing_ids=[ready_listing.pk],
    )
    data = viewer_client.get(reverse("syncing:job_progress", kwargs={"pk": job.pk})).json()
    assert (data["percent"], data["done"], data["status"]) == (25, False, "running")

    page = viewer_client.get(reverse("syncing:job_detail", kwargs={"pk": job.pk})).content.decode()
    assert f'data-poll-url="/sync/jobs/{job.pk}/progress/"' in page
    running = viewer_client.get(reverse("syncing:job_list"), {"active": "1"})
    assert [j.pk for j in running.context["jobs"]] == [job.pk]


def test_event_log_filters_and_exports_csv(viewer_client, ready_listing, channel):
    SyncEvent.objects.create(channel=channel, listing=ready_listing, operation="create", outcome="succeeded")
    SyncEvent.objects.create(
        channel=channel, listing=ready_listing, operation="create", outcome="rejected", message="=cmd|' /C calc'!A0"
    )
    url = reverse("syncing:event_list")

    filtered = viewer_client.get(url, {"outcome": "rejected"})
    assert [e.outcome for e in filtered.context["events"]] == ["rejected"]

    export = viewer_client.get(url, {"outcome": "rejected", "export": "csv"})
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0].startswith("time,channel,sku,operation,outcome")
    assert len(lines) == 2
    assert ",'=cmd|" in lines[1]


def test_event_log_query_count_is_constant(viewer_client, ready_listing, channel, django_assert_max_num_queries):
    for _ in range(8):
        SyncEvent.objects.create(channel=channel, listing=ready_listing, operation="create", outcome="failed")
    viewer_client.get(reverse("syncing:event_list"))
    with django_assert_max_num_queries(10):
        response = viewer_client.get(reverse("syncing:event_list"))
    assert len(response.context["events"]) == 8


def test_retry_of_a_succeeded_event_is_refused_with_a_message(editor_client, ready_listing, channel):
    event = SyncEvent.objects.create(channel=channel, listing=ready_listing, operation="create", outcome="succeeded")
    response = editor_client.post(reverse("syncing:event_retry", kwargs={"pk": event.pk}), follow=True)
    assert "Only failed events can be retried" in str(list(response.context["messages"])[0])
    assert not SyncJob.objects.exists()


def test_job_list_query_count_is_constant(viewer_client, channel, django_assert_max_num_queries):
    for n in range(6):
        SyncJob.objects.create(channel=channel, kind="push", status="running" if n % 2 else "succeeded", total=2)
    viewer_client.get(reverse("syncing:job_list"))
    with django_assert_max_num_queries(10):
        response = viewer_client.get(reverse("syncing:job_list"))
    assert len(response.context["jobs"]) == 6
    assert response.content.decode().count("data-poll-url=") == 3


def test_channel_list_counts_listings_per_status(viewer_client, make_listing, channel):
    from listings.models import Listing

    first = make_listing(channel=channel)
    make_listing(channel=channel)
    Listing.objects.filter(pk=first.pk).update(status="live")
    response = viewer_client.get(reverse("channels:channel_list"))
    shown = next(c for c in response.context["channels"] if c.pk == channel.pk)
    assert (shown.listing_total, shown.listing_live, shown.listing_error) == (2, 1, 0)


def test_required_attributes_are_ticked_from_the_known_codes_plus_other_codes(channel_manager_client, channel):
    # given categories defining a material and a colour, and a channel that already requires a legacy code
    from catalog.models import AttributeDefinition
    from catalog.services import category_create

    AttributeDefinition.objects.create(category=category_create(name="Tees"), code="material", label="Material")
    AttributeDefinition.objects.create(category=category_create(name="Mugs"), code="colour", label="Colour")
    channel.required_attributes = ["legacy_code"]
    channel.save(update_fields=["required_attributes"])
    url = reverse("channels:channel_update", args=[channel.pk])

    # the form offers one checkbox per known code, labelled, the channel's own code ticked
    form = channel_manager_client.get(url).context["form"]
    assert form.fields["required_attributes"].choices == [
        ("colour", "Colour (colour)"),
        ("material", "Material (material)"),
        ("legacy_code", "legacy_code"),
    ]
    assert form["required_attributes"].value() == ["legacy_code"]

    # a bad extra code is refused next to its field and nothing changes
    data = _channel_form(name=channel.name, required_attributes=["material"], required_attributes_other="care label!")
    data.pop("marketplace", None)
    response = channel_manager_client.post(url, data)
    assert response.status_code == 400
    assert (
        "care label!: an attribute code is letters" in response.context["form"].errors["required_attributes_other"][0]
    )
    channel.refresh_from_db()
    assert channel.required_attributes == ["legacy_code"]

    # ticked codes and typed ones are stored as one list
    data["required_attributes_other"] = "care_label, material"
    response = channel_manager_client.post(url, data)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.required_attributes == ["material", "care_label"]

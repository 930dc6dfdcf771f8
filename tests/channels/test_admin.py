import pytest
from django.urls import reverse

from catalog.services import category_create
from channels.models import AttributeValueMapping, CategoryMapping, Channel
from listings.models import Listing
from syncing.sandbox.demo import DEMO_ACCOUNTS
from tests.fixtures.channels import bulk_products

pytestmark = pytest.mark.django_db

SECRET = "shpat_admin_test_secret_9f8e7d6c"


def _secrets():
    return [v for account in DEMO_ACCOUNTS.values() for v in account["credentials"].values() if len(v) > 6]


def _form_data(**overrides):
    data = {
        "name": "Shopify CA",
        "marketplace": "shopify",
        "country": "CA",
        "currency": "CAD",
        "language": "en",
        "is_active": "on",
        "base_url": "http://127.0.0.1:8100/shopify",
        "shop_id": "demo-store",
        "credentials": f"access_token={SECRET}\n# comment\n\nclient_id=abc",
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
        "required_attributes": "[]",
        "category_mappings-TOTAL_FORMS": "0",
        "category_mappings-INITIAL_FORMS": "0",
        "attribute_mappings-TOTAL_FORMS": "0",
        "attribute_mappings-INITIAL_FORMS": "0",
    }
    return data | overrides


@pytest.fixture
def all_channels(make_channel):
    return [make_channel(m) for m in DEMO_ACCOUNTS]


def test_changelist_and_change_pages_never_show_secrets(staff_client, all_channels):
    # when
    pages = [staff_client.get(reverse("admin:channels_channel_changelist"))]
    pages += [staff_client.get(reverse("admin:channels_channel_change", args=[c.pk])) for c in all_channels]
    # then
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for secret in _secrets():
            assert secret not in html
    change = pages[1].content.decode()
    assert "access_token: ••••" in change or "app_key: ••••" in change or "api_key: ••••" in change


def test_change_page_shows_masked_values_and_an_empty_credentials_field(staff_client, make_channel):
    channel = make_channel("shopify", credentials={"access_token": SECRET})
    html = staff_client.get(reverse("admin:channels_channel_change", args=[channel.pk])).content.decode()
    assert SECRET not in html
    assert "access_token: ••••7d6c" in html
    assert '<textarea name="credentials" cols="40" rows="4" autocomplete="off" spellcheck="false"' in html
    assert 'id="id_credentials">\n</textarea>' in html


def test_add_channel_through_admin_encrypts_and_records_actor(staff_client, admin_user):
    # when
    response = staff_client.post(reverse("admin:channels_channel_add"), _form_data())
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    channel = Channel.objects.get(name="Shopify CA")
    assert channel.get_credentials() == {"access_token": SECRET, "client_id": "abc"}
    assert SECRET not in channel.credentials_encrypted
    assert (channel.rate_limit_per_second, channel.title_max_length) == (10.0, 255)
    assert channel.created_by == admin_user


def test_add_with_missing_credentials_names_them_and_does_not_echo_secrets(staff_client):
    response = staff_client.post(
        reverse("admin:channels_channel_add"),
        _form_data(marketplace="lazada", credentials="app_key=100001\napp_secret=very-secret-lazada-123"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lazada credentials are missing: access_token" in html
    assert "very-secret-lazada-123" not in html
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("marketplace", "ebay", "Select a valid choice. ebay is not one of the available choices."),
        ("country", "XX", "is not an ISO 3166 alpha-2 country code"),
        ("currency", "EURO", "Ensure this value has at most 3 characters"),
        ("credentials", "access_token", "Line 1 is not in the form name=value."),
        ("credentials", "access_token=x\npassword=y", "Shopify does not use credential field(s) password"),
    ],
    ids=["marketplace_case", "country_case", "currency_case", "format_case", "unknown_name_case"],
)
def test_add_form_bad_input(staff_client, field, value, message):
    response = staff_client.post(reverse("admin:channels_channel_add"), _form_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Channel.objects.exists()


def test_change_with_empty_credentials_keeps_them_and_new_values_merge(staff_client, make_channel):
    channel = make_channel("shopify", name="Shopify CA", credentials={"access_token": SECRET})
    url = reverse("admin:channels_channel_change", args=[channel.pk])
    response = staff_client.post(url, _form_data(credentials="", title_max_length="99"))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.get_credentials() == {"access_token": SECRET}
    assert channel.title_max_length == 99
    response = staff_client.post(url, _form_data(credentials="refresh_token=r-1"))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.get_credentials() == {"access_token": SECRET, "refresh_token": "r-1"}


def test_change_with_replace_drops_old_values(staff_client, make_channel):
    channel = make_channel("shopify", name="Shopify CA", credentials={"access_token": SECRET, "refresh_token": "r"})
    url = reverse("admin:channels_channel_change", args=[channel.pk])
    response = staff_client.post(url, _form_data(credentials="access_token=new-token-123", replace_credentials="on"))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.get_credentials() == {"access_token": "new-token-123"}


def test_inline_mappings_are_saved_through_services(staff_client, make_channel, admin_user):
    channel = make_channel("shopify", name="Shopify CA")
    category = category_create(name="Lamps")
    data = _form_data(
        credentials="",
        **{
            "category_mappings-TOTAL_FORMS": "1",
            "category_mappings-0-category": str(category.pk),
            "category_mappings-0-external_category_id": "gid-77",
            "attribute_mappings-TOTAL_FORMS": "1",
            "attribute_mappings-0-attribute_code": "Size",
            "attribute_mappings-0-our_value": "X-Large",
            "attribute_mappings-0-marketplace_value": "XL",
        },
    )
    response = staff_client.post(reverse("admin:channels_channel_change", args=[channel.pk]), data)
    assert response.status_code == 302
    mapping = CategoryMapping.objects.get(channel=channel)
    assert (mapping.category, mapping.external_category_id, mapping.created_by) == (category, "gid-77", admin_user)
    value = AttributeValueMapping.objects.get(channel=channel)
    assert (value.attribute_code, value.marketplace_value) == ("size", "XL")


def test_assign_action_creates_listings(staff_client, make_channel):
    channels = [make_channel("shopify"), make_channel("etsy")]
    bulk_products(3)
    response = staff_client.post(
        reverse("admin:channels_channel_changelist"),
        {"action": "assign_active_products", "_selected_action": [c.pk for c in channels]},
        follow=True,
    )
    assert "Created 6 listing(s); 0 already existed." in response.content.decode()
    assert Listing.objects.count() == 6


def test_mapping_admin_pages(staff_client, make_channel, admin_user):
    channel = make_channel("shopify")
    category = category_create(name="Bags")
    response = staff_client.post(
        reverse("admin:channels_categorymapping_add"),
        {"channel": channel.pk, "category": category.pk, "external_category_id": "b-1", "external_category_name": ""},
    )
    assert response.status_code == 302
    assert CategoryMapping.objects.get().created_by == admin_user
    response = staff_client.post(
        reverse("admin:channels_attributevaluemapping_add"),
        {"channel": channel.pk, "attribute_code": "colour", "our_value": "Navy", "marketplace_value": "Blue"},
    )
    assert response.status_code == 302
    for name in ("categorymapping", "attributevaluemapping"):
        assert staff_client.get(reverse(f"admin:channels_{name}_changelist")).status_code == 200


def test_pull_actions_start_one_pull_per_channel_and_name_the_refusals(staff_client, make_channel):
    from orders.models import OrderPull
    from syncing.models import SyncJob

    # given an active channel and a paused one, selected together on the channel list
    live = make_channel("shopify", name="Live shop")
    paused = make_channel("etsy", name="Paused shop", is_active=False)
    url = reverse("admin:channels_channel_changelist")
    selected = [live.pk, paused.pk]

    # when the listings pull action runs
    response = staff_client.post(url, {"action": "pull_listings", "_selected_action": selected}, follow=True)

    # then the live channel has a full pull job, the paused one is named with the reason, nothing crashed
    job = SyncJob.objects.get(channel=live, kind="pull")
    texts = [str(m) for m in response.context["messages"]]
    assert f"Live shop: pulling listings as job #{job.pk}." in texts
    assert any("Paused shop" in t and "paused" in t for t in texts)
    assert not SyncJob.objects.filter(channel=paused).exists()

    # and a second click while that pull runs is refused with the running job's number
    response = staff_client.post(url, {"action": "pull_listings", "_selected_action": [live.pk]}, follow=True)
    assert any(f"already running (job #{job.pk})" in str(m) for m in response.context["messages"])
    assert SyncJob.objects.filter(channel=live, kind="pull").count() == 1

    # when the orders pull action runs: one manual order pull for the live channel
    response = staff_client.post(url, {"action": "pull_orders", "_selected_action": selected}, follow=True)
    run = OrderPull.objects.get(channel=live)
    assert run.trigger == "manual"
    assert f"Live shop: pulling orders as job orders-{run.pk}." in [str(m) for m in response.context["messages"]]
    assert not OrderPull.objects.filter(channel=paused).exists()

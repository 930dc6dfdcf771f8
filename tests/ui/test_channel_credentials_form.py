"""Issue 20, forms: the channel form shows only the chosen marketplace's credential fields, labelled from
docs/marketplaces/*.md; secrets are stored encrypted and never rendered back."""

import pytest
from django.conf import settings
from django.urls import reverse

from channels.credential_help import CREDENTIAL_HELP, credential_inputs
from channels.models import Channel
from syncing.connectors import CONNECTORS
from syncing.sandbox.demo import DEMO_ACCOUNTS
from tests.channels.test_views import _channel_form

pytestmark = pytest.mark.django_db

NEW = "/channels/new/"


def test_every_marketplace_field_has_a_label_and_help():
    for code, connector in CONNECTORS.items():
        names = {name for name, *_ in credential_inputs(code)}
        assert set(connector.credential_fields) <= names, code
        for name in names:
            assert name in CREDENTIAL_HELP[code], (code, name)
        assert "access_token_expires_at" not in names  # kept by the connector, never typed


def test_new_channel_asks_for_the_marketplace_first(channel_manager_client):
    page = channel_manager_client.get(NEW).content.decode()
    assert "Which marketplace?" in page
    for code in CONNECTORS:
        assert f'href="?marketplace={code}"' in page
    assert 'name="cred_' not in page


def test_unknown_marketplace_is_explained(channel_manager_client):
    response = channel_manager_client.get(NEW, {"marketplace": "ebay"})
    assert response.status_code == 400
    assert "There is no marketplace called “ebay”" in response.content.decode()


@pytest.mark.parametrize(
    ("code", "shown", "absent"),
    [
        ("shopee", ["Partner id", "Partner key", "Access token", "Refresh token (optional)"], ["App key", "LWA"]),
        ("amazon", ["LWA client id", "LWA client secret", "Marketplace id"], ["Partner key", "Shop cipher"]),
        ("shopify", ["Admin API access token", "Client secret (optional)"], ["Partner id", "App secret"]),
    ],
)
def test_form_shows_only_that_marketplaces_fields(channel_manager_client, code, shown, absent):
    page = channel_manager_client.get(NEW, {"marketplace": code}).content.decode()
    assert f'<input type="hidden" name="marketplace" value="{code}"' in page
    assert f"{CONNECTORS[code].label} credentials" in page
    for label in shown:
        assert f">{label}" in page, label
    for label in absent:
        assert label not in page, label
    assert "expires at" not in page.lower()


def test_shopee_channel_created_with_its_fields_stored_encrypted(channel_manager_client):
    account = DEMO_ACCOUNTS["shopee"]
    creds = account["credentials"]
    data = _channel_form(
        name="Shopee MY test",
        marketplace="shopee",
        country="MY",
        currency="MYR",
        base_url=f"{settings.SANDBOX_URL}/shopee",
        shop_id=account["shop_id"],
        cred_access_token=creds["access_token"],
        cred_partner_id=creds["partner_id"],
        cred_partner_key=creds["partner_key"],
        cred_refresh_token="refresh-123456789",
        cred_app_secret="not-a-shopee-field",  # another marketplace's input: ignored
    )
    response = channel_manager_client.post(NEW, data)
    assert response.status_code == 302
    channel = Channel.objects.get(name="Shopee MY test")
    stored = channel.get_credentials()
    assert stored["partner_key"] == creds["partner_key"]
    assert stored["refresh_token"] == "refresh-123456789"
    assert "app_secret" not in stored
    assert creds["partner_key"] not in channel.credentials_encrypted

    edit = channel_manager_client.get(reverse("channels:channel_update", kwargs={"pk": channel.pk})).content.decode()
    for secret in (creds["partner_key"], creds["access_token"], "refresh-123456789"):
        assert secret not in edit
    assert "Stored: ••••" in edit
    assert "Shop cipher" not in edit


def test_missing_required_field_is_named_and_nothing_saved(channel_manager_client):
    data = _channel_form(name="Shopee half", marketplace="shopee", cred_access_token="tok-123456789")
    response = channel_manager_client.post(NEW, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "credentials are missing: partner_id, partner_key" in page
    assert "Partner key" in page  # the form comes back with Shopee's fields
    assert "tok-123456789" not in page  # a secret is never rendered back, even after an error
    assert not Channel.objects.filter(name="Shopee half").exists()

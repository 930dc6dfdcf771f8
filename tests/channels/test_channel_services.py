from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError

from catalog.services import category_create
from channels.models import Channel
from channels.selectors import category_is_allowed, category_mapping_resolve, channel_connector_config, channel_list
from channels.services import (
    attribute_value_mapping_set,
    category_mapping_set,
    category_mappings_bulk_set,
    channel_create,
    channel_set_credentials,
    channel_update,
)
from common.errors import ApplicationError
from syncing.connectors import CONNECTORS
from syncing.sandbox.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db

SHOPIFY_TOKEN = "shpat_very_secret_token_0000abcd"


def _channel_data(**overrides):
    data = {
        "name": "Shopify US",
        "marketplace": "shopify",
        "country": "US",
        "currency": "USD",
        "base_url": "http://127.0.0.1:8100/shopify",
        "shop_id": "demo-store",
        "credentials": {"access_token": SHOPIFY_TOKEN},
    }
    return data | overrides


@pytest.mark.parametrize("marketplace", sorted(CONNECTORS))
def test_channel_create_defaults_come_from_the_connector(marketplace, admin_user):
    # given
    connector = CONNECTORS[marketplace]
    account = DEMO_ACCOUNTS[marketplace]
    # when
    channel = channel_create(
        **_channel_data(name=f"{marketplace} test", marketplace=marketplace, credentials=account["credentials"]),
        user=admin_user,
    )
    # then
    channel.refresh_from_db()
    assert channel.rate_limit_per_second == connector.default_rate_limit.requests_per_second
    assert channel.rate_limit_burst == connector.default_rate_limit.burst
    assert channel.title_max_length == connector.default_rules.title_max_length
    assert channel.min_images == connector.default_rules.min_images
    assert channel.max_images == connector.default_rules.max_images
    assert channel.main_image_min_px == connector.default_rules.main_image_min_px
    assert channel.main_image_white_background is connector.default_rules.main_image_white_background
    assert channel.required_attributes == list(connector.default_rules.required_attributes)
    assert channel.get_credentials() == account["credentials"]
    assert channel.created_by == admin_user
    assert channel.updated_by == admin_user


def test_channel_create_keeps_explicit_rules_and_limits():
    channel = channel_create(**_channel_data(rate_limit_per_second=2.5, rate_limit_burst=4, title_max_length=80))
    assert (channel.rate_limit_per_second, channel.rate_limit_burst, channel.title_max_length) == (2.5, 4, 80)


def test_channel_create_normalises_codes():
    channel = channel_create(**_channel_data(country=" us", currency="usd ", marketplace="Shopify"))
    assert (channel.country, channel.currency, channel.marketplace) == ("US", "USD", "shopify")


def test_unknown_marketplace_is_refused():
    with pytest.raises(ValidationError) as exc:
        channel_create(**_channel_data(marketplace="ebay"))
    assert "Unknown marketplace 'ebay'" in " ".join(exc.value.message_dict["marketplace"])
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", "'XX' is not an ISO 3166 alpha-2 country code"),
        ("country", "USA", "'USA' is not an ISO 3166 alpha-2 country code"),
        ("currency", "ABC", "'ABC' is not an ISO 4217 currency code"),
        ("currency", "", "This field cannot be blank."),
        ("base_url", "not a url", "Enter a valid URL."),
        ("language", "English!", "Use a language tag"),
    ],
    ids=[
        "country_unknown_case",
        "country_alpha3_case",
        "currency_unknown_case",
        "currency_blank_case",
        "url_case",
        "language_case",
    ],
)
def test_invalid_channel_values_are_refused(field, value, message):
    with pytest.raises(ValidationError) as exc:
        channel_create(**_channel_data(**{field: value}))
    assert any(message in m for m in exc.value.message_dict[field])
    assert not Channel.objects.exists()


@pytest.mark.parametrize("marketplace", sorted(CONNECTORS))
def test_credentials_missing_required_fields_name_them(marketplace):
    # given: the demo credentials without their first required field
    connector = CONNECTORS[marketplace]
    credentials = dict(DEMO_ACCOUNTS[marketplace]["credentials"])
    dropped = connector.credential_fields[0]
    credentials.pop(dropped)
    # when
    with pytest.raises(ValidationError) as exc:
        channel_create(**_channel_data(marketplace=marketplace, credentials=credentials))
    # then
    message = " ".join(exc.value.message_dict["credentials"])
    assert f"{connector.label} credentials are missing: {dropped}" in message
    assert not Channel.objects.exists()


def test_blank_credential_value_counts_as_missing():
    with pytest.raises(ValidationError) as exc:
        channel_create(**_channel_data(credentials={"access_token": "   "}))
    assert "Shopify credentials are missing: access_token" in exc.value.message_dict["credentials"][0]


def test_unknown_credential_field_is_refused():
    with pytest.raises(ValidationError) as exc:
        channel_create(**_channel_data(credentials={"access_token": "x" * 20, "password": "hunter2"}))
    assert "Shopify does not use credential field(s) password" in exc.value.message_dict["credentials"][0]


def test_unknown_channel_field_is_refused():
    with pytest.raises(ApplicationError, match="Unknown channel field"):
        channel_create(**_channel_data(credentials_encrypted="abc"))


def test_duplicate_channel_name_is_refused():
    channel_create(**_channel_data())
    with pytest.raises(ValidationError) as exc:
        channel_create(**_channel_data())
    assert "name" in exc.value.message_dict
    assert Channel.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"min_images": 5, "max_images": 2}, "min_images", "Minimum images (5) is above the maximum (2)."),
        ({"price_min": Decimal("10"), "price_max": Decimal("5")}, "price_min", "Minimum price 10 is above"),
        ({"price_adjust_value": Decimal("5")}, "price_adjust_value", "Choose an adjustment type"),
        ({"required_attributes": "brand"}, "required_attributes", "must be a list of attribute codes"),
        ({"stock_percent": 150}, "stock_percent", "less than or equal to 100"),
        ({"price_rounding_ending": Decimal("1.5")}, "price_rounding_ending", ""),
    ],
    ids=["images_case", "price_range_case", "adjust_type_case", "attributes_case", "stock_case", "ending_case"],
)
def test_invalid_rules_are_refused(fields, field, message):
    with pytest.raises(ValidationError) as exc:
        channel_create(**_channel_data(**fields))
    assert any(message in m for m in exc.value.message_dict[field])


def test_credentials_are_encrypted_at_rest():
    # when
    channel = channel_create(**_channel_data())
    # then: the stored column is ciphertext, decryptable only with the key
    raw = Channel.objects.filter(pk=channel.pk).values_list("credentials_encrypted", flat=True).get()
    assert SHOPIFY_TOKEN not in raw
    assert raw.startswith("gAAAAA")  # Fernet token
    assert Channel.objects.get(pk=channel.pk).get_credentials() == {"access_token": SHOPIFY_TOKEN}


def test_wrong_key_gives_a_clear_error(settings):
    channel = channel_create(**_channel_data())
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    with pytest.raises(ApplicationError, match="cannot be decrypted with the current CREDENTIALS_KEY"):
        channel.get_credentials()
    assert channel.credentials_masked() == {"(unreadable)": "stored with another CREDENTIALS_KEY"}


def test_malformed_key_is_a_configuration_error(settings):
    settings.CREDENTIALS_KEY = "not-a-fernet-key"
    with pytest.raises(ImproperlyConfigured, match="CREDENTIALS_KEY must be one or more comma-separated Fernet keys"):
        channel_create(**_channel_data())


def test_key_rotation_decrypts_with_an_old_key(settings):
    channel = channel_create(**_channel_data())
    settings.CREDENTIALS_KEY = f"{Fernet.generate_key().decode()},{settings.CREDENTIALS_KEY}"
    assert channel.get_credentials() == {"access_token": SHOPIFY_TOKEN}


def test_repr_str_and_masks_never_show_secrets():
    channel = channel_create(**_channel_data())
    assert SHOPIFY_TOKEN not in repr(channel)
    assert SHOPIFY_TOKEN not in str(channel)
    assert channel.credentials_masked() == {"access_token": "••••abcd"}


def test_short_secrets_are_masked_completely():
    channel = channel_create(**_channel_data(credentials={"access_token": "short1"}))
    assert channel.credentials_masked() == {"access_token": "••••"}


def test_set_credentials_merges_by_default(admin_user):
    # given
    channel = channel_create(**_channel_data())
    # when: a token refresh adds a refresh token and leaves the access token alone (empty value)
    channel_set_credentials(
        channel=channel, credentials={"refresh_token": "r-123", "access_token": ""}, user=admin_user
    )
    # then
    channel.refresh_from_db()
    assert channel.get_credentials() == {"access_token": SHOPIFY_TOKEN, "refresh_token": "r-123"}
    assert channel.updated_by == admin_user


def test_set_credentials_replace_drops_old_values():
    channel = channel_create(**_channel_data(credentials={"access_token": SHOPIFY_TOKEN, "refresh_token": "r-1"}))
    channel_set_credentials(channel=channel, credentials={"access_token": "new-token"}, replace=True)
    channel.refresh_from_db()
    assert channel.get_credentials() == {"access_token": "new-token"}


def test_set_credentials_replace_missing_required_is_refused_and_changes_nothing():
    channel = channel_create(**_channel_data())
    with pytest.raises(ValidationError) as exc:
        channel_set_credentials(channel=channel, credentials={"client_id": "abc"}, replace=True)
    assert "Shopify credentials are missing: access_token" in exc.value.message_dict["credentials"][0]
    channel.refresh_from_db()
    assert channel.get_credentials() == {"access_token": SHOPIFY_TOKEN}


def test_channel_update_records_actor_and_validates(admin_user):
    channel = channel_create(**_channel_data())
    channel_update(channel=channel, user=admin_user, title_max_length=70, is_active=False)
    channel.refresh_from_db()
    assert (channel.title_max_length, channel.is_active, channel.updated_by) == (70, False, admin_user)
    with pytest.raises(ValidationError):
        channel_update(channel=channel, country="ZZ")
    channel.refresh_from_db()
    assert channel.country == "US"


def test_channel_update_saves_settings_and_credentials_together(admin_user):
    # given
    channel = channel_create(**_channel_data(credentials={"access_token": SHOPIFY_TOKEN, "refresh_token": "r-1"}))
    # when
    channel_update(channel=channel, user=admin_user, name="Shop B", credentials={"refresh_token": "r-2"})
    # then
    channel.refresh_from_db()
    assert channel.name == "Shop B"
    assert channel.get_credentials() == {"access_token": SHOPIFY_TOKEN, "refresh_token": "r-2"}
    assert channel.updated_by == admin_user


def test_channel_update_replace_credentials_drops_old_values():
    channel = channel_create(**_channel_data(credentials={"access_token": SHOPIFY_TOKEN, "refresh_token": "r-1"}))
    channel_update(channel=channel, credentials={"access_token": "new-token"}, replace_credentials=True)
    channel.refresh_from_db()
    assert channel.get_credentials() == {"access_token": "new-token"}


@pytest.mark.parametrize(
    ("credentials", "replace", "message"),
    [
        pytest.param({"nope": "x"}, False, "does not use credential field(s) nope", id="unknown_field_case"),
        pytest.param({"client_id": "abc"}, True, "credentials are missing: access_token", id="missing_case"),
    ],
)
def test_channel_update_refused_credentials_change_nothing(credentials, replace, message):
    # given
    channel = channel_create(**_channel_data())
    stored = Channel.objects.get(pk=channel.pk)
    # when settings and refused credentials arrive together
    with pytest.raises(ValidationError) as exc:
        channel_update(channel=channel, name="Shop B", credentials=credentials, replace_credentials=replace)
    # then neither is saved
    assert message in exc.value.message_dict["credentials"][0]
    after = Channel.objects.get(pk=channel.pk)
    assert (after.name, after.updated_at) == (stored.name, stored.updated_at)
    assert after.get_credentials() == {"access_token": SHOPIFY_TOKEN}


def test_changing_marketplace_needs_its_credentials():
    channel = channel_create(**_channel_data())
    with pytest.raises(ValidationError) as exc:
        channel_update(channel=channel, marketplace="lazada")
    assert "Lazada credentials are missing: app_key, app_secret" in exc.value.message_dict["credentials"][0]


def test_connector_config_carries_decrypted_credentials():
    channel = channel_create(**_channel_data())
    config = channel_connector_config(channel)
    assert config.credentials == {"access_token": SHOPIFY_TOKEN}
    assert (config.base_url, config.shop_id, config.currency) == (
        "http://127.0.0.1:8100/shopify",
        "demo-store",
        "USD",
    )


def test_category_mapping_set_creates_then_updates_and_subcategories_inherit(admin_user):
    # given
    channel = channel_create(**_channel_data())
    fashion = category_create(name="Fashion")
    shirts = category_create(name="Shirts", parent=fashion)
    # when
    first = category_mapping_set(channel=channel, category=fashion, external_category_id="100", user=admin_user)
    second = category_mapping_set(channel=channel, category=fashion, external_category_id=" 200 ")
    # then
    assert first.pk == second.pk
    assert second.external_category_id == "200"
    assert category_mapping_resolve(channel, shirts).external_category_id == "200"
    # and a more specific mapping wins
    category_mapping_set(channel=channel, category=shirts, external_category_id="300")
    assert category_mapping_resolve(channel, shirts).external_category_id == "300"


def test_category_mapping_needs_an_id():
    channel = channel_create(**_channel_data())
    with pytest.raises(ValidationError) as exc:
        category_mapping_set(channel=channel, category=category_create(name="A"), external_category_id="  ")
    assert exc.value.message_dict["external_category_id"] == ["Enter the marketplace's category id."]


def test_allowed_categories_include_subcategories():
    fashion = category_create(name="Fashion")
    shirts = category_create(name="Shirts", parent=fashion)
    kitchen = category_create(name="Kitchen")
    channel = channel_create(**_channel_data(), allowed_categories=[fashion])
    assert category_is_allowed(channel, shirts) is True
    assert category_is_allowed(channel, kitchen) is False
    assert category_is_allowed(channel, None) is False


def test_attribute_value_mapping_set_is_upsert_and_lowercases_code():
    channel = channel_create(**_channel_data())
    first = attribute_value_mapping_set(
        channel=channel, attribute_code="Size", our_value="X-Large", marketplace_value="XL"
    )
    second = attribute_value_mapping_set(
        channel=channel, attribute_code="size", our_value="X-Large", marketplace_value="XXL"
    )
    assert first.pk == second.pk
    assert (second.attribute_code, second.marketplace_value) == ("size", "XXL")
    with pytest.raises(ValidationError):
        attribute_value_mapping_set(channel=channel, attribute_code="size", our_value="M", marketplace_value=" ")


def test_category_mappings_bulk_set_creates_and_updates(admin_user):
    channel = channel_create(**_channel_data())
    lamps, bags = category_create(name="Lamps"), category_create(name="Bags")
    category_mapping_set(channel=channel, category=lamps, external_category_id="old")
    counts = category_mappings_bulk_set(
        channel=channel, mappings=[(lamps, "L-1", "Lamps"), (bags, "B-1", "Bags")], user=admin_user
    )
    assert counts == {"created": 1, "updated": 1}
    assert dict(channel.category_mappings.values_list("category__name", "external_category_id")) == {
        "Lamps": "L-1",
        "Bags": "B-1",
    }
    assert channel.category_mappings.get(category=bags).created_by == admin_user


def test_category_mappings_bulk_set_refuses_a_bad_row_and_writes_nothing():
    channel = channel_create(**_channel_data())
    lamps, bags = category_create(name="Lamps"), category_create(name="Bags")
    with pytest.raises(ValidationError) as exc:
        category_mappings_bulk_set(channel=channel, mappings=[(lamps, "L-1", ""), (bags, " ", "")])
    assert exc.value.message_dict["mappings"] == ["Category 'Bags': Enter the marketplace's category id."]
    assert not channel.category_mappings.exists()


def test_channel_list_filters_by_state_and_marketplace():
    shopify = channel_create(**_channel_data())
    etsy = channel_create(
        **_channel_data(name="Etsy US", marketplace="etsy", credentials={"api_key": "k", "access_token": "t"}),
    )
    channel_update(channel=etsy, is_active=False)
    assert list(channel_list()) == [etsy, shopify]
    assert list(channel_list(is_active=True)) == [shopify]
    assert list(channel_list(marketplace="etsy")) == [etsy]


def test_channel_update_sets_allowed_categories():
    channel = channel_create(**_channel_data())
    lamps = category_create(name="Lamps")
    channel_update(channel=channel, allowed_categories=[lamps])
    assert list(channel.allowed_categories.all()) == [lamps]
    channel_update(channel=channel, allowed_categories=[])
    assert not channel.allowed_categories.exists()


def test_category_mapping_resolve_without_category_is_none():
    assert category_mapping_resolve(channel_create(**_channel_data()), None) is None

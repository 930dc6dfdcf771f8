import pytest
from django.core.exceptions import ValidationError

from channels.models import Channel


@pytest.mark.django_db
def test_channel_full_clean_fills_connector_defaults_and_encrypts():
    # given
    channel = Channel(
        name="Shopify US", marketplace="shopify", country="US", currency="USD", base_url="http://127.0.0.1:8100/shopify"
    )
    channel.set_credentials({"access_token": "shpat_secret_value_1234"})
    # when
    channel.full_clean()
    channel.save()
    # then
    channel.refresh_from_db()
    assert channel.rate_limit_per_second == 10.0
    assert channel.rate_limit_burst == 20
    assert channel.title_max_length == 255
    assert channel.max_images == 250
    assert channel.main_image_white_background is False
    assert channel.required_attributes == []
    assert "shpat_secret_value_1234" not in channel.credentials_encrypted
    assert channel.get_credentials() == {"access_token": "shpat_secret_value_1234"}


@pytest.mark.django_db
def test_channel_unknown_marketplace_is_refused():
    channel = Channel(name="X", marketplace="ebay", country="US", currency="USD", base_url="http://127.0.0.1:8100/x")
    with pytest.raises(ValidationError) as exc:
        channel.full_clean()
    assert "Unknown marketplace 'ebay'" in str(exc.value.message_dict["marketplace"])

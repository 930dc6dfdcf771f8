"""'Test connection' compares the shop's region and currency with the channel's, against the sandbox
(docs/marketplaces/<code>.md#connection-check)."""

import pytest
from django.urls import reverse

from channels.demo import DEMO_CHANNELS
from common.errors import ApplicationError
from syncing.sandbox.demo import demo_channel_account
from syncing.services.connection import channel_connection_test

pytestmark = pytest.mark.django_db


def _demo_channel(make_channel, sandbox, code, **fields):
    name, country, currency, language, _rules = DEMO_CHANNELS[code]
    account = demo_channel_account(code)
    data = {
        "name": name,
        "country": country,
        "currency": currency,
        "language": language,
        "base_url": sandbox.url(code),
        "shop_id": str(account["shop_id"]),
        "credentials": dict(account["credentials"]),
    }
    return make_channel(code, **(data | fields))


@pytest.mark.parametrize("code", list(DEMO_CHANNELS), ids=lambda c: f"{c}_case")
def test_every_demo_channel_matches_its_sandbox_shop(make_channel, sandbox, code):
    channel = _demo_channel(make_channel, sandbox, code)
    assert channel_connection_test(channel)


@pytest.mark.parametrize(
    ("code", "fields", "said"),
    [
        ("tiktok", {"country": "US", "currency": "USD"}, "region TH"),
        ("shopee", {"country": "SG", "currency": "SGD"}, "region MY"),
        ("shopify", {"currency": "EUR"}, "currency USD"),
        ("etsy", {"currency": "GBP"}, "currency USD"),
    ],
    ids=lambda v: f"{v}_case" if isinstance(v, str) else None,
)
def test_a_shop_of_another_country_or_currency_fails_the_test(make_channel, sandbox, code, fields, said):
    channel = _demo_channel(make_channel, sandbox, code, **fields)
    with pytest.raises(ApplicationError, match=f"open a shop with {said}") as refused:
        channel_connection_test(channel)
    assert refused.value.extra["code"] == "shop_mismatch"


def test_the_old_tiktok_demo_setup_is_caught_by_the_page(channel_manager_client, make_channel, sandbox):
    # Given the TikTok TH channel on the US sandbox shop (the old demo data): the credentials work
    us_shop = sandbox.account("tiktok")
    channel = _demo_channel(make_channel, sandbox, "tiktok", **us_shop)
    # When "Test connection" runs, then it fails, naming both sides
    url = reverse("channels:channel_test", kwargs={"pk": channel.pk})
    page = channel_manager_client.post(url, follow=True).content.decode()
    assert "open a shop with region US while TikTok Shop TH is set to region TH" in page

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from catalog.demo import seed_demo_catalog
from channels.demo import DEMO_CHANNELS, seed_demo_channels
from channels.models import CategoryMapping, Channel
from listings.models import Listing
from listings.services import listing_readiness
from syncing.sandbox.demo import DEMO_ACCOUNTS, demo_channel_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_catalog(db):
    seed_demo_catalog(products=12, with_images=True)


def test_seed_demo_channels_creates_one_channel_per_marketplace(demo_catalog, admin_user):
    # when
    counts = seed_demo_channels(admin_user, products_per_channel=5)
    # then
    names = set(Channel.objects.values_list("name", flat=True))
    assert names == {"Shopify US", "Lazada MY", "Shopee MY", "TikTok Shop TH", "Etsy US", "Amazon US"}
    for code in DEMO_ACCOUNTS:
        account = demo_channel_account(code)  # TikTok Shop TH: its own Thai sandbox shop
        channel = Channel.objects.get(marketplace=code)
        assert channel.is_active
        assert channel.base_url == f"{settings.SANDBOX_URL}/{code}"
        assert channel.shop_id == account["shop_id"]
        assert channel.get_credentials() == account["credentials"]
        assert channel.created_by == admin_user
    assert counts == {"channels": 6, "mappings": 6 * 18, "listings": 6 * 5}
    assert CategoryMapping.objects.filter(channel__marketplace="amazon", external_category_id="T_SHIRTS").exists()
    assert Listing.objects.count() == 30


def test_seed_demo_channels_is_idempotent(demo_catalog):
    seed_demo_channels(products_per_channel=5)
    Channel.objects.filter(name="Etsy US").update(title_max_length=99)  # an operator's edit survives
    again = seed_demo_channels(products_per_channel=5)
    assert again == {"channels": 6, "mappings": 0, "listings": 0}
    assert Channel.objects.count() == len(DEMO_CHANNELS)
    assert Channel.objects.get(name="Etsy US").title_max_length == 99
    assert Listing.objects.count() == 30


def test_demo_listings_are_ready_except_on_amazon(demo_catalog):
    seed_demo_channels(products_per_channel=3)
    shopify = Listing.objects.filter(channel__name="Shopify US").first()
    amazon = Listing.objects.filter(channel__name="Amazon US").first()
    assert [i for i in listing_readiness(shopify) if i.is_blocking] == []
    assert [i.code for i in listing_readiness(amazon) if i.is_blocking] == ["main_image_too_small"]


def test_seed_demo_command_reports_channels(db):
    out = io.StringIO()
    call_command("seed_demo", products=4, no_images=True, stdout=out)
    assert "demo channels: channels=6 new mappings=108" in out.getvalue()

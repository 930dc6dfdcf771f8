"""Helpers shared by the connector tests (all of them talk HTTP to the sandbox fixture)."""

from decimal import Decimal

import pytest

from syncing.connectors.base import ChannelConfig, ListingPayload


@pytest.fixture
def image_url(sandbox):
    return f"{sandbox.base_url}/_static/mug.png"


@pytest.fixture
def make_payload(image_url):
    def make(**overrides):
        values = {
            "sku": "MUG-001",
            "title": "Ceramic coffee mug 350 ml",
            "description": "A sturdy stoneware mug, dishwasher safe, holds 350 ml.",
            "price": Decimal("12.50"),
            "currency": "SGD",
            "quantity": 7,
            "brand": "Acme",
            "category_id": "100644",
            "image_urls": (image_url,),
            "weight_grams": 400,
            "length_mm": 120,
            "width_mm": 90,
            "height_mm": 100,
        }
        values.update(overrides)
        return ListingPayload(**values)

    return make


@pytest.fixture
def channel_config(sandbox):
    def make(code, timeout=5.0, **credential_overrides):
        account = sandbox.account(code)
        credentials = {**account["credentials"], **credential_overrides}
        return ChannelConfig(
            base_url=sandbox.url(code), shop_id=account["shop_id"], credentials=credentials, timeout=timeout
        )

    return make

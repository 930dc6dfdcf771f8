"""Helpers shared by the connector tests (all of them talk HTTP to the sandbox fixture)."""

from decimal import Decimal

import pytest

from syncing.connectors import CONNECTORS
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
def saved_tokens():
    """What the connectors built by `connect` hand to `on_tokens`."""
    return []


@pytest.fixture
def connect(sandbox, saved_tokens):
    """`connect(code, ...)`: a connector on the sandbox's demo account of `code` (or `account`), its credentials
    overridden by `credentials`, other ChannelConfig fields (currency, ...) as keywords.

    The sandbox's rate for `code` is raised first: multi-call flows on a quiet machine outrun the marketplaces'
    real rates, so tests of throttling set their own after.
    """

    def make(code, *, account=None, credentials=None, timeout=5.0, before_request=None, **config):
        sandbox.set_rate(code, rate=1000, burst=1000)
        account = account or sandbox.account(code)
        channel = ChannelConfig(
            base_url=sandbox.url(code),
            shop_id=account["shop_id"],
            credentials={**account["credentials"], **(credentials or {})},
            timeout=timeout,
            **config,
        )
        return CONNECTORS[code](channel, on_tokens=saved_tokens.append, before_request=before_request)

    return make

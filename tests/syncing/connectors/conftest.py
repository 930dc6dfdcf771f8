"""Helpers shared by the connector tests (all of them talk HTTP to the sandbox fixture)."""

from decimal import Decimal

import pytest

from syncing.connectors import CONNECTORS
from syncing.connectors.base import ChannelConfig, ListingPayload

from .markets import MARKETS


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


# --- one marketplace at a time (the contract in test_contract.py and test_remote_status.py) ---


@pytest.fixture(params=MARKETS, ids=lambda m: m.code)
def market(request):
    return request.param


@pytest.fixture
def make_connector(connect, market):
    def make(*, account=None, timeout=5.0, before_request=None, **credentials):
        return connect(
            market.code,
            account=account,
            credentials=credentials,
            timeout=timeout,
            before_request=before_request,
            **market.config,
        )

    return make


@pytest.fixture
def conn(make_connector):
    return make_connector()


@pytest.fixture
def payload(make_payload, market):
    def build(sku="MUG-001", **overrides):
        return make_payload(**{"sku": sku, **market.payload, **overrides})

    return build

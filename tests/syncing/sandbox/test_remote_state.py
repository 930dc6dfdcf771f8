"""`POST /_control/remote_state` and review reasons over HTTP (docs/sandbox.md#control-api)."""

from decimal import Decimal

import requests

from syncing.connectors import CONNECTORS
from syncing.connectors.base import ChannelConfig, ListingPayload


def control(sandbox, action, body):
    return requests.post(f"{sandbox.base_url}/_control/{action}", json=body, timeout=5)


def _lazada_item(sandbox) -> str:
    account = sandbox.account("lazada")
    config = ChannelConfig(sandbox.url("lazada"), account["shop_id"], account["credentials"])
    payload = ListingPayload(
        sku="MUG-1",
        title="Ceramic mug",
        description="Stoneware mug.",
        price=Decimal("12.50"),
        currency="MYR",
        quantity=3,
        brand="Acme",
        category_id="100644",
        image_urls=(f"{sandbox.base_url}/_static/mug.png",),
        weight_grams=400,
        length_mm=120,
        width_mm=90,
        height_mm=100,
    )
    return CONNECTORS["lazada"](config).push_listing(payload).external_id


def test_marketplace_suppresses_an_item_in_its_own_shape(sandbox):
    item_id = _lazada_item(sandbox)
    before = sandbox.items("lazada")[0]["updated_time"]
    sandbox.advance_clock(10)
    body = {"marketplace": "lazada", "item_id": item_id, "state": "suppressed", "reasons": ["Fake brand", "Blurry"]}
    item = control(sandbox, "remote_state", body).json()["item"]
    assert (item["status"], item["rejectReason"]) == ("Suspended", "Fake brand; Blurry")
    assert int(item["updated_time"]) > int(before)


def test_remote_state_refuses_bad_input_with_a_message(sandbox):
    item_id = _lazada_item(sandbox)
    bad_state = control(sandbox, "remote_state", {"marketplace": "lazada", "item_id": item_id, "state": "gone"})
    assert bad_state.status_code == 400
    assert "state must be one of" in bad_state.json()["error"]
    unknown = control(sandbox, "remote_state", {"marketplace": "lazada", "item_id": "42", "state": "inactive"})
    assert (unknown.status_code, unknown.json()["error"]) == (400, "No Lazada item 42.")
    shopify = control(sandbox, "remote_state", {"marketplace": "shopify", "item_id": "1", "state": "suppressed"})
    assert shopify.status_code == 400
    missing = control(sandbox, "remote_state", {"marketplace": "lazada", "state": "inactive"})
    assert missing.json()["error"] == "'item_id' is required."


def test_review_rejection_carries_the_reasons(sandbox):
    body = {"marketplace": "lazada", "delay_seconds": 5, "outcome": "reject", "reasons": ["Watermark on image"]}
    assert control(sandbox, "review", body).json() == {"ok": True}
    _lazada_item(sandbox)
    sandbox.advance_clock(6)
    (item,) = sandbox.items("lazada")
    assert (item["status"], item["rejectReason"]) == ("Rejected", "Watermark on image")

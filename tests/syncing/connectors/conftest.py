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


# --- orders (tests/syncing/connectors/test_orders_*.py) ---


@pytest.fixture
def buyer(sandbox):
    """`buyer("place", code, lines=..., paid=True)` / `buyer("cancel", code, order_id, lines=...)`: the sandbox's
    buyer-side control API over HTTP; returns (HTTP status, JSON body)."""
    import requests

    def act(action, code, order_id=None, **body):
        path = "/_control/orders" if action == "place" else f"/_control/orders/{order_id}/{action}"
        answer = requests.post(f"{sandbox.base_url}{path}", json={"marketplace": code, **body}, timeout=5)
        return answer.status_code, answer.json()

    return act


@pytest.fixture
def receiver():
    """A loopback HTTP server that records every POST (raw body, headers, path) and answers 200."""
    import queue
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.put({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/orders"
    server.received = received
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def subscribe(sandbox):
    """`subscribe(code, url, shop_id=None)`: point a shop's order webhooks at `url`; returns the answer."""
    import requests

    def make(code, url, shop_id=None):
        body = {"marketplace": code, "url": url, "retry_delays": []}
        if shop_id:
            body["shop_id"] = shop_id
        answer = requests.post(f"{sandbox.base_url}/_control/webhooks", json=body, timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()

    return make

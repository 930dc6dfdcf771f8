"""Order webhooks through the endpoint (docs/orders.md#webhooks): the sandbox signs and sends each marketplace's
push over a real socket (to a loopback recorder, or to Django's live server), the endpoint verifies it with the
channel's secret, and a task reads the order; bad input answers 401/400/404 and writes nothing."""

import base64
import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django_q.models import OrmQ

from inventory.models import Stock
from orders.models import Order, OrderLine, OrderPull, OrderPullState
from orders.services.webhooks import sandbox_webhooks_point
from tests.catalog.factories import ProductFactory

WEBHOOK_MARKETS = ["shopify", "lazada", "shopee", "tiktok", "etsy"]


@pytest.fixture
def mug(db):
    return ProductFactory(sku="MUG-1", quantity=10)


@pytest.fixture
def recorder():
    """A loopback HTTP server that records each POST (path, headers, raw body) and answers 200."""
    received: queue.Queue = queue.Queue()

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
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.host = f"127.0.0.1:{server.server_address[1]}"
    server.received = received
    yield server
    server.shutdown()
    server.server_close()


def endpoint(channel):
    return f"/webhooks/{channel.pk}/{channel.marketplace}/"


@pytest.fixture
def hooked(order_channel, sandbox_item, recorder):
    """`hooked(code)`: a channel selling MUG-1 whose sandbox shop sends its order webhooks to the recorder, at the
    path of the channel's endpoint (Shopee signs the full URL)."""

    def make(code):
        channel = order_channel(code)
        sandbox_item(channel, "MUG-1", 10)
        sandbox_webhooks_point(channel=channel, url=f"http://{recorder.host}{endpoint(channel)}")
        channel.refresh_from_db()
        return channel

    return make


def delivered(recorder):
    return recorder.received.get(timeout=5)


def replay(client, recorder, delivery, *, body=None, headers=None):
    """POST a recorded delivery to our endpoint as the marketplace sent it (same host, path, headers, body)."""
    sent = {k: v for k, v in delivery["headers"].items() if k.lower() not in ("host", "content-length")}
    return client.post(
        delivery["path"],
        data=delivery["body"] if body is None else body,
        content_type="application/json",
        headers=sent if headers is None else headers,
        HTTP_HOST=recorder.host,
    )


@pytest.mark.parametrize("code", WEBHOOK_MARKETS)
def test_signed_webhook_is_accepted_and_the_order_ingested_once(code, hooked, recorder, buyer, client, mug,
                                                                run_tasks):  # fmt: skip
    channel = hooked(code)
    status, placed = buyer("place", code, lines=[{"sku": "MUG-1", "quantity": 2}], paid=True)
    assert status == 200, placed
    delivery = delivered(recorder)
    answer = replay(client, recorder, delivery)
    assert answer.status_code == 202, answer.content
    assert Order.objects.count() == 0  # answered first; the task does the work
    run_tasks()
    order = Order.objects.get(channel=channel)
    assert order.lines.get().quantity == 2
    assert Stock.objects.get(product=mug).committed == 2
    assert OrderPull.objects.get(channel=channel).trigger == "webhook"

    assert replay(client, recorder, delivery).status_code == 202  # the marketplace retries the same delivery
    run_tasks()
    assert Order.objects.filter(channel=channel).count() == 1
    assert OrderLine.objects.filter(order__channel=channel).count() == 1
    assert Stock.objects.get(product=mug).committed == 2


def test_webhook_and_poll_out_of_order_never_move_stock_twice(hooked, recorder, buyer, client, mug, run_tasks):
    from orders.services.pull import channel_orders_pull

    channel = hooked("shopify")
    _, placed = buyer("place", "shopify", lines=[{"sku": "MUG-1", "quantity": 2}], paid=True)
    paid = delivered(recorder)
    buyer("ship", "shopify", placed["order_id"])
    shipped = delivered(recorder)
    assert replay(client, recorder, shipped).status_code == 202  # shipped arrives before paid
    run_tasks()
    assert replay(client, recorder, paid).status_code == 202
    run_tasks()
    channel_orders_pull(channel=channel)  # and the poll reads it again
    run_tasks()
    stock = Stock.objects.get(product=mug)
    assert (stock.on_hand, stock.committed) == (8, 0)
    assert Order.objects.get(channel=channel).status == "shipped"
    assert OrderLine.objects.filter(order__channel=channel).count() == 1


def _nothing_written():
    return Order.objects.count() == 0 and OrderPull.objects.count() == 0 and OrmQ.objects.count() == 0


def test_bad_or_missing_signature_is_401_logged_and_writes_nothing(hooked, recorder, buyer, client, mug, caplog):
    channel = hooked("shopify")
    buyer("place", "shopify", lines=[{"sku": "MUG-1", "quantity": 1}], paid=True)
    delivery = delivered(recorder)
    tampered = delivery["body"].replace(b'"quantity":1', b'"quantity":9').replace(b'"quantity": 1', b'"quantity": 9')
    tampered = tampered if tampered != delivery["body"] else delivery["body"] + b" "
    with caplog.at_level(logging.WARNING, logger="orders.services.webhooks"):
        bad = replay(client, recorder, delivery, body=tampered)
        headers = {k: v for k, v in delivery["headers"].items() if k.lower() != "x-shopify-hmac-sha256"}
        missing = replay(client, recorder, delivery, headers=headers)
    assert (bad.status_code, bad.json()["code"]) == (401, "bad_signature")
    assert (missing.status_code, missing.json()["code"]) == (401, "missing_signature")
    assert _nothing_written()
    assert "Order webhook refused (401)" in caplog.text
    secret = channel.get_credentials()["client_secret"]
    signature = {k.lower(): v for k, v in delivery["headers"].items()}["x-shopify-hmac-sha256"]
    assert secret not in caplog.text
    assert signature not in caplog.text


def test_malformed_json_is_400_when_signed_and_401_when_not(order_channel, client, db):
    channel = order_channel("shopify")
    secret = channel.get_credentials()["client_secret"]
    body = b"{not json"
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    signed = client.post(
        endpoint(channel), data=body, content_type="application/json", headers={"X-Shopify-Hmac-Sha256": signature}
    )
    assert (signed.status_code, signed.json()["code"]) == (400, "malformed_body")
    unsigned = client.post(
        endpoint(channel), data=body, content_type="application/json", headers={"X-Shopify-Hmac-Sha256": "nope"}
    )
    assert unsigned.status_code == 401
    assert _nothing_written()


def test_amazon_unknown_channels_and_wrong_marketplace_are_404(order_channel, client, db):
    amazon = order_channel("amazon")
    answer = client.post(endpoint(amazon), data=b"{}", content_type="application/json")
    assert answer.status_code == 404
    assert "pulled" in answer.json()["detail"]
    shop = order_channel("shopify")
    assert client.post(f"/webhooks/{shop.pk}/lazada/", data=b"{}", content_type="application/json").status_code == 404
    assert client.post("/webhooks/999999/shopify/", data=b"{}", content_type="application/json").status_code == 404
    assert client.get(endpoint(shop)).status_code == 405
    assert _nothing_written()


def test_a_channel_without_a_secret_refuses_every_push(order_channel, client, db):
    channel = order_channel("etsy")  # Etsy's secret comes from the subscription; none stored yet
    body = json.dumps({"resource_url": "/v3/application/shops/1/receipts/5"}).encode()
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,abc"}
    answer = client.post(endpoint(channel), data=body, content_type="application/json", headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (401, "missing_secret")
    assert _nothing_written()


def test_sandbox_webhooks_point_refuses_amazon_and_stores_etsys_secret(order_channel, sandbox, db):
    from common.errors import ApplicationError

    with pytest.raises(ApplicationError, match="Amazon"):
        sandbox_webhooks_point(channel=order_channel("amazon"), url="http://127.0.0.1:1/webhooks/1/amazon/")
    etsy = order_channel("etsy")
    sandbox_webhooks_point(channel=etsy, url=f"http://127.0.0.1:1{endpoint(etsy)}")
    state = OrderPullState.objects.get(channel=etsy)
    assert state.webhook_secrets()["webhook_secret"].startswith("whsec_")
    assert "whsec_" not in state.webhook_secrets_encrypted


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sandbox_delivers_to_the_live_server(live_server, order_channel, sandbox_item, buyer, mug, run_tasks):
    """The whole path over sockets: the sandbox POSTs the signed push to Django's live server."""
    channel = order_channel("lazada")
    sandbox_item(channel, "MUG-1", 10)
    sandbox_webhooks_point(channel=channel, url=f"{live_server.url}{endpoint(channel)}")
    buyer("place", "lazada", lines=[{"sku": "MUG-1", "quantity": 3}], paid=True)
    control = f"{channel.base_url.removesuffix('/lazada')}/_control/webhooks"
    deadline = time.monotonic() + 10
    attempts: list = []
    while not attempts and time.monotonic() < deadline:  # watch the sandbox, not the database the server writes
        time.sleep(0.1)
        deliveries = requests.get(control, params={"marketplace": "lazada"}, timeout=5).json()["deliveries"]
        attempts = deliveries[-1]["attempts"] if deliveries else []
    assert attempts == [202]
    run_tasks()
    assert Order.objects.get(channel=channel).lines.get().quantity == 3
    assert Stock.objects.get(product=mug).committed == 3

"""The sandbox order book over HTTP: the buyer control API's checks, stock it reserves and gives back, webhook
subscriptions and retried deliveries (docs/sandbox.md#orders)."""

import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
import requests

TOKEN = "shpat_sandbox_demo_token"
CREATE = "mutation productCreate($product: ProductCreateInput!) { productCreate(product: $product) { product { id } } }"


def post(sandbox, path, body):
    answer = requests.post(f"{sandbox.base_url}/_control/{path}", json=body, timeout=5)
    return answer.status_code, answer.json()


@pytest.fixture
def mug(sandbox):
    """A Shopify product with SKU MUG-001 advertising 4 units; returns a function reading its stock."""
    answer = requests.post(
        f"{sandbox.url('shopify')}/admin/api/2026-01/graphql.json",
        json={"query": CREATE, "variables": {"product": {"title": "Mug"}}},
        headers={"X-Shopify-Access-Token": TOKEN},
        timeout=5,
    )
    product_id = answer.json()["data"]["productCreate"]["product"]["id"]
    sandbox.edit_item("shopify", product_id, sku="MUG-001", quantity=4, price="9.50")

    def stock():
        item = next(i for i in sandbox.items("shopify") if i["id"] == product_id)
        return item["variants"]["nodes"][0]["inventoryQuantity"]

    return stock


def test_place_reserves_and_cancel_restores(sandbox, mug):
    status, order = post(sandbox, "orders", {"marketplace": "shopify", "lines": [{"sku": "MUG-001", "quantity": 3}]})
    assert status == 200
    assert order["status"] == "PAID/UNFULFILLED"
    assert order["lines"][0]["unit_price"] == "9.50"
    assert mug() == 1
    status, _ = post(sandbox, f"orders/{order['order_id']}/cancel", {"marketplace": "shopify"})
    assert status == 200
    assert mug() == 4


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"lines": [{"sku": "MUG-001", "quantity": 1}]}, "'marketplace' is required"),
        ({"marketplace": "ebay", "lines": [{"sku": "MUG-001", "quantity": 1}]}, "Unknown marketplace 'ebay'"),
        ({"marketplace": "shopify", "lines": []}, "needs at least one"),
        ({"marketplace": "shopify", "lines": [{"sku": "MUG-001", "quantity": 0}]}, "at least 1"),
    ],
)
def test_bad_orders_are_400_with_a_message(sandbox, mug, body, message):
    status, answer = post(sandbox, "orders", body)
    assert status == 400
    assert message in answer["error"]
    assert mug() == 4


def test_actions_are_checked(sandbox, mug):
    _, order = post(
        sandbox, "orders", {"marketplace": "shopify", "lines": [{"sku": "MUG-001", "quantity": 2}], "paid": False}
    )
    path = f"orders/{order['order_id']}"
    assert "unpaid order cannot ship" in post(sandbox, f"{path}/ship", {"marketplace": "shopify"})[1]["error"]
    assert "cannot be refunded" in post(sandbox, f"{path}/refund", {"marketplace": "shopify"})[1]["error"]
    assert post(sandbox, f"{path}/pay", {"marketplace": "shopify"})[0] == 200
    assert "Only an unpaid" in post(sandbox, f"{path}/pay", {"marketplace": "shopify"})[1]["error"]
    too_many = {"marketplace": "shopify", "lines": [{"sku": "MUG-001", "quantity": 3}]}
    assert "1 to 2 units" in post(sandbox, f"{path}/ship", too_many)[1]["error"]
    assert (
        "no line with SKU"
        in post(sandbox, f"{path}/ship", {"marketplace": "shopify", "lines": [{"sku": "X"}]})[1]["error"]
    )
    assert "Unknown order action" in post(sandbox, f"{path}/explode", {"marketplace": "shopify"})[1]["error"]
    assert "No shopify order" in post(sandbox, "orders/404/pay", {"marketplace": "shopify"})[1]["error"]
    assert "Only a shipped" in post(sandbox, f"{path}/deliver", {"marketplace": "shopify"})[1]["error"]
    post(sandbox, f"{path}/ship", {"marketplace": "shopify"})
    assert "Nothing left to cancel" in post(sandbox, f"{path}/cancel", {"marketplace": "shopify"})[1]["error"]
    assert mug() == 2


def test_webhook_url_is_checked(sandbox):
    status, answer = post(sandbox, "webhooks", {"marketplace": "shopify", "url": "ftp://x"})
    assert status == 400
    assert "http(s) URL" in answer["error"]


def test_failed_delivery_is_retried_with_the_same_body(sandbox, mug):
    statuses = [500, 200]
    bodies = []

    class Flaky(BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(statuses.pop(0))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        post(sandbox, "webhooks", {"marketplace": "shopify", "url": url, "retry_delays": [0.05]})
        post(sandbox, "orders", {"marketplace": "shopify", "lines": [{"sku": "MUG-001", "quantity": 1}]})
        deadline = time.monotonic() + 5
        while len(bodies) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(bodies) == 2
        assert bodies[0] == bodies[1]
        answer = requests.get(f"{sandbox.base_url}/_control/webhooks", params={"marketplace": "shopify"}, timeout=5)
        delivery = answer.json()["deliveries"][0]
        assert delivery["attempts"] == [500, 200]
        assert delivery["headers"]["X-Shopify-Topic"] == "orders/paid"
    finally:
        server.shutdown()
        server.server_close()

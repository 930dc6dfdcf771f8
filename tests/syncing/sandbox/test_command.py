"""`manage.py marketplace_sandbox` starts a real server on 127.0.0.1 with the demo accounts."""

import socket
import subprocess
import sys
import time

import pytest
import requests
from django.core.management import CommandError, call_command


def free_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def test_command_serves_all_marketplaces_with_demo_accounts():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "marketplace_sandbox", "--port", str(port), "--review-delay", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = None
        deadline = time.monotonic() + 20
        while body is None and time.monotonic() < deadline:
            try:
                body = requests.get(f"http://127.0.0.1:{port}/_control/health", timeout=1).json()
            except requests.ConnectionError:
                time.sleep(0.1)
        assert body is not None, "the sandbox did not answer within 20 s"
        assert {"shopify", "lazada", "shopee"} <= set(body["marketplaces"])
        shop = requests.post(
            f"http://127.0.0.1:{port}/shopify/admin/api/2026-01/graphql.json",
            json={"query": "query { shop { name } }"},
            headers={"X-Shopify-Access-Token": "shpat_sandbox_demo_token"},
            timeout=5,
        )
        assert shop.json()["data"]["shop"]["name"] == "Sandbox demo-store"
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert f"Marketplace sandbox on http://127.0.0.1:{port}" in output


@pytest.mark.parametrize(("args", "message"), [(["--port", "0"], "--port must be"), (["--speed", "0"], "--speed must")])
def test_command_rejects_bad_options(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("marketplace_sandbox", *args)


def _start(port, *extra):
    process = subprocess.Popen(
        [sys.executable, "manage.py", "marketplace_sandbox", "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/_control/health", timeout=1)
            return process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the sandbox did not answer within 20 s")


def _graphql(port, query, variables=None):
    return requests.post(
        f"http://127.0.0.1:{port}/shopify/admin/api/2026-01/graphql.json",
        json={"query": query, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": "shpat_sandbox_demo_token"},
        timeout=5,
    ).json()


CREATE = "mutation c($product: ProductCreateInput!) { productCreate(product: $product) { product { id } } }"
READ = "query r($id: ID!) { product(id: $id) { title } }"


def test_a_state_file_keeps_the_marketplaces_across_a_restart(tmp_path):
    # given a sandbox started with a state file and a Shopify product created in it
    state = tmp_path / "sandbox.state"
    port = free_port()
    first = _start(port, "--state", str(state))
    try:
        created = _graphql(port, CREATE, {"product": {"title": "Kept mug"}})
        product_id = created["data"]["productCreate"]["product"]["id"]
    finally:
        first.terminate()  # SIGTERM, as `make run`'s cleanup sends
        output = first.communicate(timeout=20)[0].decode()
    # then the state was saved on the way out
    assert f"Sandbox state saved to {state}" in output
    assert state.exists()
    # when it starts again with the same file
    second = _start(port, "--state", str(state))
    try:
        # then the product is still there, over HTTP, and the restored sandbox goes on numbering after it
        assert _graphql(port, READ, {"id": product_id})["data"]["product"]["title"] == "Kept mug"
        another = _graphql(port, CREATE, {"product": {"title": "New mug"}})["data"]["productCreate"]["product"]["id"]
        assert another != product_id
    finally:
        second.terminate()
        output = second.communicate(timeout=20)[0].decode()
    assert f"Sandbox state restored from {state}" in output


def test_an_unreadable_state_file_starts_a_new_sandbox(tmp_path):
    # given a state file that is not a sandbox's (another version's, or damaged)
    state = tmp_path / "sandbox.state"
    state.write_bytes(b"not a pickle")
    port = free_port()
    process = _start(port, "--state", str(state))
    try:
        # then the sandbox still serves, with the demo accounts of a new one
        shop = _graphql(port, "query { shop { name } }")
        assert shop["data"]["shop"]["name"] == "Sandbox demo-store"
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    assert "restored" not in output
    assert f"Sandbox state saved to {state}" in output  # and the bad file is replaced by a good one

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

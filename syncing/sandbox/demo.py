"""Demo app/shop accounts the sandbox knows at start-up, and the demo channels use (`make run`).

Each shop matches the demo channel that uses it (channels/demo.py): its region and currency are the channel's,
so "Test connection" passes and publishing is accepted. `DEMO_ACCOUNTS` holds one shop per marketplace (tests
and benchmarks use it); where the demo channel sells in another country than that shop, its own shop is in
`DEMO_CHANNEL_ACCOUNTS` (the TikTok Shop TH channel: a Thai shop, prices in THB).

Sandbox-only values: they authorise nothing outside this machine. Real channels get their credentials from the
seller's authorisation flow and store them encrypted.
"""

DEMO_ACCOUNTS: dict[str, dict[str, object]] = {
    "shopify": {
        "shop_id": "demo-store",
        "options": {"currency": "USD"},
        "credentials": {
            "access_token": "shpat_sandbox_demo_token",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-shopify-secret",
        },
    },
    "lazada": {
        "shop_id": "100200300",
        "credentials": {
            "app_key": "100001",
            "app_secret": "sandbox-lazada-secret",
            "access_token": "sandbox-lazada-access",
            "refresh_token": "sandbox-lazada-refresh",
        },
    },
    "shopee": {
        "shop_id": "600001",
        "options": {"region": "MY"},
        "credentials": {
            "partner_id": "200001",
            "partner_key": "sandbox-shopee-partner-key",
            "access_token": "sandbox-shopee-access",
            "refresh_token": "sandbox-shopee-refresh",
        },
    },
    "tiktok": {
        "shop_id": "7000001",
        "credentials": {
            "app_key": "tts-sandbox-app",
            "app_secret": "sandbox-tiktok-secret",
            "access_token": "sandbox-tiktok-access",
            "refresh_token": "sandbox-tiktok-refresh",
            "shop_cipher": "ROW_sandbox_cipher",
        },
    },
    "etsy": {
        "shop_id": "5550001",
        "credentials": {
            "api_key": "sandbox-etsy-keystring",
            "shared_secret": "sandbox-etsy-shared",
            "access_token": "5550001.sandbox-etsy-access",
            "refresh_token": "5550001.sandbox-etsy-refresh",
        },
    },
    "amazon": {
        "shop_id": "A1SANDBOXSELLER",
        "credentials": {
            "lwa_client_id": "amzn1.application-oa2-client.sandbox",
            "lwa_client_secret": "sandbox-lwa-secret",
            "refresh_token": "Atzr|sandbox-refresh",
            "marketplace_id": "ATVPDKIKX0DER",
        },
    },
}

# Demo channels whose country differs from the marketplace's shop above use their own sandbox shop (same app).
DEMO_CHANNEL_ACCOUNTS: dict[str, dict[str, object]] = {
    "tiktok": {
        "shop_id": "7000066",
        "options": {"region": "TH", "name": "Sandbox TH shop"},
        "credentials": {
            "app_key": "tts-sandbox-app",
            "app_secret": "sandbox-tiktok-secret",
            "access_token": "sandbox-tiktok-th-access",
            "refresh_token": "sandbox-tiktok-th-refresh",
            "shop_cipher": "ROW_sandbox_th_cipher",
        },
    },
}


def demo_channel_account(code: str) -> dict[str, object]:
    """The sandbox shop the demo channel of marketplace `code` uses."""
    return DEMO_CHANNEL_ACCOUNTS.get(code) or DEMO_ACCOUNTS[code]

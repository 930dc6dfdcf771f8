"""Demo app/shop accounts the sandbox knows at start-up, and the demo channels use (`make run`).

Sandbox-only values: they authorise nothing outside this machine. Real channels get their credentials from the
seller's authorisation flow and store them encrypted.
"""

DEMO_ACCOUNTS: dict[str, dict[str, object]] = {
    "shopify": {
        "shop_id": "demo-store",
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

"""Labels and help of each marketplace's credential inputs on the channel form, in the words of the marketplace
pages' "Credentials" sections (docs/marketplaces/README.md#credentials-and-going-live and one page per
marketplace). Fields the connector stores itself after a token refresh are not inputs."""

from syncing.connectors import CONNECTORS

# Kept by the connectors after each refresh (absolute Unix times): never typed in.
STORED_BY_CONNECTOR = frozenset({"access_token_expires_at", "refresh_token_expires_at"})

_OAUTH_REFRESH = "From the seller's authorisation, with the access token; the connector renews both."

# marketplace -> credential field -> (label, help)
CREDENTIAL_HELP: dict[str, dict[str, tuple[str, str]]] = {
    "shopify": {
        "access_token": ("Admin API access token", "The Admin API token of the app installed in the shop."),
        "client_id": ("Client id", "Only for expiring offline tokens: the app's client id."),
        "client_secret": ("Client secret", "Only for expiring offline tokens: the app's client secret."),
        "refresh_token": ("Refresh token", "Only for expiring offline tokens; it rotates on every refresh."),
    },
    "lazada": {
        "app_key": ("App key", "The app in Lazada's Open Platform console."),
        "app_secret": ("App secret", "The same app's secret; it signs every call."),
        "access_token": ("Access token", "From the seller authorisation (valid 30 days)."),
        "refresh_token": ("Refresh token", _OAUTH_REFRESH),
    },
    "shopee": {
        "partner_id": ("Partner id", "The numeric partner id of the app in Shopee's Open Platform console."),
        "partner_key": ("Partner key", "The same app's key; it signs every call."),
        "access_token": ("Access token", "From the shop authorisation (valid 4 hours)."),
        "refresh_token": ("Refresh token", "Single use: every refresh returns a new one, which is stored."),
    },
    "tiktok": {
        "app_key": ("App key", "Partner Center, your app."),
        "app_secret": ("App secret", "The same app's secret; it signs every call."),
        "access_token": ("Access token", "From the seller's authorisation of the app (valid 7 days)."),
        "shop_cipher": ("Shop cipher", "The cipher of the shop to sell in (Get Authorized Shops)."),
        "refresh_token": ("Refresh token", _OAUTH_REFRESH),
        "warehouse_id": ("Warehouse id", "Optional: otherwise the shop's default sales warehouse."),
        "auth_base_url": ("Auth host", "Optional: only to override the authorisation host."),
    },
    "etsy": {
        "api_key": ("API keystring", "The app's keystring (Your apps on developers.etsy.com)."),
        "access_token": ("Access token", "From the OAuth 2.0 authorisation with PKCE (valid 1 hour)."),
        "shared_secret": (
            "Shared secret",
            "Optional: sent with the keystring; leave empty to send the keystring alone.",
        ),
        "refresh_token": ("Refresh token", _OAUTH_REFRESH),
        "shipping_profile_id": ("Shipping profile id", "Optional: otherwise the shop's first shipping profile."),
    },
    "amazon": {
        "lwa_client_id": ("LWA client id", "Your SP-API app's Login with Amazon credentials."),
        "lwa_client_secret": ("LWA client secret", "The same app's client secret."),
        "refresh_token": ("Refresh token", "From the seller's authorisation of the app (starts with Atzr|)."),
        "marketplace_id": (
            "Marketplace id",
            "For example ATVPDKIKX0DER (US), A1F83G8C2ARO7P (UK), A1PA6795UKMFR9 (DE).",
        ),
        "access_token": ("Access token", "Optional: stored after each token exchange."),
        "lwa_url": ("LWA token URL", "Optional: only to override the token endpoint."),
    },
}


def credential_inputs(marketplace: str) -> list[tuple[str, str, str, bool]]:
    """(name, label, help, required) of the inputs `marketplace` needs, required ones first; [] when unknown."""
    connector = CONNECTORS.get(marketplace)
    if connector is None:
        return []
    texts = CREDENTIAL_HELP.get(marketplace, {})
    out = []
    for names, required in ((connector.credential_fields, True), (connector.optional_credential_fields, False)):
        for name in names:
            if name in STORED_BY_CONNECTOR:
                continue
            label, help_text = texts.get(name, (name.replace("_", " ").capitalize(), ""))
            out.append((name, label, help_text, required))
    return out

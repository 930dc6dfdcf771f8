"""Shopify connector: composes the HTTP client and the payload mapping."""

from ..base import Connector, ListingRules, RateLimit


class ShopifyConnector(Connector):
    code = "shopify"
    label = "Shopify"
    credential_fields = ("access_token",)
    optional_credential_fields = ("client_id", "client_secret", "refresh_token")
    sensitive_fields = frozenset({"client_secret", "access_token", "refresh_token"})
    default_rate_limit = RateLimit(requests_per_second=10, burst=20)
    default_rules = ListingRules(title_max_length=255, max_images=250)

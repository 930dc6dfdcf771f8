"""Shopee connector: composes the HTTP client and the payload mapping."""

from ..base import Connector, ListingRules, RateLimit


class ShopeeConnector(Connector):
    code = "shopee"
    label = "Shopee"
    credential_fields = ("partner_id", "partner_key", "access_token")
    optional_credential_fields = ("refresh_token",)
    sensitive_fields = frozenset({"partner_key", "access_token", "refresh_token"})
    default_rate_limit = RateLimit(requests_per_second=10, burst=10)
    default_rules = ListingRules(title_max_length=100, max_images=9)

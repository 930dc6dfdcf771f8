"""Etsy connector: composes the HTTP client and the payload mapping."""

from ..base import Connector, ListingRules, RateLimit


class EtsyConnector(Connector):
    code = "etsy"
    label = "Etsy"
    credential_fields = ("api_key", "access_token")
    optional_credential_fields = ("shared_secret", "refresh_token")
    sensitive_fields = frozenset({"refresh_token", "access_token", "shared_secret"})
    default_rate_limit = RateLimit(requests_per_second=10, burst=10)
    default_rules = ListingRules(title_max_length=140, max_images=20)

"""Amazon connector: composes the HTTP client and the payload mapping."""

from ..base import Connector, ListingRules, RateLimit


class AmazonConnector(Connector):
    code = "amazon"
    label = "Amazon"
    credential_fields = ("lwa_client_id", "lwa_client_secret", "refresh_token", "marketplace_id")
    optional_credential_fields = ("access_token",)
    sensitive_fields = frozenset({"lwa_client_secret", "access_token", "refresh_token"})
    default_rate_limit = RateLimit(requests_per_second=5, burst=10)
    default_rules = ListingRules(
        title_max_length=200, max_images=9, main_image_min_px=1000, main_image_white_background=True
    )

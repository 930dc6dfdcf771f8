"""TikTok Shop connector: composes the HTTP client and the payload mapping."""

from ..base import Connector, ListingRules, RateLimit


class TiktokConnector(Connector):
    code = "tiktok"
    label = "TikTok Shop"
    credential_fields = ("app_key", "app_secret", "access_token", "shop_cipher")
    optional_credential_fields = ("refresh_token",)
    sensitive_fields = frozenset({"app_secret", "access_token", "refresh_token"})
    default_rate_limit = RateLimit(requests_per_second=50, burst=50)
    default_rules = ListingRules(title_max_length=255, max_images=9)

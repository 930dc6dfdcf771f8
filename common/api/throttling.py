"""API throttles (a courtesy limit; see docs/api.md#throttles). Kept apart from common.api to avoid an import cycle
with rest_framework.views, which reads DEFAULT_THROTTLE_CLASSES while it is being imported."""

from typing import Any

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Per API token (per user for session clients); anonymous requests are left to `AnonIpThrottle`."""

    scope = "token"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not getattr(request.user, "is_authenticated", False):
            return None
        token_id = getattr(request.auth, "pk", None)
        ident = f"t{token_id}" if token_id is not None else f"u{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonIpThrottle(AnonRateThrottle):
    scope = "anon"

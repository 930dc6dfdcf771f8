"""django-axes as the first authentication backend, tolerant of callers without a request."""

from typing import Any

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check for every login that comes with a request.

    Calls without a request (Django's test client `login()`, shell scripts) have no IP to key on, so they go
    straight to the password backends; every web and API login passes its request and is guarded.
    """

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):  # type: ignore[override]
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

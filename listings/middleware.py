"""Tag content versions written during a request: `api` under /api/, `manual` on the staff pages
(docs/catalog.md#versions)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from listings.choices import ChangeType
from listings.versions import content_change


class ContentChangeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        change_type = ChangeType.API if request.path.startswith("/api/") else ChangeType.MANUAL
        with content_change(change_type=change_type, source="user"):
            return self.get_response(request)

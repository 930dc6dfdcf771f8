"""Session tracking and the audit actor (the request id and security headers are common.middleware)."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from accounts.audit import audit_request
from accounts.services import user_session_touch


class UserSessionMiddleware:
    """Record each login as a UserSession, log out ended, idle or too-old sessions, and track last activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            reason = user_session_touch(request=request)
            if reason is not None:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Your session has ended. Log in again."}, status=401)
                query = urlencode({"ended": reason, "next": request.get_full_path()})
                return redirect(f"{settings.LOGIN_URL}?{query}")
        return self.get_response(request)


class AuditActorMiddleware:
    """Attribute audited changes made while handling this request to the request's user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_request(request):
            return self.get_response(request)

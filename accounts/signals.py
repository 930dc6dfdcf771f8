"""Session bookkeeping on login and logout (UserSessionMiddleware also starts a record for logins it missed)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.choices import SessionEndReason
from accounts.services import user_session_end_current, user_session_start


@receiver(user_logged_out, dispatch_uid="accounts-session-logout")
def _session_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and user is not None:
        user_session_end_current(request=request, reason=SessionEndReason.LOGOUT)


@receiver(user_logged_in, dispatch_uid="accounts-session-login")
def _session_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        user_session_start(request=request, user=user)

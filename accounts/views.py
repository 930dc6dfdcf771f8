"""Account pages: login/logout, password change and reset, own sessions and tokens, users (admin), audit log."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.choices import SessionEndReason
from accounts.forms import ApiTokenCreateForm, AuditFilterForm
from accounts.mixins import RoleRequiredMixin, forbidden_response
from accounts.models import ApiToken, UserSession
from accounts.roles import ROLE_LABELS, ROLES
from accounts.selectors import api_token_list, audit_list, user_session_list
from accounts.services import (
    SESSION_ID_KEY,
    token_create,
    token_revoke,
    user_session_end,
    user_sessions_end_all,
    user_sessions_end_others,
)
from common.errors import ApplicationError

ENDED_MESSAGES = {
    SessionEndReason.IDLE: "You were logged out after a period of inactivity.",
    SessionEndReason.EXPIRED: "Your login reached its maximum lifetime. Please log in again.",
    SessionEndReason.REVOKED: "This session was ended. Please log in again.",
    SessionEndReason.ADMIN: "An administrator ended this session. Please log in again.",
}


def _cooloff_seconds() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    return int(cooloff.total_seconds()) if cooloff else 0


def lockout_message() -> str:
    minutes = max(1, _cooloff_seconds() // 60)
    return (
        f"Too many failed logins for this username from your address. "
        f"Login is blocked for {minutes} minute{'s' if minutes != 1 else ''}; try again later or reset your password."
    )


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """django-axes lockout answer: JSON 429 in the API's error shape (docs/api.md, Errors) for the API, the login
    page with a clear message otherwise."""
    retry_after = str(_cooloff_seconds() or 60)
    if request.path.startswith("/api/"):
        body = {"status": 429, "code": "locked_out", "detail": lockout_message(), "errors": []}
        response: HttpResponse = JsonResponse(body, status=429)
    else:
        form = AuthenticationForm(request, data=None)
        context = {"form": form, "lockout": lockout_message(), "next": request.GET.get("next", "")}
        response = render(request, "accounts/login.html", context, status=429)
    response["Retry-After"] = retry_after
    return response


# --- Login, logout, passwords ---


class AccountLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["ended_message"] = ENDED_MESSAGES.get(self.request.GET.get("ended", ""), "")  # type: ignore[call-overload]
        return context


class AccountLogoutView(auth_views.LogoutView):
    pass


class AccountPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        user_sessions_end_others(user=form.user, keep_id=self.request.session.get(SESSION_ID_KEY))
        return response


class AccountPasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class AccountPasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class AccountPasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class AccountPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user_sessions_end_others(user=form.user)
        return response


class AccountPasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Own sessions and API tokens ---


class SecurityView(LoginRequiredMixin, TemplateView):
    """One page with the user's active logins and API tokens, each with an end/revoke button."""

    template_name = "accounts/security.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sessions"] = user_session_list(user=self.request.user)  # type: ignore[arg-type]
        context["current_session_id"] = self.request.session.get(SESSION_ID_KEY)
        context["tokens"] = api_token_list(user=self.request.user)  # type: ignore[arg-type]
        context["token_form"] = kwargs.get("token_form") or ApiTokenCreateForm()
        return context


class ApiTokenCreateView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        form = ApiTokenCreateForm(request.POST)
        if form.is_valid():
            try:
                token, key = token_create(
                    user=request.user,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                response = render(request, "accounts/apitoken_created.html", {"token": token, "key": key})
                response["Cache-Control"] = "no-store"
                return response
        view = SecurityView(request=request, kwargs={})
        return render(request, SecurityView.template_name, view.get_context_data(token_form=form), status=400)


class ApiTokenRevokeView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = get_object_or_404(ApiToken, pk=pk)
        try:
            token_revoke(token=token, user=request.user)
        except ApplicationError as exc:
            return forbidden_response(request, message=exc.message)
        messages.success(request, f"Token “{token.name}” revoked.")
        return redirect("accounts:security")


class UserSessionEndView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = get_object_or_404(UserSession, pk=pk)
        try:
            user_session_end(user_session=record, user=request.user)
        except ApplicationError as exc:
            return forbidden_response(request, message=exc.message)
        messages.success(request, "Session ended.")
        if record.user_id != request.user.pk:
            return redirect("accounts:user_list")
        return redirect("accounts:security")


# --- Users (admin) ---


class UserListView(RoleRequiredMixin, ListView):
    required_area = "admin"
    write = True
    template_name = "accounts/user_list.html"
    paginate_by = 100

    def get_queryset(self):
        return (
            User.objects.order_by("username")
            .prefetch_related(Prefetch("groups"))
            .annotate(active_sessions=Count("login_sessions", filter=Q(login_sessions__ended_at=None)))
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        for user in context["object_list"]:
            user.role_names = [ROLE_LABELS[g.name] for g in user.groups.all() if g.name in ROLES]
        return context


class UserSessionsEndAllView(RoleRequiredMixin, View):
    required_area = "admin"
    write = True

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = get_object_or_404(User, pk=pk)
        ended = user_sessions_end_all(target=target, user=request.user)
        messages.success(request, f"Ended {ended} session(s) of {target.get_username()}.")
        return redirect("accounts:user_list")


# --- Audit log ---

SUMMARY_FIELDS = 6  # changed fields spelled out per row of the log; the object's history shows all of them
SUMMARY_VALUE_CHARS = 60


def _short(value: Any) -> str:
    text = "—" if value is None or value == "" else str(value)
    return text if len(text) <= SUMMARY_VALUE_CHARS else text[: SUMMARY_VALUE_CHARS - 1] + "…"


def changes_summary(changes: dict[str, Any]) -> str:
    """One line per log row: `title: A → B; price: 1 → 2; +3 more` (cheap to render for 50 rows)."""
    items = list(changes.items()) if isinstance(changes, dict) else []
    parts = [
        f"{name}: {_short(pair[0])} → {_short(pair[1])}" if isinstance(pair, list) and len(pair) == 2 else name
        for name, pair in items[:SUMMARY_FIELDS]
    ]
    if len(items) > SUMMARY_FIELDS:
        parts.append(f"+{len(items) - SUMMARY_FIELDS} more")
    return "; ".join(parts)


class AuditEntryListView(RoleRequiredMixin, ListView):
    """Searchable, read-only audit log.

    Paged without COUNT(*): counting a filtered log of 100k+ rows costs more than the page itself, so the page
    fetches one row extra to know whether an older page exists (bench_accounts).
    """

    template_name = "accounts/auditentry_list.html"
    page_size = 50
    max_page = 2000

    def get_queryset(self):
        self.filter_form = AuditFilterForm(self.request.GET or None)
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return audit_list(filters=filters, user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            page = min(max(int(self.request.GET.get("page", "1")), 1), self.max_page)
        except ValueError:
            page = 1
        start = (page - 1) * self.page_size
        rows = list(self.object_list[start : start + self.page_size + 1])
        rows = rows[: self.page_size + 1]
        for entry in rows[: self.page_size]:
            entry.summary = changes_summary(entry.changes)
        context = super().get_context_data(object_list=rows[: self.page_size], **kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=self.filter_form,
            query_string=query.urlencode(),
            page=page,
            previous_page=page - 1 if page > 1 else None,
            next_page=page + 1 if len(rows) > self.page_size and page < self.max_page else None,
        )
        return context

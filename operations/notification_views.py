"""The notification centre (docs/operations.md#notifications): a user's own notifications, mark read, and how
each kind reaches them."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin
from common.pagination import PagedListMixin
from operations.forms import NotificationPreferencesForm
from operations.models import NotificationPreference
from operations.services.notifications import notification_preference_set, notifications_mark_read, notifications_of


class NotificationListView(StaffReadMixin, PagedListMixin, ListView):
    template_name = "operations/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 50

    def get_queryset(self) -> Any:
        rows = notifications_of(self.request.user)
        if self.request.GET.get("unread"):
            rows = rows.filter(read_at__isnull=True)
        return rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        current = {p.kind: p for p in NotificationPreference.objects.filter(user=self.request.user.pk)}
        context["preferences_form"] = NotificationPreferencesForm(current=current)
        context["unread_only"] = bool(self.request.GET.get("unread"))
        context["unread_count"] = notifications_of(self.request.user).filter(read_at__isnull=True).count()
        return context


@method_decorator(never_cache, name="dispatch")
class NotificationUnreadView(StaffReadMixin, View):
    """GET: {"unread": n}, the header's count (static/js/notifications.js fetches it after the page loaded, so
    pages themselves spend no query on it)."""

    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"unread": notifications_of(request.user).filter(read_at__isnull=True).count()})


class NotificationReadView(StaffReadMixin, View):
    """POST `id` (one or more) marks those read; POST `all` marks every unread one read."""

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("all"):
            count = notifications_mark_read(user=request.user)
        else:
            ids = [int(x) for x in request.POST.getlist("id") if x.isdigit()]
            count = notifications_mark_read(user=request.user, ids=ids)
        messages.success(request, f"{count} notification(s) marked read.")
        return redirect("operations:notification_list")


class NotificationPreferencesView(StaffReadMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        current = {p.kind: p for p in NotificationPreference.objects.filter(user=request.user.pk)}
        form = NotificationPreferencesForm(request.POST, current=current)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()))
            return redirect("operations:notification_list")
        for kind, choice in form.cleaned_data.items():
            channel = "in_app" if choice == "in_app" else "email"
            digest = "daily" if choice == "in_app" else choice
            notification_preference_set(user=request.user, kind=kind, channel=channel, digest=digest)
        messages.success(request, "Notification preferences saved.")
        return redirect("operations:notification_list")

"""Staff pages of channels: list, detail (health, masked credentials, rules, category mapping), form and a
"test connection" button. Writes call channels.services; the connection test asks the connector."""

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.roles import allowed_channel_ids, can_edit, channel_scoped
from catalog.models import Category
from common.errors import ApplicationError
from common.views import StaffReadMixin, StaffWriteMixin, add_service_errors, error_text
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.connectors.base import ConnectorError
from syncing.models import SyncJob
from syncing.selectors import channel_sync_health
from syncing.services.connection import connector_for

from . import services
from .forms import ChannelForm
from .models import CategoryMapping, Channel

AREA = "channels"
logger = logging.getLogger(__name__)


class ChannelListView(StaffReadMixin, ListView):
    template_name = "channels/channel_list.html"
    context_object_name = "channels"

    def get_queryset(self):
        return channel_scoped(Channel.objects.order_by("name"), self.request.user, "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        counts: dict[int, dict[str, int]] = {}
        for row in Listing.objects.order_by().values("channel_id", "status").annotate(n=Count("id")):
            counts.setdefault(row["channel_id"], {})[row["status"]] = row["n"]
        for channel in context["channels"]:
            by_status = counts.get(channel.pk, {})
            channel.listing_total = sum(by_status.values())
            channel.listing_live = by_status.get(ListingStatus.LIVE, 0)
            channel.listing_error = by_status.get(ListingStatus.ERROR, 0)
        context["can_add"] = can_edit(self.request.user, AREA)
        return context


def channel_for_user(request: HttpRequest, pk: int) -> Channel:
    """The channel `pk` if the user may use it, else 404 (a restricted user does not see other channels)."""
    return get_object_or_404(channel_scoped(Channel.objects.all(), request.user, "pk"), pk=pk)


def mapping_rows(channel: Channel) -> list[dict[str, Any]]:
    mappings = {m.category_id: m for m in CategoryMapping.objects.filter(channel=channel)}
    return [{"category": c, "mapping": mappings.get(c.pk)} for c in Category.objects.order_by("path")]


class ChannelDetailView(StaffReadMixin, DetailView):
    template_name = "channels/channel_detail.html"
    context_object_name = "channel"

    def get_queryset(self):
        return channel_scoped(Channel.objects.all(), self.request.user, "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        channel = self.object
        context["health"] = channel_sync_health(channel=channel)
        context["credentials"] = channel.credentials_masked()
        context["mappings"] = mapping_rows(channel)
        context["jobs"] = list(SyncJob.objects.filter(channel=channel).defer("listing_ids")[:10])
        context["allowed_categories"] = list(channel.allowed_categories.all())
        context["can_edit"] = can_edit(self.request.user, AREA)
        return context


class ChannelEditMixin(StaffWriteMixin):
    template_name = "channels/channel_form.html"
    object: Channel | None = None
    request: HttpRequest

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_form(ChannelForm(instance=self.object))

    def render_form(self, form: ChannelForm, status: int = 200) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form, "channel": self.object}, status=status)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ChannelForm(request.POST, instance=self.object)
        if form.is_valid():
            try:
                channel = self.save(form)
                messages.success(request, f"Saved channel {channel.name}.")
                return redirect("channels:channel_detail", pk=channel.pk)
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
        return self.render_form(form, status=400)

    @transaction.atomic
    def save(self, form: ChannelForm) -> Channel:
        fields = form.service_fields()
        categories = list(form.cleaned_data.get("allowed_categories") or [])
        if self.object is None:
            marketplace = fields.pop("marketplace")
            return services.channel_create(
                marketplace=marketplace,
                credentials=form.credentials(marketplace),
                allowed_categories=categories,
                user=self.request.user,
                **fields,
            )
        channel = Channel.objects.get(pk=self.object.pk)
        new_credentials = form.credentials(channel.marketplace)
        if new_credentials:
            services.channel_set_credentials(channel=channel, credentials=new_credentials, user=self.request.user)
        return services.channel_update(channel=channel, allowed_categories=categories, user=self.request.user, **fields)


class ChannelCreateView(ChannelEditMixin, View):
    required_area = AREA

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.refuse_restricted(request)
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.refuse_restricted(request)
        return super().post(request, *args, **kwargs)

    @staticmethod
    def refuse_restricted(request: HttpRequest) -> None:
        if allowed_channel_ids(request.user) is not None:
            raise PermissionDenied("You are limited to some channels; an admin adds new channels.")


class ChannelUpdateView(ChannelEditMixin, View):
    required_area = AREA

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.object = channel_for_user(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class CategoryMappingSaveView(StaffWriteMixin, View):
    """The mapping editor: one row per category; a filled id maps it, a cleared id removes the mapping."""

    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for_user(request, pk)
        changed, refused = 0, []
        for row in mapping_rows(channel):
            category, mapping = row["category"], row["mapping"]
            key = f"ext_{category.pk}"
            if key not in request.POST:
                continue
            ext_id = request.POST.get(key, "").strip()
            ext_name = request.POST.get(f"extname_{category.pk}", "").strip()
            try:
                if not ext_id and mapping:
                    services.category_mapping_delete(mapping=mapping, user=request.user)
                    changed += 1
                elif ext_id and (
                    mapping is None
                    or (mapping.external_category_id, mapping.external_category_name) != (ext_id, ext_name)
                ):
                    services.category_mapping_set(
                        channel=channel,
                        category=category,
                        external_category_id=ext_id,
                        external_category_name=ext_name,
                        user=request.user,
                    )
                    changed += 1
            except (ValidationError, ApplicationError) as exc:
                refused.append(f"{category.name}: {error_text(exc)}")
        if changed:
            messages.success(request, f"Saved {changed} category mapping change(s).")
        elif not refused:
            messages.info(request, "No mapping changed.")
        for line in refused:
            messages.error(request, line)
        return redirect("channels:channel_detail", pk=pk)


class ChannelTestConnectionView(StaffWriteMixin, View):
    """Ask the marketplace whether the stored credentials work (one read-only call)."""

    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for_user(request, pk)
        try:
            connector_for(channel).check_credentials()
        except ConnectorError as exc:
            messages.error(request, f"Connection to {channel.name} failed: {exc}")
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, f"Connection to {channel.name} failed: {error_text(exc)}")
        except Exception:  # a diagnostic button must answer with a message, whatever broke
            logger.exception("connection test of channel %s failed", channel.pk)
            messages.error(request, f"Connection to {channel.name} failed: internal error (see the server log).")
        else:
            messages.success(request, f"Connected to {channel.name}: the credentials work.")
        return redirect("channels:channel_detail", pk=pk)

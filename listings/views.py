"""Staff pages of listings: the products x channels matrix, the filtered list, and one listing's page with
effective values, readiness, overrides, drift and history. Writes call listings/syncing services only."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from catalog.filters import ProductFilterSet
from catalog.models import Product, ProductImage
from channels.models import Channel
from common.errors import ApplicationError
from common.pagination import PagedListMixin
from common.views import add_service_errors, error_text
from syncing.selectors import listing_sync_history
from syncing.services import ChannelPublishResult, listing_remote_accept, listings_publish, listings_publish_grouped

from . import services
from .choices import ListingStatus
from .filters import ListingFilterSet
from .forms import ListingBulkForm, ListingOverridesForm, ListingTransitionForm
from .models import Listing
from .readiness import listing_readiness
from .services import listing_effective_values
from .state import ALLOWED_TRANSITIONS, listing_transition

AREA = "listings"
MATRIX_PAGE_SIZE = 50


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or default
    return target if target.startswith("/") and not target.startswith("//") else default


def flash(request: HttpRequest, done: list[str], refused: list[str]) -> None:
    for line in done:
        messages.success(request, line)
    for line in refused[:10]:
        messages.error(request, line)
    if len(refused) > 10:
        messages.error(request, f"... and {len(refused) - 10} more refused.")


def flash_publish(request: HttpRequest, results: list[ChannelPublishResult]) -> None:
    """Flash a grouped publish: the job started per channel, or why the channel refused."""
    done = [
        f"Publishing {len(r.listing_ids)} listing(s) on {r.channel.name}: job #{r.job.pk}." for r in results if r.job
    ]
    flash(request, done, [f"{r.channel.name}: {error_text(r.error)}" for r in results if r.error])


# --- Matrix ---


class ListingMatrixView(StaffReadMixin, PagedListMixin, ListView):
    """Products (filtered like the product list) as rows, channels as columns, each cell a status badge."""

    template_name = "listings/listing_matrix.html"
    context_object_name = "products"
    paginate_by = MATRIX_PAGE_SIZE

    def get_queryset(self):
        self.filterset = ProductFilterSet(
            self.request.GET or None, queryset=Product.objects.all(), request=self.request
        )
        return self.filterset.qs.only("id", "sku", "title", "status")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        channels = list(channel_scoped(Channel.objects.only("pk", "name", "is_active"), user, "pk").order_by("name"))
        products = context["products"]
        cells: dict[tuple[int, int], Listing] = {}
        listings = (
            channel_scoped(Listing.objects.all(), user)
            .filter(product_id__in=[p.pk for p in products], variant__isnull=True)
            .only("pk", "product_id", "channel_id", "status", "status_reason", "last_error_message")
        )
        for listing in listings:
            cells[(listing.product_id, listing.channel_id)] = listing
        context["rows"] = [{"product": p, "cells": [cells.get((p.pk, c.pk)) for c in channels]} for p in products]
        context["channels"] = channels
        context["filter"] = self.filterset
        context["can_edit"] = can_edit(self.request.user, AREA)
        return context


# --- List ---


class ListingListView(StaffReadMixin, PagedListMixin, ListView):
    template_name = "listings/listing_list.html"
    context_object_name = "listings"
    paginate_by = 50

    def get_queryset(self):
        queryset = channel_scoped(Listing.objects.all(), self.request.user)
        self.filterset = ListingFilterSet(self.request.GET or None, queryset=queryset, request=self.request)
        return self.filterset.qs.select_related("product", "variant", "channel").only(
            "pk",
            "status",
            "status_reason",
            "last_error_message",
            "last_pushed_at",
            "updated_at",
            "external_id",
            "external_url",
            "title",
            "price",
            "quantity",
            "product__id",
            "product__sku",
            "product__title",
            "variant__id",
            "variant__sku",
            "channel__id",
            "channel__name",
            "readiness_blocking",
            "readiness_issues",
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["sort_current"] = self.request.GET.get("sort", "")
        context["bulk_form"] = ListingBulkForm()
        context["can_edit"] = can_edit(self.request.user, AREA)
        return context


class ListingBulkView(StaffWriteMixin, View):
    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        back = safe_next(request, reverse("listings:listing_list"))
        form = ListingBulkForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return HttpResponseRedirect(back)
        scoped = channel_scoped(Listing.objects.filter(pk__in=form.cleaned_data["ids"]), request.user)
        listings = list(scoped.select_related("product", "channel"))
        action = form.cleaned_data["action"]
        if action == "publish":
            flash_publish(request, listings_publish_grouped(listings=listings, user=request.user))
            return HttpResponseRedirect(back)
        done, refusals = services.listings_bulk_transition(listings=listings, to_status=action, user=request.user)
        refused = [f"{listing}: {error_text(exc)}" for listing, exc in refusals]
        flash(request, [f"{done} listing(s) moved to {ListingStatus(action).label}."] if done else [], refused)
        return HttpResponseRedirect(back)


# --- Detail ---


def listing_for_page(pk: int, user: Any) -> Listing:
    """The listing with what its page shows; 404 when missing or on a channel the user may not use."""
    images = Prefetch("product__images", queryset=ProductImage.objects.order_by("-is_primary", "sort_order", "id"))
    return get_object_or_404(
        channel_scoped(Listing.objects.all(), user)
        .select_related("product", "product__category", "variant", "channel")
        .prefetch_related(images, "product__variants"),
        pk=pk,
    )


def drift_rows(listing: Listing) -> list[dict[str, Any]]:
    rows = []
    for name, values in sorted((listing.drift or {}).items()):
        values = values if isinstance(values, dict) else {}
        rows.append(
            {
                "field": name,
                "ours": values.get("ours", ""),
                "last_pushed": values.get("last_pushed", ""),
                "remote": values.get("remote", ""),
            }
        )
    return rows


class ListingDetailView(StaffReadMixin, View):
    template_name = "listings/listing_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        listing = listing_for_page(pk, request.user)
        return self.render_page(listing, ListingOverridesForm(instance=listing))

    def render_page(self, listing: Listing, form: ListingOverridesForm, status: int = 200) -> HttpResponse:
        issues = listing_readiness(listing)
        context = {
            "listing": listing,
            "product": listing.product,
            "channel": listing.channel,
            "values": listing_effective_values(listing),
            "issues": issues,
            "blocking": [i for i in issues if i.is_blocking],
            "drift": drift_rows(listing),
            "events": listing_sync_history(listing=listing, limit=50),
            "form": form,
            "moves": sorted(ALLOWED_TRANSITIONS.get(listing.status, ())),
            "status_labels": dict(ListingStatus.choices),
            "can_edit": can_edit(self.request.user, AREA),
        }
        return render(self.request, self.template_name, context, status=status)


class ListingOverridesView(StaffWriteMixin, ListingDetailView):
    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        listing = listing_for_page(pk, request.user)
        form = ListingOverridesForm(request.POST, instance=Listing.objects.get(pk=pk))
        if form.is_valid():
            try:
                services.listing_update(listing=listing, user=request.user, **form.service_fields())
                messages.success(request, "Overrides saved.")
                return redirect("listings:listing_detail", pk=pk)
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
        listing = listing_for_page(pk, request.user)
        return self.render_page(listing, form, status=400)


class ListingActionView(StaffWriteMixin, View):
    """POST-only actions on one listing: publish/re-push, accept the marketplace's values, move status."""

    required_area = AREA
    http_method_names = ["post"]
    action = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        scoped = channel_scoped(Listing.objects.select_related("product", "channel"), request.user)
        listing = get_object_or_404(scoped, pk=pk)
        back = safe_next(request, reverse("listings:listing_detail", kwargs={"pk": pk}))
        try:
            messages.success(request, self.perform(request, listing))
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        return HttpResponseRedirect(back)

    def perform(self, request: HttpRequest, listing: Listing) -> str:
        if self.action == "publish":
            job = listings_publish(channel=listing.channel, listing_ids=[listing.pk], user=request.user)
            return f"Publishing {listing.product.sku} on {listing.channel.name}: job #{job.pk}."
        if self.action == "accept_remote":
            listing_remote_accept(listing=listing, user=request.user)
            return "Took the marketplace's values; the listing is in sync again."
        form = ListingTransitionForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Choose a valid status.")
        to_status = form.cleaned_data["to_status"]
        listing_transition(listing=listing, to_status=to_status, user=request.user, reason=form.cleaned_data["reason"])
        return f"Listing moved to {ListingStatus(to_status).label}."


class ListingCellView(StaffReadMixin, View):
    """A matrix cell: the listing's page if there is one, else the product page's listing section."""

    def get(self, request: HttpRequest, product_pk: int, channel_pk: int) -> HttpResponse:
        scoped = channel_scoped(Listing.objects.all(), request.user)
        listing = scoped.filter(product_id=product_pk, channel_id=channel_pk, variant__isnull=True).first()
        if listing:
            return redirect("listings:listing_detail", pk=listing.pk)
        return redirect(reverse("catalog:product_detail", kwargs={"pk": product_pk}) + "#listings")

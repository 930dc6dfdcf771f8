"""One listing's page: effective values, readiness, overrides, drift, the status changer
(docs/pages.md#status-changer) and history; its POST actions call listings/syncing services only."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views import View

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from catalog.models import ProductImage
from common.errors import ApplicationError
from common.views import add_service_errors, error_text
from syncing.selectors import listing_sync_history, listings_on_marketplace
from syncing.services import listing_remote_accept, listings_changes_publish, listings_publish

from .. import services
from ..choices import ListingStatus
from ..forms import ListingOverridesForm, ListingTransitionForm
from ..models import Listing
from ..readiness import FAMILY_CODES, listing_readiness
from ..services import listing_effective_values
from ..state import listing_status_move, manual_move_options
from .shared import AREA, job_watch_context, jobs_watch, safe_next


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
            "move_options": manual_move_options(listing, [i for i in issues if i.is_blocking]),
            "on_marketplace": listings_on_marketplace(Listing.objects.filter(pk=listing.pk)).exists(),
            "status_labels": dict(ListingStatus.choices),
            "can_edit": can_edit(self.request.user, AREA),
            "can_retry": can_edit(self.request.user, "sync"),
            # "List each variant separately" beside the problems a marketplace has with this variation family
            "is_family": listing.variant_id is None and bool(listing.product.variants.all()),
            "family_problem": listing.variant_id is None and any(i.code in FAMILY_CODES for i in issues),
            **job_watch_context(self.request),
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
        self.redirect_to = ""
        try:
            messages.success(request, self.perform(request, listing))
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        return HttpResponseRedirect(self.redirect_to or back)

    def perform(self, request: HttpRequest, listing: Listing) -> str:
        if self.action == "publish":
            job = listings_publish(channel=listing.channel, listing_ids=[listing.pk], user=request.user)
            jobs_watch(request, [job])
            url = reverse("syncing:job_detail", kwargs={"pk": job.pk})
            return format_html(
                'Publishing {} on {}: <a href="{}">job #{}</a>.', listing.product.sku, listing.channel.name, url, job.pk
            )
        if self.action == "publish_changes":
            jobs = listings_changes_publish(channel=listing.channel, listing_ids=[listing.pk], user=request.user)
            numbers = ", ".join(f"#{job.pk}" for job in jobs.values() if job is not None)
            return f"Publishing the changes of {listing.product.sku} on {listing.channel.name}: job {numbers}."
        if self.action == "split_variants":
            created = services.listing_variants_split(listing=listing, user=request.user)
            self.redirect_to = reverse("catalog:product_detail", kwargs={"pk": listing.product_id})
            return (
                f"Listed {len(created)} variant{'s' if len(created) != 1 else ''} of {listing.product.sku} "
                f"separately on {listing.channel.name}."
            )
        if self.action == "accept_remote":
            listing_remote_accept(listing=listing, user=request.user)
            return "Took the marketplace's values; the listing is in sync again."
        form = ListingTransitionForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Choose the status to move the listing to.")
        to_status = form.cleaned_data["to_status"]
        listing_status_move(listing=listing, to_status=to_status, user=request.user, reason=form.cleaned_data["reason"])
        return f"Listing moved to {ListingStatus(to_status).label}."

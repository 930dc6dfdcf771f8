"""Deactivating listings on the marketplace from a listing or a product, after a confirmation
(docs/sync.md#deactivation)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from accounts.mixins import StaffWriteMixin
from accounts.roles import channel_scoped
from catalog.models import Product
from common.errors import ApplicationError
from common.views import error_text
from syncing.selectors import listings_on_marketplace
from syncing.services import (
    DEACTIVATE_MODES,
    ChannelDeactivateResult,
    listings_deactivate,
    listings_deactivate_grouped,
    product_listings_deactivate,
)

from ..models import Listing
from .shared import AREA, flash


def flash_deactivate(request: HttpRequest, results: list[ChannelDeactivateResult], label: str) -> None:
    done = [
        f"{label} on {r.channel.name}: {len(r.job.listing_ids)} listing(s), job #{r.job.pk}. "
        "Each status changes once the marketplace has confirmed."
        for r in results
        if r.job
    ]
    flash(request, done, [f"{r.channel.name}: {error_text(r.error)}" for r in results if r.error])


def channel_summary(listings: list[Listing]) -> list[dict[str, Any]]:
    """Per channel: its name, marketplace and how many of `listings` are on it (the confirmation pages)."""
    rows: dict[int, dict[str, Any]] = {}
    for listing in listings:
        row = rows.setdefault(
            listing.channel_id,
            {"channel": listing.channel, "marketplace": listing.channel.get_marketplace_display(), "count": 0},
        )
        row["count"] += 1
    return sorted(rows.values(), key=lambda row: row["channel"].name)


def deactivate_mode_choice(request: HttpRequest) -> str:
    mode = request.POST.get("mode") or request.GET.get("mode") or "delist"
    return mode if mode in DEACTIVATE_MODES else "delist"


def deactivate_confirmed_or_asked(request: HttpRequest, listings: list[Listing], back: str, ids: list[int]):
    """The bulk "Deactivate on marketplace": first a page naming the channels and marketplaces, then the jobs."""
    held = [listing for listing in listings if listing.external_id]
    mode = deactivate_mode_choice(request)
    if request.POST.get("confirm") == "yes":
        flash_deactivate(
            request,
            listings_deactivate_grouped(listings=held, mode=mode, user=request.user),
            DEACTIVATE_MODES[mode].label,
        )
        return HttpResponseRedirect(back)
    return deactivate_confirm_page(
        request,
        held,
        title="Deactivate listings on their marketplaces",
        action_url=reverse("listings:listing_bulk"),
        cancel_url=back,
        skipped=len(listings) - len(held),
        ids=ids,
        next=back,
    )


def deactivate_confirm_page(
    request: HttpRequest, listings: list[Listing], *, title: str, action_url: str, cancel_url: str, **extra: Any
) -> HttpResponse:
    """The confirmation of a deactivation: the channels and marketplaces it goes to, how many listings, the
    mode to choose; nothing is sent until it is submitted."""
    context = {
        "rows": channel_summary(listings),
        "skipped": 0,
        "modes": DEACTIVATE_MODES.values(),
        "mode": deactivate_mode_choice(request),
        "action_url": action_url,
        "cancel_url": cancel_url,
        "title": title,
        **extra,
    }
    return render(request, "listings/listing_deactivate.html", context)


class ListingDeactivateView(StaffWriteMixin, View):
    """One listing's "Deactivate on marketplace": GET asks (naming the marketplace), POST starts the job."""

    required_area = AREA

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        listing = get_object_or_404(
            channel_scoped(Listing.objects.select_related("product", "channel"), request.user), pk=pk
        )
        return deactivate_confirm_page(
            request,
            [listing],
            title=f"Take {listing.product.sku} off {listing.channel.name}",
            action_url=reverse("listings:listing_deactivate", kwargs={"pk": pk}),
            cancel_url=reverse("listings:listing_detail", kwargs={"pk": pk}),
            listing=listing,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        listing = get_object_or_404(channel_scoped(Listing.objects.select_related("channel"), request.user), pk=pk)
        mode = DEACTIVATE_MODES[deactivate_mode_choice(request)]
        try:
            job = listings_deactivate(channel=listing.channel, listing_ids=[pk], mode=mode.code, user=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            marketplace = listing.channel.get_marketplace_display()
            messages.success(
                request,
                f"{mode.label} sent to {listing.channel.name} ({marketplace}): job #{job.pk}. "
                f"The status changes once {marketplace} has confirmed.",
            )
        return redirect("listings:listing_detail", pk=pk)


class ProductDelistView(StaffWriteMixin, View):
    """The product page's "Delist everywhere": every listing of the product that a marketplace holds."""

    required_area = AREA

    def get(self, request: HttpRequest, product_pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=product_pk)
        held = list(
            listings_on_marketplace(
                channel_scoped(Listing.objects.filter(product=product), request.user)
            ).select_related("channel")
        )
        return deactivate_confirm_page(
            request,
            held,
            title=f"Delist {product.sku} everywhere",
            action_url=reverse("listings:product_delist", kwargs={"product_pk": product_pk}),
            cancel_url=reverse("catalog:product_detail", kwargs={"pk": product_pk}),
        )

    def post(self, request: HttpRequest, product_pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=product_pk)
        mode = deactivate_mode_choice(request)
        results = product_listings_deactivate(product_ids=[product.pk], mode=mode, user=request.user)
        if not results:
            messages.error(request, f"{product.sku} is on no marketplace: nothing to delist.")
        flash_deactivate(request, results, DEACTIVATE_MODES[mode].label)
        return redirect("catalog:product_detail", pk=product.pk)

"""The product page's actions: duplicate, delete, list on channels (with readiness per channel), publish
everywhere (docs/pages.md#product-actions). Writes go through catalog and listings/syncing services."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from accounts.mixins import StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from catalog import services
from catalog.forms import ProductDuplicateForm
from catalog.models import Product
from channels.models import Channel
from common.errors import ApplicationError
from common.views import add_service_errors, error_text
from listings.forms import ChannelChoiceForm
from listings.models import Listing
from listings.readiness import listing_readiness
from listings.services import listings_blocking_delete, listings_bulk_assign
from listings.views import flash_publish
from syncing.services import listings_publish_grouped

# --- Duplicate and delete (docs/pages.md#product-actions) ---


class ProductDuplicateView(StaffWriteMixin, View):
    """Copy a product under a new SKU (variants with new SKUs, images, attributes; no listings)."""

    required_area = "catalog"

    def page(self, request: HttpRequest, product: Product, form: ProductDuplicateForm, status: int = 200):
        context = {
            "product": product,
            "form": form,
            "variant_fields": form.bound_variant_fields(),
            "image_count": product.images.count(),
        }
        return render(request, "catalog/product_duplicate.html", context, status=status)

    def form(self, product: Product, data: Any = None) -> ProductDuplicateForm:
        proposed = services.duplicate_variant_skus(product, f"{product.sku}-COPY")
        return ProductDuplicateForm(
            data, product=product, proposed=proposed, initial={"sku": f"{product.sku}-COPY", "title": product.title}
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=pk)
        return self.page(request, product, self.form(product))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=pk)
        form = self.form(product, request.POST)
        if form.is_valid():
            try:
                copy = services.product_duplicate(
                    product=product,
                    sku=form.cleaned_data["sku"],
                    title=form.cleaned_data["title"],
                    variant_skus=form.variant_skus(),
                    user=request.user,
                )
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Created {copy.sku}, a copy of {product.sku} (draft, on no channel).")
                return redirect("catalog:product_detail", pk=copy.pk)
        return self.page(request, product, form, status=400)


class ProductDeleteView(StaffWriteMixin, View):
    """Delete a product: GET names the listings a marketplace holds (then it is refused) or what goes with it."""

    required_area = "catalog"

    def page(self, request: HttpRequest, product: Product, status: int = 200) -> HttpResponse:
        context = {
            "product": product,
            "blocking": listings_blocking_delete(product.pk),
            "variant_count": product.variants.count(),
            "image_count": product.images.count(),
            "listing_count": Listing.objects.filter(product=product).count(),
            "can_edit_listings": can_edit(request.user, "listings"),
        }
        return render(request, "catalog/product_delete.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(request, get_object_or_404(Product, pk=pk))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=pk)
        try:
            services.product_delete(product=product, user=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
            return self.page(request, product, status=409)
        messages.success(request, f"Deleted {product.sku}.")
        return redirect("catalog:product_list")


# --- List on channels, publish everywhere (docs/pages.md#product-actions) ---


def channel_readiness_rows(product: Product, user: Any) -> list[dict[str, Any]]:
    """Per channel of the user: its listing of the product if there is one, else the readiness verdict a new
    listing would get (checked on an unsaved listing, so nothing is written before the seller chooses)."""
    existing = {
        listing.channel_id: listing
        for listing in Listing.objects.filter(product=product, variant__isnull=True).select_related("channel")
    }
    rows = []
    for channel in channel_scoped(Channel.objects.order_by("name"), user, "pk"):
        listing = existing.get(channel.pk)
        issues = listing_readiness(listing or Listing(product=product, channel=channel))
        blocking = [issue.message for issue in issues if issue.is_blocking]
        rows.append({"channel": channel, "listing": listing, "blocking": blocking, "can_publish": not blocking})
    return rows


class ProductListOnChannelsView(StaffWriteMixin, View):
    """ "List on channels…": pick channels, seeing at once what each would refuse; creates draft listings and,
    if asked, publishes the ones that can be published."""

    required_area = "listings"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=pk)
        context = {"product": product, "rows": channel_readiness_rows(product, request.user)}
        return render(request, "catalog/product_list_on.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=pk)
        form = ChannelChoiceForm(request.POST)
        form.fields["channels"].queryset = channel_scoped(Channel.objects.order_by("name"), request.user, "pk")  # type: ignore[attr-defined]
        if not form.is_valid() or not form.cleaned_data["channels"]:
            messages.error(request, "Choose at least one of your channels.")
            return redirect("catalog:product_list_on", pk=pk)
        channels = list(form.cleaned_data["channels"])
        try:
            counts = listings_bulk_assign(products=[product.pk], channels=channels, user=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
            return redirect("catalog:product_list_on", pk=pk)
        messages.success(
            request,
            f"Listed {product.sku} on {counts['created']} channel(s), {counts['skipped']} skipped (already listed).",
        )
        if request.POST.get("publish") == "on":
            listings = Listing.objects.filter(product=product, channel__in=channels, variant__isnull=True)
            publish_ready(request, list(listings.select_related("channel")))
        return redirect(reverse("catalog:product_detail", kwargs={"pk": pk}) + "#listings")


def publish_ready(request: HttpRequest, listings: list[Listing]) -> None:
    """Publish the listings whose stored verdict has no blocking issue; say how many were skipped and why."""
    ready = [listing for listing in listings if listing.readiness_blocking == 0]
    blocked = [listing for listing in listings if listing.readiness_blocking != 0]
    if blocked:
        names = ", ".join(sorted(listing.channel.name for listing in blocked))
        messages.warning(request, f"{len(blocked)} skipped: not ready to publish ({names}); fix them first.")
    if ready:
        flash_publish(request, listings_publish_grouped(listings=ready, user=request.user))
    elif not blocked:
        messages.error(request, "Nothing to publish: the product is on none of your channels.")


class ProductPublishEverywhereView(StaffWriteMixin, View):
    """ "Publish everywhere": every listing of the product on the user's channels that can be published."""

    required_area = "listings"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=pk)
        listings = channel_scoped(Listing.objects.filter(product=product), request.user).select_related("channel")
        publish_ready(request, list(listings))
        return redirect(reverse("catalog:product_detail", kwargs={"pk": pk}))

"""The products x channels matrix, one channel at a time or all (docs/pages.md#listing-matrix), and a cell's
link to its listing or to the product's listings."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin
from accounts.roles import can_edit, channel_scoped
from catalog.filters import ProductFilterSet
from catalog.models import Product
from channels.models import Channel
from common.pagination import PagedListMixin

from ..models import Listing
from .shared import AREA

MATRIX_PAGE_SIZE = 50
MATRIX_ALL = "all"  # ?show=all: every channel as a column


def matrix_channels_shown(request: HttpRequest, channels: list[Channel], listed_on: Channel | None) -> str:
    """The matrix's `?show=`: "all", or the pk (as text) of the one channel shown (docs/pages.md#listing-matrix).

    By default one channel: the "Listed on" filter's, else the first active one by name. A channel the user may
    not see, or that does not exist, is said in a message and the default is shown."""
    show = request.GET.get("show", "")
    pks = {str(channel.pk) for channel in channels}
    if show == MATRIX_ALL or show in pks:
        return show
    if show:
        messages.warning(request, "That channel is not one you can see; showing the default one.")
    if listed_on is not None and str(listed_on.pk) in pks:
        return str(listed_on.pk)
    active = [channel for channel in channels if channel.is_active] or channels
    return str(active[0].pk) if active else MATRIX_ALL


class ListingMatrixView(StaffReadMixin, PagedListMixin, ListView):
    """Products (filtered like the product list) as rows; one channel (the switcher's `?show=`) or every channel
    as columns, each cell a status badge."""

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
        choices = list(channel_scoped(Channel.objects.only("pk", "name", "is_active"), user, "pk").order_by("name"))
        form = self.filterset.form
        listed_on = form.cleaned_data.get("channel") if form.is_bound and form.is_valid() else None
        shown = matrix_channels_shown(self.request, choices, listed_on)
        channels = choices if shown == MATRIX_ALL else [c for c in choices if str(c.pk) == shown]
        products = context["products"]
        cells: dict[tuple[int, int], Listing] = {}
        listings = (
            channel_scoped(Listing.objects.all(), user)
            .filter(
                product_id__in=[p.pk for p in products],
                channel_id__in=[c.pk for c in channels],
                variant__isnull=True,
            )
            .only(
                "pk",
                "product_id",
                "channel_id",
                "status",
                "status_reason",
                "readiness_blocking",
                "last_error_message",
                "changed_since_push",
                "changed_at",
                "changed_parts",
            )
        )
        for listing in listings:
            cells[(listing.product_id, listing.channel_id)] = listing
        context["rows"] = [{"product": p, "cells": [cells.get((p.pk, c.pk)) for c in channels]} for p in products]
        context["channels"] = channels
        context["channel_choices"] = choices
        context["shown"] = shown
        context["show_all"] = MATRIX_ALL
        context["filter"] = self.filterset
        context["can_edit"] = can_edit(self.request.user, AREA)
        return context


class ListingCellView(StaffReadMixin, View):
    """A matrix cell: the listing's page if there is one, else the product page's listing section."""

    def get(self, request: HttpRequest, product_pk: int, channel_pk: int) -> HttpResponse:
        scoped = channel_scoped(Listing.objects.all(), request.user)
        listing = scoped.filter(product_id=product_pk, channel_id=channel_pk, variant__isnull=True).first()
        if listing:
            return redirect("listings:listing_detail", pk=listing.pk)
        return redirect(reverse("catalog:product_detail", kwargs={"pk": product_pk}) + "#listings")

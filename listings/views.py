"""Staff pages of listings: the products x channels matrix, the filtered list, and one listing's page with
effective values, readiness, overrides, drift and history. Writes call listings/syncing services only."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views import View
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from catalog.filters import ProductFilterSet
from catalog.models import Product, ProductImage, Variant
from channels.models import Channel
from common.errors import ApplicationError
from common.pagination import PagedListMixin
from common.views import add_service_errors, error_text
from syncing.models import SyncJob
from syncing.selectors import listing_sync_history, listings_on_marketplace
from syncing.services import (
    DEACTIVATE_MODES,
    ChannelDeactivateResult,
    ChannelPublishResult,
    listing_remote_accept,
    listings_changes_publish,
    listings_changes_publish_grouped,
    listings_deactivate,
    listings_deactivate_grouped,
    listings_publish,
    listings_publish_grouped,
    product_listings_deactivate,
)

from . import services
from .choices import ListingStatus
from .effective import effective_price, effective_quantity
from .filters import ListingFilterSet
from .forms import ListingBulkForm, ListingOverridesForm, ListingTransitionForm
from .models import Listing
from .readiness import FAMILY_CODES, listing_readiness
from .services import listing_effective_values
from .state import listing_status_move, manual_move_options

# Channel fields the price and stock rules read (channels/rules.py)
CHANNEL_OFFER_FIELDS = (
    "currency",
    "price_currency_rate",
    "price_adjust_type",
    "price_adjust_value",
    "price_rounding_ending",
    "price_min",
    "price_max",
    "stock_percent",
    "stock_buffer",
    "stock_max",
    "minimum_stock",
    "minimum_stock_primary",
)
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
    done = [publish_started(r.channel.name, r.job, len(r.listing_ids)) for r in results if r.job]
    flash(request, done, [f"{r.channel.name}: {error_text(r.error)}" for r in results if r.error])
    jobs_watch(request, [r.job for r in results if r.job])


def publish_started(channel_name: str, job: SyncJob, chosen: int) -> str:
    """ "Publishing 58 listing(s) on Etsy: job #7 (2 skipped: paused)", with the job linked to its page."""
    skipped = chosen - len(job.listing_ids)
    return format_html(
        'Publishing {} listing(s) on {}: <a href="{}">job #{}</a>, {} skipped{}.',
        len(job.listing_ids),
        channel_name,
        reverse("syncing:job_detail", kwargs={"pk": job.pk}),
        job.pk,
        skipped,
        " (paused)" if skipped else "",
    )


# --- Live progress of the jobs a page started (docs/pages.md#publish-progress) ---

WATCH_SESSION_KEY = "watched_jobs"


def jobs_watch(request: HttpRequest, jobs: list[SyncJob]) -> None:
    """Remember the jobs just started, so that the next page shows their progress inline."""
    if jobs:
        watched = request.session.get(WATCH_SESSION_KEY, [])
        request.session[WATCH_SESSION_KEY] = [*watched, *(job.pk for job in jobs)][-10:]


def watched_jobs(request: HttpRequest) -> list[dict[str, Any]]:
    """The jobs this session just started (taken once from the session) on the user's channels, for the inline
    progress box: each with its progress JSON URL and its page."""
    ids = request.session.pop(WATCH_SESSION_KEY, [])
    if not ids:
        return []
    jobs = channel_scoped(SyncJob.objects.filter(pk__in=ids).select_related("channel"), request.user)
    return [
        {
            "job": job,
            "progress_url": reverse("syncing:job_progress", kwargs={"pk": job.pk}),
            "url": reverse("syncing:job_detail", kwargs={"pk": job.pk}),
            "active": job.is_active,
        }
        for job in jobs.defer("listing_ids").order_by("pk")
    ]


def job_watch_context(request: HttpRequest) -> dict[str, Any]:
    """`watched_jobs` for listings/_job_progress.html and `jobs_running` (publish buttons start disabled)."""
    watched = watched_jobs(request)
    return {"watched_jobs": watched, "jobs_running": any(w["active"] for w in watched)}


def flash_publish_changes(request: HttpRequest, listing_ids: list[int]) -> None:
    """Run "Publish changes" on the listings (per channel) and say what started and what each channel refused."""
    results = listings_changes_publish_grouped(listing_ids=listing_ids, user=request.user)
    done, refused = [], []
    for result in results:
        jobs = [job for job in result["jobs"].values() if job is not None]
        if result["error"]:
            refused.append(f"{result['channel'].name}: {result['error']}")
        else:
            numbers = ", ".join(f"#{job.pk}" for job in jobs)
            count, name = len(result["listing_ids"]), result["channel"].name
            done.append(f"Publishing the changes of {count} listing(s) on {name}: job {numbers}.")
    if not results:
        refused.append("No listings selected on your channels.")
    flash(request, done, refused)
    jobs_watch(request, [job for result in results for job in result["jobs"].values() if job is not None])


class ListingPublishChangesView(StaffWriteMixin, View):
    """ "Publish changes" of every listing matching the list's filters (all pages, not only the selection)."""

    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        back = safe_next(request, reverse("listings:listing_list"))
        data = QueryDict(request.POST.get("filters", ""))
        queryset = channel_scoped(Listing.objects.all(), request.user)
        filterset = ListingFilterSet(data, queryset=queryset, request=request)
        if not filterset.is_valid():
            messages.error(request, "These filters are not valid; filter the list again.")
            return HttpResponseRedirect(back)
        ids = list(filterset.qs.filter(changed_since_push=True).values_list("pk", flat=True))
        if not ids:
            messages.error(request, "No matching listing has changes that are not pushed.")
            return HttpResponseRedirect(back)
        flash_publish_changes(request, ids)
        return HttpResponseRedirect(back)


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
        # what the phone cards show too: each listing's price and stock on its channel (docs/pages.md#phone-layout)
        variants = Prefetch("product__variants", queryset=Variant.objects.only("id", "product_id", "quantity"))
        offer_fields = [f"product__{name}" for name in ("price", "quantity")]
        offer_fields += [f"variant__{name}" for name in ("price", "quantity")]
        offer_fields += [f"channel__{name}" for name in CHANNEL_OFFER_FIELDS]
        queryset = self.filterset.qs.select_related("product", "variant", "channel", "latest_score", "margin")
        return queryset.prefetch_related(variants).only(
            *offer_fields,
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
            "changed_since_push",
            "changed_at",
            "changed_parts",
            "latest_score__total_score",
            "margin__net_margin_pct",
            "margin__below_floor",
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["sort_current"] = self.request.GET.get("sort", "")
        context["bulk_form"] = ListingBulkForm()
        context["can_edit"] = can_edit(self.request.user, AREA)
        context.update(job_watch_context(self.request))
        for listing in context["listings"]:
            listing.offer_price = effective_price(listing).value
            listing.offer_quantity = effective_quantity(listing).value
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
        if form.cleaned_data["select_all"]:
            scoped = listings_matching(request, form.cleaned_data["filters"])
            if scoped is None:
                messages.error(request, "These filters are not valid; filter the list again.")
                return HttpResponseRedirect(back)
        else:
            scoped = channel_scoped(Listing.objects.filter(pk__in=form.cleaned_data["ids"]), request.user)
        listings = list(scoped.select_related("product", "channel"))
        if not listings:
            messages.error(request, "No listing of your channels matches this selection; nothing was changed.")
            return HttpResponseRedirect(back)
        action = form.cleaned_data["action"]
        if action == "publish":
            flash_publish(request, listings_publish_grouped(listings=listings, user=request.user))
            return HttpResponseRedirect(back)
        if action == "deactivate":
            return deactivate_confirmed_or_asked(request, listings, back, [listing.pk for listing in listings])
        if action == "publish_changes":
            flash_publish_changes(request, [listing.pk for listing in listings])
            return HttpResponseRedirect(back)
        done, refusals = services.listings_bulk_transition(listings=listings, to_status=action, user=request.user)
        refused = [f"{listing}: {error_text(exc)}" for listing, exc in refusals]
        summary = f"{done} listing(s) moved to {ListingStatus(action).label}, {len(refused)} skipped"
        flash(request, [f"{summary}{' (refused, below)' if refused else ''}."] if done else [], refused)
        return HttpResponseRedirect(back)


def listings_matching(request: HttpRequest, filters: str) -> Any:
    """The listing list's filter (its query string) applied again on the user's channels; None when not valid."""
    queryset = channel_scoped(Listing.objects.all(), request.user)
    filterset = ListingFilterSet(QueryDict(filters or ""), queryset=queryset, request=request)
    if not filterset.is_valid():
        return None
    return filterset.qs.order_by("pk")


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


class ListingCellView(StaffReadMixin, View):
    """A matrix cell: the listing's page if there is one, else the product page's listing section."""

    def get(self, request: HttpRequest, product_pk: int, channel_pk: int) -> HttpResponse:
        scoped = channel_scoped(Listing.objects.all(), request.user)
        listing = scoped.filter(product_id=product_pk, channel_id=channel_pk, variant__isnull=True).first()
        if listing:
            return redirect("listings:listing_detail", pk=listing.pk)
        return redirect(reverse("catalog:product_detail", kwargs={"pk": product_pk}) + "#listings")


# --- Deactivate on the marketplace (docs/sync.md#deactivation) ---


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

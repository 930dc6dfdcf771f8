"""The filtered listing list, its bulk actions and "Publish changes" of every listing matching its filters.
Writes call listings/syncing services only."""

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from catalog.models import Variant
from channels.models import OFFER_RULE_FIELDS
from common.pagination import PagedListMixin
from common.views import error_text
from syncing.services import listings_changes_publish_grouped, listings_publish_grouped

from .. import services
from ..choices import ListingStatus
from ..effective import effective_price, effective_quantity
from ..filters import ListingFilterSet
from ..forms import ListingBulkForm
from ..models import Listing
from .deactivate import deactivate_confirmed_or_asked
from .shared import AREA, flash, flash_publish, job_watch_context, jobs_watch, safe_next

# Channel fields the price and stock rules read (channels/rules.py)
CHANNEL_OFFER_FIELDS = ("currency", *OFFER_RULE_FIELDS)


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

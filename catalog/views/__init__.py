"""Staff pages of the catalog: product list with filters and bulk actions, detail, create/edit with variants
and images (the product page's other actions: `actions`; the price and stock grid: `grid`). Every write calls a
catalog service; refusals come back as form errors or flash messages."""

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, can_view, channel_scoped
from catalog import services
from catalog.filters import ProductFilterSet
from catalog.forms import (
    BULK_MAX,
    BULK_STATUS_ACTIONS,
    OPTIONS_HINT,
    BaseVariantFormSet,
    ImageUpdateForm,
    ProductBulkForm,
    ProductForm,
    VariantFormSet,
)
from catalog.models import Product, ProductImage, Variant
from catalog.selectors import (
    STOCK_TOTAL,
    category_full_names,
    product_history,
    product_metafield_rows,
    product_stock_total,
)
from channels.models import Channel
from common.errors import ApplicationError
from common.pagination import PagedListMixin
from common.spreadsheets import csv_row
from common.views import add_service_errors, error_text
from listings.models import Listing
from listings.readiness import FAMILY_CODES, listing_readiness
from listings.services import listings_bulk_assign
from listings.state import manual_move_options
from listings.views import flash_publish, job_watch_context
from syncing.selectors import listings_on_marketplace
from syncing.services import listings_publish_grouped

PAGE_SIZES = (25, 50, 100)
CATALOG_WRITE_ACTIONS = {*BULK_STATUS_ACTIONS, "category"}  # bounded by BULK_MAX, done in the request
DEFAULT_PAGE_SIZE = 50
SEARCH_COUNT_CAP = 1_000


# --- Product list ---


class ProductListView(StaffReadMixin, PagedListMixin, ListView):
    template_name = "catalog/product_list.html"
    context_object_name = "products"

    def get_paginate_by(self, queryset: Any) -> int:
        try:
            size = int(self.request.GET.get("per_page", DEFAULT_PAGE_SIZE))
        except ValueError:
            return DEFAULT_PAGE_SIZE
        return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE

    def get_queryset(self):
        self.filterset = ProductFilterSet(
            self.request.GET or None, queryset=Product.objects.all(), request=self.request
        )
        primary = Prefetch("images", queryset=ProductImage.objects.filter(is_primary=True), to_attr="primary_images")
        queryset = self.filterset.qs.annotate(**{STOCK_TOTAL: product_stock_total()})
        sort = getattr(self.filterset.form, "cleaned_data", {}).get("sort") or ""
        if sort.lstrip("-") == "quantity":  # the Stock column: a family's total, as shown (docs/pages.md#family-stock)
            sign = "-" if sort.startswith("-") else ""
            queryset = queryset.order_by(f"{sign}{STOCK_TOTAL}", f"{sign}id")
        return (
            queryset.select_related("category")
            .prefetch_related(primary)
            .only(
                "id",
                "sku",
                "title",
                "brand",
                "barcode",
                "price",
                "currency",
                "quantity",
                "status",
                "updated_at",
                "category__id",
                "category__name",
            )
        )

    def get_count_cap(self) -> int | None:
        # A text search scans rows (LIKE '%term%'); stop counting early, as a search engine says "1,000+".
        return SEARCH_COUNT_CAP if self.request.GET.get("q", "").strip() else None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["sort_current"] = self.request.GET.get("sort", "")
        context["page_sizes"] = PAGE_SIZES
        context["bulk_form"] = ProductBulkForm(user=self.request.user)
        context["can_list"] = can_edit(self.request.user, "listings")
        context["channels"] = list(Channel.objects.only("pk", "name").order_by("name")) if context["can_list"] else []
        context["can_edit"] = can_edit(self.request.user, "catalog")
        context["can_add"] = context["can_edit"]
        attach_listing_summaries(context["products"], self.request.user)
        context.update(job_watch_context(self.request))
        return context


def attach_listing_summaries(products: list[Product], user: Any) -> None:
    """Set `listing_summary` (listed / ready / blocked / unchecked counts, from the stored readiness verdicts) on
    each product of a page: one grouped query for the page, whatever its size (on the user's channels)."""
    empty = {"listed": 0, "ready": 0, "blocked": 0, "unchecked": 0}
    rows = (
        channel_scoped(Listing.objects.filter(product_id__in=[p.pk for p in products]), user)
        .order_by()
        .values("product_id")
        .annotate(
            listed=Count("id"),
            ready=Count("id", filter=Q(readiness_blocking=0)),
            blocked=Count("id", filter=Q(readiness_blocking__gt=0)),
            unchecked=Count("id", filter=Q(readiness_blocking__isnull=True)),
        )
    )
    summaries: dict[int, dict[str, int]] = {}
    for row in rows if products else []:
        summaries[row["product_id"]] = {
            "listed": row["listed"],
            "ready": row["ready"],
            "blocked": row["blocked"],
            "unchecked": row["unchecked"],
        }
    for product in products:
        product.listing_summary = summaries.get(product.pk, empty)  # type: ignore[attr-defined]


def products_csv(products: list[Product]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="products-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(["sku", "title", "status", "category", "brand", "barcode", "price", "currency", "quantity"])
    names = category_full_names()
    stock = dict(  # a family's quantity is its variants' total, as on the list (docs/pages.md#family-stock)
        Product.objects.filter(pk__in=[p.pk for p in products])
        .annotate(stock=product_stock_total())
        .values_list("pk", "stock")
    )
    for p in products:
        row = [p.sku, p.title, p.status, names.get(p.category_id or 0, ""), p.brand, p.barcode, p.price]
        writer.writerow(csv_row([*row, p.currency, stock.get(p.pk, p.quantity)]))
    return response


class ProductBulkView(StaffReadMixin, View):
    """POST the checked products and an action. Exports need read access; status changes need change_product."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        back = request.POST.get("next") or reverse("catalog:product_list")
        if not back.startswith("/") or back.startswith("//"):
            back = reverse("catalog:product_list")
        form = ProductBulkForm(request.POST, user=request.user)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return HttpResponseRedirect(back)
        action = form.cleaned_data["action"]
        matching = None
        if form.cleaned_data["select_all"]:
            matching = products_matching(request, form.cleaned_data["filters"])
            if matching is None:
                messages.error(request, "These filters are not valid; filter the list again.")
                return HttpResponseRedirect(back)
            if action in CATALOG_WRITE_ACTIONS and matching.count() > BULK_MAX:
                messages.error(
                    request,
                    f"{matching.count()} products match: a change applies to at most {BULK_MAX} at once. "
                    "Narrow the filter, or change them with an import.",
                )
                return HttpResponseRedirect(back)
        products = form.products(matching)
        if not products:
            messages.error(request, "No product matches this filter any more; nothing was changed.")
            return HttpResponseRedirect(back)
        if action == "export_csv":
            return products_csv(products)
        if action in ("assign", "publish"):
            return self.listings_action(request, action, products, list(form.cleaned_data["channels"]), back)
        if not can_edit(request.user, "catalog"):
            messages.error(request, "You may view products but not change them.")
            return HttpResponseRedirect(back)
        if action == "category":
            category = form.cleaned_data["category"]
            self.update_each(request, products, {"category": category}, f"Moved to {category}")
        else:
            status = BULK_STATUS_ACTIONS[action]
            self.update_each(request, products, {"status": status}, f"Status set to {status.label}")
        return HttpResponseRedirect(back)

    def update_each(self, request: HttpRequest, products: list[Product], fields: dict[str, Any], done: str) -> None:
        """product_update on each product (one refused product does not stop the others); flash the counts."""
        changed, refused = 0, []
        for product in products:
            try:
                services.product_update(product=product, user=request.user, **fields)
                changed += 1
            except (ValidationError, ApplicationError) as exc:
                refused.append(f"{product.sku}: {error_text(exc)}")
        skipped = f"{len(refused)} skipped (refused, below)" if refused else "0 skipped"
        (messages.success if changed else messages.error)(request, f"{done} on {changed} product(s), {skipped}.")
        for line in refused[:10]:
            messages.error(request, line)
        if len(refused) > 10:
            messages.error(request, f"... and {len(refused) - 10} more refused.")

    def listings_action(self, request, action, products, channels, back) -> HttpResponse:
        """Assign the products to channels (draft listings) or publish their listings, through the services."""

        if not can_edit(request.user, "listings"):
            messages.error(request, "You may view listings but not change them.")
            return HttpResponseRedirect(back)
        if action == "assign":
            try:
                counts = listings_bulk_assign(products=[p.pk for p in products], channels=channels, user=request.user)
            except (ValidationError, ApplicationError) as exc:
                messages.error(request, error_text(exc))
                return HttpResponseRedirect(back)
            messages.success(
                request,
                f"Assigned {counts['products']} product(s) to {counts['channels']} channel(s): "
                f"{counts['created']} new listing(s), {counts['skipped']} skipped (already listed or archived).",
            )
            return HttpResponseRedirect(back)
        listings = channel_scoped(Listing.objects.filter(product__in=products), request.user)
        if channels:
            listings = listings.filter(channel__in=channels)
        chosen = list(listings.select_related("channel"))
        if not chosen:
            messages.error(request, "None of the selected products is listed on those channels; assign them first.")
            return HttpResponseRedirect(back)
        unlisted = len(products) - len({listing.product_id for listing in chosen})
        if unlisted:
            messages.warning(request, f"{unlisted} selected product(s) skipped: not listed on those channels.")
        flash_publish(request, listings_publish_grouped(listings=chosen, user=request.user))
        return HttpResponseRedirect(back)


def products_matching(request: HttpRequest, filters: str) -> Any:
    """The product list's filter (its query string) applied again on the server; None when it is not valid.
    Its channel choices are the user's own, so a filter naming another channel is refused, not widened."""
    filterset = ProductFilterSet(QueryDict(filters or ""), queryset=Product.objects.all(), request=request)
    if not filterset.is_valid():
        return None
    return filterset.qs.order_by("pk")


# --- Product detail ---


class ProductDetailView(StaffReadMixin, DetailView):
    template_name = "catalog/product_detail.html"
    context_object_name = "product"

    def get_queryset(self):
        variants = Prefetch("variants", queryset=Variant.objects.select_related("stock"))
        return Product.objects.select_related("category", "created_by", "updated_by").prefetch_related(
            "images", variants
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        product = self.object
        context["category_name"] = category_full_names().get(product.category_id or 0, "")
        context["images"] = list(product.images.all())
        context["variants"] = list(product.variants.all())
        context["variant_stock"] = variant_stock_rows(context["variants"])
        context["can_edit"] = can_edit(self.request.user, "catalog")
        context["can_edit_listings"] = can_edit(self.request.user, "listings")
        context["listing_rows"] = product_listing_rows(product, self.request.user)
        context["metafield_rows"] = product_metafield_rows(product)
        context["history"] = product_history(product) if can_view(self.request.user) else []
        context.update(job_watch_context(self.request))
        return context


def variant_stock_rows(variants: list[Variant]) -> dict[str, Any]:
    """The stock buckets of each variant (a variant without a stock row yet: its quantity on hand, nothing
    committed) and the family's totals; `available` is the catalog quantity, the figure the product list shows
    (docs/pages.md#family-stock)."""
    rows: list[dict[str, Any]] = []
    for variant in variants:
        try:
            stock = variant.stock  # type: ignore[attr-defined]
        except ObjectDoesNotExist:
            stock = None
        on_hand, committed = (stock.on_hand, stock.committed) if stock else (variant.quantity, 0)
        row = {"variant": variant, "on_hand": on_hand, "committed": committed, "available": variant.quantity}
        rows.append({**row, "oversold": bool(stock and stock.oversold)})
    totals = {key: sum(row[key] for row in rows) for key in ("on_hand", "committed", "available")}
    return {"rows": rows, "totals": totals}


def product_listing_rows(product: Product, user: Any = None) -> list[dict[str, Any]]:
    """One row per listing of the product: channel, status badge, readiness issues and the status changer's
    moves (the listing page's, docs/pages.md#status-changer), worked out from the same blocking issues."""

    rows = []
    listings = channel_scoped(Listing.objects.filter(product=product), user).select_related(
        "channel", "variant", "product"
    )
    for listing in listings.order_by("channel__name", "variant_id"):
        blocking = [i for i in listing_readiness(listing) if i.is_blocking]
        issues = [i.message for i in blocking]
        # a family the marketplace will not take: "List each variant separately" in the row (docs/sync.md)
        split = not listing.external_id and any(i.code in FAMILY_CODES for i in blocking)
        rows.append(
            {
                "listing": listing,
                "channel": listing.channel.name + (f" · {listing.variant.sku}" if listing.variant else ""),
                "status": listing.status,
                "status_label": listing.get_status_display(),
                "issues": issues,
                "reason": listing.last_error_message or listing.status_reason,
                "url": reverse("listings:listing_detail", kwargs={"pk": listing.pk}),
                "split_url": reverse("listings:listing_split_variants", kwargs={"pk": listing.pk}) if split else "",
                "move_options": manual_move_options(listing, blocking),
                "changer_id": f"-{listing.pk}",  # the changer's ids, one per row
            }
        )
    return rows


# --- Product create / edit ---


class ProductEditMixin(StaffWriteMixin):
    template_name = "catalog/product_form.html"
    object: Product | None = None
    request: HttpRequest

    def forms(self, data=None, files=None):
        form = ProductForm(data, files, instance=self.object)
        formset = VariantFormSet(data, instance=self.object or Product(), prefix="variants")
        return form, formset

    def render_forms(self, form, formset, status: int = 200) -> HttpResponse:
        images = list(self.object.images.all()) if self.object else []
        context = {
            "form": form,
            "formset": formset,
            "product": self.object,
            "images": images,
            "options_hint": OPTIONS_HINT,
        }
        context["existing_hashes"] = ",".join(i.sha256 for i in images)
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_forms(*self.forms())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form, formset = self.forms(request.POST, request.FILES)
        if form.is_valid() and formset.is_valid():
            product = self.save_all(form, formset)
            if product is not None:
                verb = "Saved" if self.object else "Created"
                messages.success(request, f"{verb} {product.sku}.")
                return redirect("catalog:product_detail", pk=product.pk)
        return self.render_forms(form, formset, status=400)

    def save_all(self, form: ProductForm, formset: BaseVariantFormSet) -> Product | None:
        """Product, variants and images through product_save (all or nothing); refusals go beside their fields."""
        rows = formset.service_writes()
        images = form.service_images()
        try:
            return services.product_save(
                product=self.object,
                fields=form.service_fields(),
                variants=[write for _, write in rows],
                images=images,
                expected_version=form.cleaned_data.get("version") if self.object else None,
                user=self.request.user,
            )
        except services.ProductPartsError as exc:
            for index, error in exc.variant_errors.items():
                add_service_errors(rows[index][0], error)
            for index, error in exc.image_errors.items():
                form.add_error("images", f"{images[index].filename}: {error_text(error)}")
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
        return None


class ProductCreateView(ProductEditMixin, View):
    required_area = "catalog"


class ProductUpdateView(ProductEditMixin, View):
    required_area = "catalog"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.object = get_object_or_404(Product, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


# --- Images ---


class ImageUpdateView(StaffWriteMixin, View):
    """Alt text, order and primary flag of one image (a small form on the product page)."""

    required_area = "catalog"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
        image = get_object_or_404(ProductImage, pk=image_pk, product_id=pk)
        form = ImageUpdateForm(request.POST, instance=ProductImage.objects.get(pk=image.pk))
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
            return redirect("catalog:product_detail", pk=pk)
        try:
            services.image_update(
                image=image,
                user=request.user,
                alt_text=form.cleaned_data["alt_text"],
                sort_order=form.cleaned_data["sort_order"],
                is_primary=form.cleaned_data["is_primary"] or None,
            )
            messages.success(request, f"Image {image.original_filename or image.pk} updated.")
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        return redirect("catalog:product_detail", pk=pk)


class ImageDeleteView(StaffWriteMixin, View):
    required_area = "catalog"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
        image = get_object_or_404(ProductImage, pk=image_pk, product_id=pk)
        name = image.original_filename or f"#{image.pk}"
        try:
            services.image_delete(image=image, user=request.user)
            messages.success(request, f"Image {name} deleted.")
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        return redirect("catalog:product_detail", pk=pk)


# --- Archive ---


class ProductArchiveView(StaffWriteMixin, View):
    """Archive a product: GET warns, naming the channels it is still on; POST archives it, and with
    "deactivate_listings" ticked takes those listings off the marketplaces too (docs/sync.md#deactivation)."""

    required_area = "catalog"

    def channels_on_marketplace(self, product: Product) -> list[dict[str, Any]]:
        held = listings_on_marketplace(Listing.objects.filter(product=product)).select_related("channel")
        counts: dict[int, dict[str, Any]] = {}
        for listing in held:
            row = counts.setdefault(
                listing.channel_id,
                {"name": listing.channel.name, "marketplace": listing.channel.get_marketplace_display(), "count": 0},
            )
            row["count"] += 1
        return sorted(counts.values(), key=lambda row: row["name"])

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=pk)
        context = {"product": product, "channels": self.channels_on_marketplace(product)}
        return render(request, "catalog/product_archive.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=pk)
        deactivate = request.POST.get("deactivate_listings") == "on"
        try:
            services.product_archive(product=product, user=request.user, deactivate_listings=deactivate)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
            context = {"product": product, "channels": self.channels_on_marketplace(product)}
            return render(request, "catalog/product_archive.html", context, status=409)
        done = " Its listings are being deactivated on the marketplaces." if deactivate else ""
        messages.success(request, f"{product.sku} archived.{done}")
        return redirect("catalog:product_detail", pk=pk)

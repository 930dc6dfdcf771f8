"""The bulk price and stock grid (docs/pages.md#bulk-price-and-stock-grid): the filtered products and their
variants, or the filtered listings (`?rows=listings`), in one table of plain form fields, saved as one changeset
by listings.services.grid."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Field, Model, Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views import View

from accounts.mixins import StaffWriteMixin
from accounts.roles import channel_scoped
from catalog.filters import ProductFilterSet
from catalog.models import Product, Variant
from common.errors import ApplicationError
from common.views import error_text
from listings.effective import effective_price, effective_quantity
from listings.filters import ListingFilterSet
from listings.models import Listing
from listings.services.grid import GridChange, GridChangesetError, offers_grid_save

# --- Bulk price and stock grid (docs/pages.md#bulk-price-and-stock-grid) ---

GRID_PAGE_SIZE = 50
GRID_COLUMNS = ("price", "compare_at_price", "stock")
LISTING_GRID_COLUMNS = ("price", "compare_at_price", "quantity")
COLUMN_LABELS = {"price": "Price", "compare_at_price": "Compare-at price", "stock": "Stock", "quantity": "Stock"}
# The model field behind each column: its form field validates a cell as the model's forms do.
MODEL_FIELDS = {"price": "price", "compare_at_price": "compare_at_price", "stock": "quantity", "quantity": "quantity"}


def grid_rows(products: list[Product]) -> list[dict[str, Any]]:
    """One row per product, then one per variant: the values the grid shows (and posts back as `seen`)."""
    rows: list[dict[str, Any]] = []
    for product in products:
        variants = list(product.variants.all())
        rows.append(
            {
                "key": f"p{product.pk}",
                "model": Product,
                "product": product,
                "variant": None,
                "sku": product.sku,
                "label": product.title,
                "values": {
                    "price": str(product.price),
                    "compare_at_price": str(product.compare_at_price or ""),
                    "stock": "" if variants else str(product.quantity),
                },
                "columns": GRID_COLUMNS if not variants else GRID_COLUMNS[:2],
            }
        )
        for variant in variants:
            rows.append(
                {
                    "key": f"v{variant.pk}",
                    "model": Variant,
                    "product": product,
                    "variant": variant,
                    "sku": variant.sku,
                    "label": ", ".join(f"{k}: {v}" for k, v in variant.options.items()) or variant.sku,
                    "values": {
                        "price": str(variant.price or ""),
                        "compare_at_price": str(variant.compare_at_price or ""),
                        "stock": str(variant.quantity),
                    },
                    "placeholders": {"price": str(product.price)},
                    "columns": GRID_COLUMNS,
                }
            )
    for row in rows:
        row["seen"] = dict(row["values"])
    return rows


def listing_grid_rows(listings: list[Listing]) -> list[dict[str, Any]]:
    """One row per listing: its own price, compare-at price and stock overrides (empty = the product's value
    through the channel's rules) and, beside them, what the channel gets."""
    rows: list[dict[str, Any]] = []
    for listing in listings:
        price, quantity = effective_price(listing), effective_quantity(listing)
        rows.append(
            {
                "key": f"l{listing.pk}",
                "model": Listing,
                "listing": listing,
                "product": listing.product,
                "variant": listing.variant,
                "sku": listing.variant.sku if listing.variant else listing.product.sku,
                "label": f"{listing.product.title} on {listing.channel.name}",
                "values": {
                    "price": "" if listing.price is None else str(listing.price),
                    "compare_at_price": "" if listing.compare_at_price is None else str(listing.compare_at_price),
                    "quantity": "" if listing.quantity is None else str(listing.quantity),
                },
                "placeholders": {"price": str(price.value), "quantity": str(quantity.value)},
                "effective": {"price": price, "quantity": quantity},
                "columns": LISTING_GRID_COLUMNS,
            }
        )
    for row in rows:
        row["seen"] = dict(row["values"])
    return rows


def grid_parse(row: dict[str, Any], data: Any) -> tuple[GridChange | None, dict[str, str]]:
    """The row's change from the POST (None when unchanged), or why each of its changed cells is not valid."""
    key, model = row["key"], row["model"]
    fields: dict[str, Decimal | int | None] = {}
    seen: dict[str, Decimal | int | None] = {}
    errors: dict[str, str] = {}
    stock = stock_seen = None
    for name in row["columns"]:
        posted = (data.get(f"{key}-{name}") or "").strip()
        was = data.get(f"{key}-seen-{name}", row["seen"][name]).strip()
        row["values"][name] = posted
        if posted == was:
            continue
        try:
            value = _cell_clean(model, name, posted)
        except ValidationError as exc:
            errors[name] = f"{COLUMN_LABELS[name]}: {' '.join(exc.messages)}"
            continue
        try:
            old = _cell_clean(model, name, was)
        except ValidationError:
            old = None
        if name != "stock":
            fields[name], seen[name] = value, old
        elif old is None:
            errors[name] = "Stock: the value shown is not a whole number; reload the grid."
        else:
            stock, stock_seen = value, old
    if errors or (not fields and stock is None):
        return None, errors
    return GridChange(
        key=key,
        product_id=row["product"].pk if model is Product else None,
        variant_id=row["variant"].pk if model is Variant else None,
        listing_id=row["listing"].pk if model is Listing else None,
        fields=fields,
        seen=seen,
        stock=stock,
        stock_seen=stock_seen,
    ), {}


def _cell_clean(model: type[Model], name: str, text: str) -> Any:
    """The cell's value as the model's form takes it: its form field, then the model field's validators."""
    model_field = model._meta.get_field(MODEL_FIELDS[name])
    assert isinstance(model_field, Field)  # price, compare-at price and quantity are plain columns
    formfield = model_field.formfield()
    value = formfield.clean(text) if formfield is not None else text
    if value is not None:
        model_field.run_validators(value)
    return value


class ProductBulkEditView(StaffWriteMixin, View):
    """Price, compare-at price and stock of the filtered products and their variants, or of the filtered listings
    (`?rows=listings`), in one table; saved as one changeset (listings.services.offers_grid_save), every row or
    none, errors beside their cells."""

    required_area = "catalog"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.mode = "listings" if request.GET.get("rows") == "listings" else "products"
        if self.mode == "listings":
            self.required_area = "listings"

    def products(self, request: HttpRequest, keys: list[str] | None = None) -> tuple[list[dict[str, Any]], Any]:
        queryset = Product.objects.prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id"))
        )
        if keys is not None:
            ids = {int(k[1:]) for k in keys if k.startswith("p") and k[1:].isdigit()}
            return grid_rows(list(queryset.filter(pk__in=ids).order_by("sku"))), None
        filterset = ProductFilterSet(request.GET or None, queryset=queryset, request=request)
        page = Paginator(filterset.qs.order_by("sku"), GRID_PAGE_SIZE).get_page(request.GET.get("page"))
        return grid_rows(list(page.object_list)), page

    def listings(self, request: HttpRequest, keys: list[str] | None = None) -> tuple[list[dict[str, Any]], Any]:
        queryset = channel_scoped(Listing.objects.all(), request.user)
        if keys is None:
            queryset = ListingFilterSet(request.GET or None, queryset=queryset, request=request).qs
        else:
            queryset = queryset.filter(pk__in=[int(k[1:]) for k in keys if k.startswith("l") and k[1:].isdigit()])
        # the variants' stock: a product-level listing of a product with variants offers their total
        variants = Prefetch("product__variants", queryset=Variant.objects.only("id", "product_id", "quantity"))
        queryset = queryset.select_related("product", "variant", "channel").prefetch_related(variants)
        queryset = queryset.order_by("product__sku", "channel__name", "pk")
        if keys is not None:
            return listing_grid_rows(list(queryset)), None
        page = Paginator(queryset, GRID_PAGE_SIZE).get_page(request.GET.get("page"))
        return listing_grid_rows(list(page.object_list)), page

    def rows(self, request: HttpRequest, keys: list[str] | None = None) -> tuple[list[dict[str, Any]], Any]:
        return self.listings(request, keys) if self.mode == "listings" else self.products(request, keys)

    def render_grid(self, request, rows, page=None, reason="", errors=None, status=200) -> HttpResponse:
        errors = errors or {}
        columns = LISTING_GRID_COLUMNS if self.mode == "listings" else GRID_COLUMNS
        for row in rows:
            cell_errors = row.get("cell_errors", {})
            row["error"] = errors.get(row["key"], "")
            row["cells"] = [
                {
                    "name": name,
                    "label": COLUMN_LABELS[name],
                    "value": row["values"][name],
                    "placeholder": row.get("placeholders", {}).get(name, ""),
                    "error": cell_errors.get(name, ""),
                    "editable": name in row["columns"],
                    "numeric": name in ("stock", "quantity"),
                }
                for name in columns
            ]
        context = {"rows": rows, "page_obj": page, "reason": reason, "errors": errors, "mode": self.mode}
        context["reason_error"] = errors.get("reason", "")
        return render(request, "catalog/product_bulk_edit.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        rows, page = self.rows(request)
        return self.render_grid(request, rows, page)

    def post(self, request: HttpRequest) -> HttpResponse:
        keys = request.POST.getlist("row")
        rows = [row for row in self.rows(request, keys)[0] if row["key"] in keys]
        changes, errors = [], {}
        for row in rows:
            change, row["cell_errors"] = grid_parse(row, request.POST)
            if row["cell_errors"]:
                errors[row["key"]] = " ".join(row["cell_errors"].values())
            elif change is not None:
                changes.append(change)
        reason = request.POST.get("reason", "")
        if not errors and not changes:
            messages.info(request, "Nothing changed.")
            return HttpResponseRedirect(request.get_full_path())
        if not errors:
            try:
                counts = offers_grid_save(changes=changes, reason=reason, user=request.user)
            except GridChangesetError as exc:
                errors = exc.row_errors
            except (ValidationError, ApplicationError) as exc:
                errors = {"reason": error_text(exc)}
            else:
                messages.success(
                    request,
                    f"Saved {counts['rows']} row(s) as changeset #{counts['changeset']}: {counts['prices']} price "
                    f"change(s), {counts['stock']} stock change(s). The changesets page can undo it.",
                )
                return HttpResponseRedirect(request.get_full_path())
        messages.error(request, f"Nothing was saved: {len(errors)} row(s) need a fix (shown beside them).")
        return self.render_grid(request, rows, reason=reason, errors=errors, status=400)

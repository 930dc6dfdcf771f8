"""The bulk price and stock grid (docs/pages.md#bulk-price-and-stock-grid): the filtered products and their
variants in one table of plain form fields, saved as one changeset by listings.services.grid."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views import View

from accounts.mixins import StaffWriteMixin
from catalog.filters import ProductFilterSet
from catalog.models import Product, Variant
from common.errors import ApplicationError
from common.views import error_text
from listings.services.grid import GridChange, GridChangesetError, offers_grid_save

# --- Bulk price and stock grid (docs/pages.md#bulk-price-and-stock-grid) ---

GRID_PAGE_SIZE = 50
GRID_COLUMNS = ("price", "compare_at_price", "stock")


def grid_rows(products: list[Product]) -> list[dict[str, Any]]:
    """One row per product, then one per variant: the values the grid shows (and posts back as `seen`)."""
    rows: list[dict[str, Any]] = []
    for product in products:
        variants = list(product.variants.all())
        rows.append(
            {
                "key": f"p{product.pk}",
                "product": product,
                "variant": None,
                "sku": product.sku,
                "label": product.title,
                "values": {
                    "price": str(product.price),
                    "compare_at_price": str(product.compare_at_price or ""),
                    "stock": "" if variants else str(product.quantity),
                },
                "has_stock": not variants,
            }
        )
        for variant in variants:
            rows.append(
                {
                    "key": f"v{variant.pk}",
                    "product": product,
                    "variant": variant,
                    "sku": variant.sku,
                    "label": ", ".join(f"{k}: {v}" for k, v in variant.options.items()) or variant.sku,
                    "values": {
                        "price": str(variant.price or ""),
                        "compare_at_price": str(variant.compare_at_price or ""),
                        "stock": str(variant.quantity),
                    },
                    "has_stock": True,
                }
            )
    for row in rows:
        row["seen"] = dict(row["values"])
    return rows


def grid_parse(row: dict[str, Any], data: Any) -> tuple[GridChange | None, str]:
    """The row's change from the POST (None when unchanged), or why its input is not valid."""
    key = row["key"]
    change_fields: dict[str, Decimal | None] = {}
    seen: dict[str, Decimal | None] = {}
    for name in ("price", "compare_at_price"):
        posted = (data.get(f"{key}-{name}") or "").strip()
        was = data.get(f"{key}-seen-{name}", row["seen"][name]).strip()
        row["values"][name] = posted
        if posted == was:
            continue
        if not posted and (name == "compare_at_price" or row["variant"] is not None):
            change_fields[name], seen[name] = None, _decimal_or_none(was)
            continue
        try:
            change_fields[name], seen[name] = Decimal(posted), _decimal_or_none(was)
        except ArithmeticError:
            return None, f"{name.replace('_', '-').capitalize()}: enter an amount such as 12.50."
    stock = stock_seen = None
    if row["has_stock"]:
        posted = (data.get(f"{key}-stock") or "").strip()
        was = data.get(f"{key}-seen-stock", row["seen"]["stock"]).strip()
        row["values"]["stock"] = posted
        if posted != was:
            if not posted.lstrip("-").isdigit() or not was.lstrip("-").isdigit():
                return None, "Stock: enter a whole number."
            stock, stock_seen = int(posted), int(was)
    if not change_fields and stock is None:
        return None, ""
    variant = row["variant"]
    return GridChange(
        key=key,
        product_id=None if variant else row["product"].pk,
        variant_id=variant.pk if variant else None,
        fields=change_fields,
        seen=seen,
        stock=stock,
        stock_seen=stock_seen,
    ), ""


def _decimal_or_none(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except ArithmeticError:
        return None


class ProductBulkEditView(StaffWriteMixin, View):
    """Price, compare-at price and stock of the filtered products and their variants in one table; saved as one
    changeset (listings.services.offers_grid_save), every row or none, errors beside their rows."""

    required_area = "catalog"

    def products(self, request: HttpRequest, keys: list[str] | None = None) -> tuple[list[Product], Any]:
        queryset = Product.objects.prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id"))
        )
        if keys is not None:
            ids = {int(k[1:]) for k in keys if k.startswith("p") and k[1:].isdigit()}
            return list(queryset.filter(pk__in=ids).order_by("sku")), None
        filterset = ProductFilterSet(request.GET or None, queryset=queryset, request=request)
        page = Paginator(filterset.qs.order_by("sku"), GRID_PAGE_SIZE).get_page(request.GET.get("page"))
        return list(page.object_list), page

    def render_grid(self, request, rows, page=None, reason="", errors=None, status=200) -> HttpResponse:
        errors = errors or {}
        for row in rows:
            row["error"] = errors.get(row["key"], "")
        context = {"rows": rows, "page_obj": page, "reason": reason, "errors": errors, "columns": GRID_COLUMNS}
        context["reason_error"] = errors.get("reason", "")
        return render(request, "catalog/product_bulk_edit.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        products, page = self.products(request)
        return self.render_grid(request, grid_rows(products), page)

    def post(self, request: HttpRequest) -> HttpResponse:
        keys = request.POST.getlist("row")
        products, _ = self.products(request, keys)
        rows = [row for row in grid_rows(products) if row["key"] in keys]
        changes, errors = [], {}
        for row in rows:
            change, error = grid_parse(row, request.POST)
            if error:
                errors[row["key"]] = error
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
                    f"Saved {counts['rows']} row(s): {counts['prices']} price change(s), {counts['stock']} stock "
                    "change(s) (in the stock ledger with your reason).",
                )
                return HttpResponseRedirect(request.get_full_path())
        messages.error(request, f"Nothing was saved: {len(errors)} row(s) need a fix (shown beside them).")
        return self.render_grid(request, rows, reason=reason, errors=errors, status=400)

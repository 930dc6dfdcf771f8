"""The product's metafields page (docs/catalog.md#metafields): one input per product metafield definition, saved
through `product_metafields_update`; a refused value is shown beside its input and nothing is saved."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from accounts.mixins import StaffReadMixin
from accounts.roles import can_edit
from catalog import services
from catalog.choices import MetafieldOwner
from catalog.forms import ProductMetafieldsForm
from catalog.models import Product, metafield_definitions
from common.errors import ApplicationError
from common.views import add_service_errors


class ProductMetafieldsView(StaffReadMixin, View):
    """Viewers read the values; editors of the catalog change them (POST needs the edit right)."""

    required_area = "catalog"

    def page(self, request: HttpRequest, product: Product, form: ProductMetafieldsForm, status: int = 200) -> Any:
        context = {"product": product, "form": form, "can_edit": can_edit(request.user, "catalog")}
        return render(request, "catalog/product_metafields.html", context, status=status)

    def form(self, product: Product, data: Any = None) -> ProductMetafieldsForm:
        definitions = metafield_definitions(MetafieldOwner.PRODUCT)
        return ProductMetafieldsForm(data, product=product, definitions=definitions)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=pk)
        return self.page(request, product, self.form(product))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        product = get_object_or_404(Product, pk=pk)
        form = self.form(product, request.POST)
        if form.is_valid():
            changed = form.changed_keys()
            if not changed:
                messages.info(request, "No metafield changed.")
                return redirect("catalog:product_metafields", pk=pk)
            try:
                services.product_metafields_update(
                    product=product,
                    values={key: form.values[key] for key in changed},
                    user=request.user,
                    expected_version=form.cleaned_data.get("version"),
                )
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Saved {len(changed)} metafield(s): {', '.join(changed)}.")
                return redirect("catalog:product_metafields", pk=pk)
        return self.page(request, product, form, status=400)

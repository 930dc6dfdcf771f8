"""Staff pages of suppliers, components (with their prices), a product's bill of materials with its landed cost
per unit, and the cost alerts (docs/pricing.md#pages). Every save goes through inventory.cost_services."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin, forbidden_response
from accounts.roles import can_edit
from catalog.models import Product
from common.errors import ApplicationError
from common.pagination import PagedListMixin
from common.views import add_service_errors, error_text

from . import cost_services as services
from .cost_filters import ComponentFilterSet, SupplierFilterSet
from .cost_forms import BomLineForm, ComponentForm, ComponentPriceForm, PlannedBatchForm, SupplierForm
from .cost_models import BomLine, Component, ComponentPrice, PlannedBatch, Supplier
from .cost_selectors import (
    bom_lines_of_product,
    component_list,
    component_price_list,
    landed_cost_alerts,
    supplier_list,
    unit_landed_cost,
)

AREA = "catalog"


class _CanEditMixin:
    request: HttpRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["can_edit"] = can_edit(self.request.user, AREA)
        return context


# --- Generic form page: a ModelForm checked, then one service call ---


class ServiceFormView(StaffWriteMixin, View):
    """GET shows the form; POST validates it, calls `create` (or `update` with `instance_kwarg`) and redirects
    to the object's page; a service refusal is shown next to the fields it names (status 400)."""

    required_area = AREA
    template_name = "inventory/cost_form.html"
    form_class: type[ModelForm]
    model: type[Any]
    create: Callable[..., Any] | None = None
    update: Callable[..., Any] | None = None
    instance_kwarg = ""
    title = ""
    success_url_name = ""
    object: Any = None

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        if "pk" in kwargs:
            self.object = get_object_or_404(self.model, pk=kwargs["pk"])

    def form_kwargs(self) -> dict[str, Any]:
        return {"instance": self.object}

    def service_kwargs(self, form: ModelForm) -> dict[str, Any]:
        return {name: form.cleaned_data[name] for name in form.fields}

    def render_form(self, form: ModelForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "object": self.object, "title": self.title, "cancel": self.cancel_url()}
        return render(self.request, self.template_name, context, status=status)

    def cancel_url(self) -> str:
        return self.request.GET.get("back", "") if self.request.GET.get("back", "").startswith("/") else "/costs/"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_form(self.form_class(**self.form_kwargs()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST, **self.form_kwargs())
        if form.is_valid():
            try:
                saved = self.save(form)
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Saved {saved}.")
                return redirect(self.success_url(saved))
        return self.render_form(form, status=400)

    def save(self, form: ModelForm) -> Any:
        fields = self.service_kwargs(form)
        if self.object is None or self.object.pk is None:
            assert self.create is not None
            return type(self).create(user=self.request.user, **fields)  # type: ignore[misc]
        fresh = self.model.objects.get(pk=self.object.pk)
        return type(self).update(**{self.instance_kwarg: fresh}, user=self.request.user, **fields)  # type: ignore[misc]

    def success_url(self, saved: Any) -> str:
        return reverse(self.success_url_name, kwargs={"pk": saved.pk})


# --- Suppliers ---


class SupplierListView(StaffReadMixin, _CanEditMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "inventory/supplier_list.html"
    context_object_name = "suppliers"

    def get_queryset(self):
        return SupplierFilterSet(self.request.GET, supplier_list().annotate(price_count=Count("component_prices"))).qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(q=self.request.GET.get("q", ""), **kwargs)


class SupplierDetailView(StaffReadMixin, _CanEditMixin, DetailView):
    template_name = "inventory/supplier_detail.html"
    context_object_name = "supplier"
    queryset = Supplier.objects.all()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        prices = component_price_list().filter(supplier=self.object)[:200]
        return super().get_context_data(prices=prices, **kwargs)


class SupplierFormView(ServiceFormView):
    form_class = SupplierForm
    model = Supplier
    create, update = services.supplier_create, services.supplier_update
    instance_kwarg = "supplier"
    title = "Supplier"
    success_url_name = "costs:supplier_detail"


# --- Components and their prices ---


class ComponentListView(StaffReadMixin, _CanEditMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "inventory/component_list.html"
    context_object_name = "components"

    def get_queryset(self):
        queryset = component_list().annotate(price_count=Count("prices", distinct=True), used=Count("bom_lines"))
        return ComponentFilterSet(self.request.GET, queryset).qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(q=self.request.GET.get("q", ""), **kwargs)


class ComponentDetailView(StaffReadMixin, _CanEditMixin, DetailView):
    """A component: its supplier prices (breaks, windows), where it is used, and a form to add a price."""

    template_name = "inventory/component_detail.html"
    context_object_name = "component"

    def get_queryset(self):
        return component_list()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        usages = BomLine.objects.filter(component=self.object).select_related("product", "variant", "variant__product")
        return super().get_context_data(
            prices=component_price_list().filter(component=self.object),
            usages=usages[:200],
            price_form=ComponentPriceForm(),
            **kwargs,
        )


class ComponentFormView(ServiceFormView):
    form_class = ComponentForm
    model = Component
    create, update = services.component_create, services.component_update
    instance_kwarg = "component"
    title = "Component"
    success_url_name = "costs:component_detail"


class ComponentPriceCreateView(ServiceFormView):
    """Add a price to the component of the URL (`component_pk`)."""

    form_class = ComponentPriceForm
    model = ComponentPrice
    create = services.component_price_create
    title = "Component price"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.component = get_object_or_404(Component, pk=kwargs["component_pk"])
        self.object = ComponentPrice(component=self.component)

    def service_kwargs(self, form: ModelForm) -> dict[str, Any]:
        return {**super().service_kwargs(form), "component": self.component}

    def success_url(self, saved: Any) -> str:
        return reverse("costs:component_detail", kwargs={"pk": self.component.pk})


class ComponentPriceUpdateView(ServiceFormView):
    form_class = ComponentPriceForm
    model = ComponentPrice
    update = services.component_price_update
    instance_kwarg = "price"
    title = "Component price"

    def success_url(self, saved: Any) -> str:
        return reverse("costs:component_detail", kwargs={"pk": saved.component_id})


class ComponentPriceDeleteView(StaffWriteMixin, View):
    required_area = AREA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        price = get_object_or_404(ComponentPrice, pk=pk)
        component_id = price.component_id
        services.component_price_delete(price=price, user=request.user)
        messages.success(request, "Price removed.")
        return redirect("costs:component_detail", pk=component_id)


# --- A product's bill of materials ---


class ProductBomView(StaffReadMixin, View):
    """The product's bill (its lines and each variant's own), the landed cost of each unit with the rows used,
    the planned batch per unit, and forms to add or remove lines (editors)."""

    template_name = "inventory/product_bom.html"
    required_area = AREA

    def units(self, product: Product) -> list[dict[str, Any]]:
        batches = {b.variant_id: b.quantity for b in PlannedBatch.objects.filter(product=product)}
        units: list[dict[str, Any]] = [
            {
                "label": "Product (no variant)",
                "variant": None,
                "batch": batches.get(None, 1),
                "landed": unit_landed_cost(product=product),
            }
        ]
        for variant in product.variants.all():
            units.append(
                {
                    "label": variant.sku,
                    "variant": variant,
                    "batch": batches.get(variant.pk, 1),
                    "landed": unit_landed_cost(product=product, variant=variant),
                }
            )
        return units

    def render_page(self, product: Product, form: BomLineForm | None = None, status: int = 200) -> HttpResponse:
        context = {
            "product": product,
            "lines": bom_lines_of_product(product),
            "units": self.units(product),
            "form": form or BomLineForm(product=product),
            "batch_form": PlannedBatchForm(),
            "can_edit": can_edit(self.request.user, AREA),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_page(get_object_or_404(Product, pk=pk))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not can_edit(request.user, AREA):
            return forbidden_response(request, area=AREA)
        product = get_object_or_404(Product, pk=pk)
        action = request.POST.get("action", "add")
        try:
            if action == "delete":
                line = get_object_or_404(BomLine.objects.select_related("variant"), pk=request.POST.get("line"))
                if line.owner_product_id != product.pk:
                    raise ApplicationError("This line belongs to another product.")
                services.bom_line_delete(line=line, user=request.user)
                messages.success(request, "Line removed.")
                return redirect("costs:product_bom", pk=product.pk)
            if action == "batch":
                batch = PlannedBatchForm(request.POST)
                if not batch.is_valid():
                    raise ApplicationError("The planned batch is a whole number of at least 1.")
                variant_id = batch.cleaned_data["variant"]
                if variant_id is not None and not product.variants.filter(pk=variant_id).exists():
                    raise ApplicationError("This variant belongs to another product.")
                services.planned_batch_set(
                    product_id=product.pk,
                    variant_id=variant_id,
                    quantity=batch.cleaned_data["quantity"],
                    user=request.user,
                )
                messages.success(request, "Planned batch saved; landed costs are being recomputed.")
                return redirect("costs:product_bom", pk=product.pk)
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, error_text(exc))
            return redirect("costs:product_bom", pk=product.pk)
        form = BomLineForm(request.POST, product=product)
        if form.is_valid():
            variant = form.cleaned_data["variant"]
            target = {"variant": variant} if variant is not None else {"product": product}
            fields = {k: form.cleaned_data[k] for k in ("component", "quantity", "cost_override", "notes")}
            try:
                services.bom_line_create(user=request.user, **target, **fields)
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Added {fields['component']} to the bill.")
                return redirect("costs:product_bom", pk=product.pk)
        return self.render_page(product, form, status=400)


class CostAlertListView(StaffReadMixin, PagedListMixin, ListView):
    """Units whose landed cost uses a price that expires soon, or that could buy cheaper."""

    paginate_by = 50
    template_name = "inventory/cost_alerts.html"
    context_object_name = "rows"

    def get_queryset(self):
        return landed_cost_alerts()

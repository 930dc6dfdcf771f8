"""Staff pages of the category tree and its icons (docs/catalog.md#category-icons). Writes go through the catalog
services; a refused upload says why and keeps the page."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit
from catalog import services
from catalog.models import Category, CategoryIcon
from catalog.selectors import category_active_icons
from common.errors import ApplicationError
from common.views import add_service_errors, error_text


class IconUploadForm(forms.Form):
    icon = forms.FileField(help_text="PNG, JPEG, WebP or GIF, at most 2 MB. It becomes the active icon.")


class CategoryTitleLimitForm(forms.ModelForm):
    """The category's own title limit; the service refuses one that products of the subtree already exceed."""

    class Meta:
        model = Category
        fields = ["title_max_length"]


class CategoryTreeView(StaffReadMixin, View):
    """Every category in tree order with its active icon and its product count."""

    def get(self, request: HttpRequest) -> HttpResponse:
        categories = list(Category.objects.annotate(product_count=Count("products")).order_by("path"))
        icons = category_active_icons()
        rows = [{"category": c, "icon": icons.get(c.pk)} for c in categories]
        return render(request, "catalog/category_list.html", {"rows": rows})


class CategoryDetailView(StaffReadMixin, View):
    """A category's icons: the active one first, the others kept for going back."""

    def page(
        self,
        request: HttpRequest,
        category: Category,
        form: IconUploadForm | None = None,
        limit_form: CategoryTitleLimitForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "category": category,
            "icons": category.icons.order_by("status", "-created_at", "-id"),
            "form": form or IconUploadForm(),
            "limit_form": limit_form or CategoryTitleLimitForm(instance=category),
            "title_limit": Category.objects.get(pk=category.pk).title_limit(),
            "can_edit": can_edit(request.user, "catalog"),
        }
        return render(request, "catalog/category_detail.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(request, get_object_or_404(Category, pk=pk))


class CategoryTitleLimitView(StaffWriteMixin, View):
    """Set or clear the category's title limit (docs/catalog.md#title-length) through `category_update`."""

    required_area = "catalog"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        category = get_object_or_404(Category, pk=pk)
        form = CategoryTitleLimitForm(request.POST, instance=Category.objects.get(pk=pk))
        if form.is_valid():
            limit = form.cleaned_data["title_max_length"]
            try:
                services.category_update(category=category, user=request.user, title_max_length=limit)
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                said = f"at most {limit} characters" if limit else "no limit of its own"
                messages.success(request, f"Titles in {category.name}: {said}.")
                return redirect("catalog:category_detail", pk=pk)
        return CategoryDetailView().page(request, get_object_or_404(Category, pk=pk), limit_form=form, status=400)


class CategoryIconUploadView(StaffWriteMixin, View):
    required_area = "catalog"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        category = get_object_or_404(Category, pk=pk)
        form = IconUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["icon"]
            try:
                icon = services.category_icon_add(category=category, upload=upload, user=request.user)
            except (ValidationError, ApplicationError) as exc:
                form.add_error("icon", error_text(exc))
            else:
                messages.success(request, f"Icon {icon} is now the icon of {category.name}.")
                return redirect("catalog:category_detail", pk=pk)
        return CategoryDetailView().page(request, category, form=form, status=400)


class CategoryIconStatusView(StaffWriteMixin, View):
    required_area = "catalog"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, icon_pk: int) -> HttpResponse:
        icon = get_object_or_404(CategoryIcon, pk=icon_pk, category_id=pk)
        try:
            if request.POST.get("action") == "delete":
                services.category_icon_delete(icon=icon, user=request.user)
                messages.success(request, f"Icon {icon} deleted.")
            else:
                services.category_icon_set_status(icon=icon, status=request.POST.get("status", ""), user=request.user)
                messages.success(request, f"Icon {icon} is now {icon.get_status_display().lower()}.")
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        return redirect("catalog:category_detail", pk=pk)

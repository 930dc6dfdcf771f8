from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ExportMixin
from import_export.formats import base_formats

from common.errors import ApplicationError

from . import services
from .choices import ProductStatus
from .fields import VARIANT_FIELDS
from .importing.formats import CalamineXLSX
from .importing.services import import_batch_undo_request
from .models import (
    AttributeDefinition,
    Category,
    CategoryIcon,
    ImportBatch,
    MetafieldDefinition,
    Product,
    ProductImage,
    Variant,
)
from .resources import ProductResource
from .services.icons import icon_inspect

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")


class AttributeDefinitionInline(admin.TabularInline):
    model = AttributeDefinition
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("indented_name", "slug", "sort_order", "is_active", "title_max_length", "depth")
    list_filter = ("is_active", "depth")
    search_fields = ("name", "slug")
    readonly_fields = ("path", "depth", *AUDIT_FIELDS)
    inlines = [AttributeDefinitionInline]
    prepopulated_fields = {"slug": ("name",)}

    @admin.display(description="name", ordering="path")
    def indented_name(self, obj: Category) -> str:
        return format_html("{}{}", "\u2003" * obj.depth, obj.name)

    def save_model(self, request, obj, form, change):
        fields = ("name", "slug", "parent", "sort_order", "is_active", "title_max_length")
        data = {f: form.cleaned_data[f] for f in fields}
        if change:
            services.category_update(category=obj, user=request.user, **data)
        else:
            created = services.category_create(user=request.user, **data)
            obj.pk, obj.path = created.pk, created.path

    def delete_model(self, request, obj):
        services.category_delete(category=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            try:
                services.category_delete(category=category, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "type", "is_required", "category")
    list_filter = ("type", "is_required")
    search_fields = ("code", "label")


def image_thumb(image: ProductImage | None, css_class: str = "lm-thumb") -> str:
    """An <img> sized by static/css/admin.css (the CSP forbids inline styles), or "-" without an image."""
    if image is None or not image.image:
        return "-"
    return format_html('<img class="{}" src="{}" alt="{}" loading="lazy">', css_class, image.image.url, str(image))


def primary_images(lookup: str = "images") -> Prefetch:
    """The primary image of each product, prefetched in one query as `primary_images` (a list of 0 or 1)."""
    return Prefetch(lookup, queryset=ProductImage.objects.filter(is_primary=True), to_attr="primary_images")


def _first(images: list[ProductImage] | None) -> ProductImage | None:
    return images[0] if images else None


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = VARIANT_FIELDS


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ("thumb", "original_filename", "alt_text", "is_primary", "sort_order", "width", "height")
    readonly_fields = ("thumb", "original_filename", "width", "height")

    @admin.display(description="image")
    def thumb(self, obj: ProductImage) -> str:
        return image_thumb(obj)

    def has_add_permission(self, request, obj=None):
        return False  # images are added through image_add (validation + metadata), see the product page


def _run_service(modeladmin, request, queryset, action, label):
    done = 0
    for product in queryset:
        try:
            action(product)
            done += 1
        except (ValidationError, ApplicationError) as exc:
            modeladmin.message_user(request, f"{product.sku}: {exc}", messages.ERROR)
    modeladmin.message_user(request, f"{label}: {done} product(s).", messages.SUCCESS)


@admin.register(Product)
class ProductAdmin(ExportMixin, admin.ModelAdmin):
    # Export through django-import-export (formula-safe resource); "Import spreadsheet" opens the staged import
    # flow (imports:upload), which checks in bulk and can be undone.
    resource_classes = [ProductResource]
    export_formats = [CalamineXLSX, base_formats.CSV]
    import_export_change_list_template = "admin/catalog/product/change_list_import_export.html"
    list_display = (
        "thumb",
        "sku",
        "title",
        "brand",
        "category",
        "price",
        "currency",
        "quantity",
        "status",
        "updated_at",
    )
    list_display_links = ("thumb", "sku")
    list_filter = ("status", "currency", "brand", "category")
    search_fields = ("sku", "title", "barcode", "brand", "mpn")
    readonly_fields = ("version", *AUDIT_FIELDS)
    list_select_related = ("category",)
    inlines = [VariantInline, ProductImageInline]
    actions = ["make_active", "archive", "archive_and_deactivate"]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(primary_images())

    @admin.display(description="image")
    def thumb(self, obj: Product) -> str:
        return image_thumb(_first(getattr(obj, "primary_images", None)))

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f in services.products.PRODUCT_FIELDS}
        if change:
            services.product_update(product=obj, user=request.user, **data)
        else:
            fields = {f: form.cleaned_data[f] for f in form.cleaned_data if f in services.products.PRODUCT_FIELDS}
            created = services.product_create(user=request.user, **fields)
            obj.pk = created.pk

    def save_formset(self, request, form, formset, change):
        if formset.model is not Variant:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for variant in formset.deleted_objects:
            services.variant_delete(variant=variant, user=request.user)
        for variant in instances:
            fields = {f: getattr(variant, f) for f in services.products.VARIANT_FIELDS}
            if variant.pk:
                services.variant_update(variant=variant, user=request.user, **fields)
            else:
                services.variant_create(product=form.instance, user=request.user, **fields)
        return None

    @admin.action(description="Set status to active")
    def make_active(self, request, queryset):
        _run_service(
            self,
            request,
            queryset,
            lambda p: services.product_update(product=p, user=request.user, status=ProductStatus.ACTIVE),
            "Activated",
        )

    @admin.action(description="Archive (refused while on a marketplace)")
    def archive(self, request, queryset):
        _run_service(
            self, request, queryset, lambda p: services.product_archive(product=p, user=request.user), "Archived"
        )

    @admin.action(description="Archive and deactivate its listings on the marketplaces")
    def archive_and_deactivate(self, request, queryset):
        _run_service(
            self,
            request,
            queryset,
            lambda p: services.product_archive(product=p, user=request.user, deactivate_listings=True),
            "Archived (listings being deactivated)",
        )


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ("thumb", "sku", "product", "price", "quantity", "barcode")
    list_display_links = ("thumb", "sku")
    search_fields = ("sku", "product__sku", "barcode")
    list_select_related = ("product",)
    readonly_fields = ("product_image", *AUDIT_FIELDS)
    raw_id_fields = ("product",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(primary_images("product__images"))

    @admin.display(description="image")
    def thumb(self, obj: Variant) -> str:
        """Variants have no images of their own: the product's primary image."""
        return image_thumb(_first(getattr(obj.product, "primary_images", None)))

    @admin.display(description="product image")
    def product_image(self, obj: Variant) -> str:
        return image_thumb(obj.product.images.filter(is_primary=True).first(), "lm-thumb-large")


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = ("thumb", "__str__", "product", "width", "height", "is_primary", "white_background")
    list_display_links = ("thumb", "__str__")
    list_filter = ("is_primary",)
    search_fields = ("product__sku", "original_filename", "sha256")
    list_select_related = ("product",)
    readonly_fields = ("preview", "sha256", "width", "height", "file_size", "metadata", "image", *AUDIT_FIELDS)
    raw_id_fields = ("product",)

    @admin.display(description="image")
    def thumb(self, obj: ProductImage) -> str:
        return image_thumb(obj)

    @admin.display(description="preview")
    def preview(self, obj: ProductImage) -> str:
        return image_thumb(obj, "lm-thumb-large")

    @admin.display(boolean=True)
    def white_background(self, obj: ProductImage) -> bool:
        return bool(obj.metadata.get("white_background"))

    def has_add_permission(self, request):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Spreadsheet imports: read-only here; the page (link) shows the preview, progress and undo."""

    list_display = (
        "id",
        "original_filename",
        "status",
        "total_rows",
        "created_count",
        "updated_count",
        "error_count",
        "created_by",
        "created_at",
        "page",
    )
    list_filter = ("status", "on_error")
    search_fields = ("original_filename",)
    actions = ["undo"]

    @admin.display(description="page")
    def page(self, obj: ImportBatch) -> str:
        return format_html('<a href="{}">open</a>', reverse("imports:batch_detail", args=[obj.pk]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Undo the selected imports")
    def undo(self, request, queryset):
        for batch in queryset:
            try:
                batch = import_batch_undo_request(batch=batch, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"Import #{batch.pk}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"Import #{batch.pk}: undo started; its page shows the progress.")


@admin.register(MetafieldDefinition)
class MetafieldDefinitionAdmin(admin.ModelAdmin):
    """Definitions are written through the catalog services (the same checks as the API)."""

    list_display = ("namespace", "key", "owner_type", "type", "is_required", "updated_at")
    list_filter = ("owner_type", "type", "is_required")
    search_fields = ("namespace", "key", "name")
    readonly_fields = AUDIT_FIELDS

    def save_model(self, request, obj, form, change):
        fields = {f: form.cleaned_data[f] for f in form.cleaned_data if f in services.metafields.DEFINITION_FIELDS}
        if change:
            services.metafield_definition_update(definition=obj, user=request.user, **fields)
        else:
            obj.pk = services.metafield_definition_create(user=request.user, **fields).pk

    def delete_model(self, request, obj):
        try:
            services.metafield_definition_delete(definition=obj, user=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def has_delete_permission(self, request, obj=None):
        # the bulk delete action would bypass the service's check for values still in use
        return obj is not None and super().has_delete_permission(request, obj)


class CategoryIconAdminForm(forms.ModelForm):
    class Meta:
        model = CategoryIcon
        fields = ["category", "image", "status"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image is not None and self.instance.pk is None:
            icon_inspect(image)  # the service's checks, so a refused file is a form error, not a lost upload
        return image


@admin.register(CategoryIcon)
class CategoryIconAdmin(admin.ModelAdmin):
    """Category icons: an upload goes through `category_icon_add` (checks, de-duplication, one active icon);
    afterwards only the status changes, through `category_icon_set_status`."""

    list_display = ("thumbnail", "__str__", "category", "status", "width", "height", "file_size", "created_at")
    list_filter = ("status",)
    search_fields = ("category__name", "original_filename", "sha256")
    list_select_related = ("category",)
    raw_id_fields = ("category",)
    actions = ["make_active", "make_inactive"]
    form = CategoryIconAdminForm

    @admin.display(description="icon")
    def thumbnail(self, obj: CategoryIcon) -> str:
        return format_html('<img src="{}" alt="" width="32" height="32">', obj.image.url) if obj.image else ""

    def get_fields(self, request, obj=None):
        return ("category", "image") if obj is None else ("category", "image", "status", "sha256", "format")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("category", "image", "sha256", "format", "width", "height", "file_size", *AUDIT_FIELDS)

    def save_model(self, request, obj, form, change):
        if change:
            services.category_icon_set_status(icon=obj, status=form.cleaned_data["status"], user=request.user)
        else:
            saved = services.category_icon_add(
                category=form.cleaned_data["category"], upload=form.cleaned_data["image"], user=request.user
            )
            obj.pk, obj.sha256 = saved.pk, saved.sha256

    def _set(self, request, queryset, status: str) -> None:
        for icon in queryset:
            services.category_icon_set_status(icon=icon, status=status, user=request.user)
        self.message_user(request, f"{queryset.count()} icon(s) now {status}.")

    @admin.action(description="Make active (the category's other icon becomes inactive)")
    def make_active(self, request, queryset):
        self._set(request, queryset, "active")

    @admin.action(description="Make inactive")
    def make_inactive(self, request, queryset):
        self._set(request, queryset, "inactive")

    def delete_model(self, request, obj):
        services.category_icon_delete(icon=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for icon in queryset:
            services.category_icon_delete(icon=icon, user=request.user)

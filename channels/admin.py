from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from catalog.choices import ProductStatus
from catalog.models import Product
from common.admin import ReadOnlyAdmin
from common.errors import ApplicationError
from listings.services import listings_bulk_assign, listings_readiness_refresh_enqueue
from orders.services.pull import channel_orders_pull
from syncing.services import channel_listings_pull

from . import services
from .admin_forms import ChannelForm
from .models import AttributeValueMapping, CategoryMapping, Channel, RemoteCategory

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")
CREDENTIAL_INPUTS = ("credentials", "replace_credentials")


class CategoryMappingInline(admin.TabularInline):
    model = CategoryMapping
    extra = 0
    fields = ("category", "external_category_id", "external_category_name")
    autocomplete_fields = ("category",)


class AttributeValueMappingInline(admin.TabularInline):
    model = AttributeValueMapping
    extra = 0
    fields = ("attribute_code", "our_value", "marketplace_value")


def _model_fields(form: ChannelForm) -> dict:
    """Cleaned model fields of the form, without credentials inputs and many-to-many fields (saved by save_m2m)."""
    many = {f.name for f in Channel._meta.many_to_many}
    return {k: v for k, v in form.cleaned_data.items() if k not in CREDENTIAL_INPUTS and k not in many}


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "marketplace", "country", "currency", "is_active", "shop_id", "credential_names")
    list_filter = ("marketplace", "is_active", "country")
    search_fields = ("name", "shop_id")
    readonly_fields = (
        "stored_credentials",
        "pull_cursor",
        "last_full_pull_at",
        "circuit_open_until",
        "consecutive_failures",
        *AUDIT_FIELDS,
    )
    filter_horizontal = ("allowed_categories",)
    inlines = [CategoryMappingInline, AttributeValueMappingInline]
    actions = ["assign_active_products", "pull_listings", "pull_orders"]
    fieldsets = (
        (None, {"fields": ("name", "marketplace", "country", "currency", "language", "is_active")}),
        ("Connection", {"fields": ("base_url", "shop_id", "stored_credentials", *CREDENTIAL_INPUTS)}),
        ("Rate limit", {"fields": ("rate_limit_per_second", "rate_limit_burst")}),
        (
            "Readiness rules (empty: marketplace default)",
            {
                "fields": (
                    "title_max_length",
                    ("min_images", "max_images"),
                    "main_image_min_px",
                    "main_image_white_background",
                    "required_attributes",
                    "allowed_categories",
                )
            },
        ),
        (
            "Price and stock rules",
            {
                "fields": (
                    "price_currency_rate",
                    ("price_adjust_type", "price_adjust_value"),
                    "price_rounding_ending",
                    ("price_min", "price_max"),
                    ("stock_percent", "stock_buffer", "stock_max"),
                    ("minimum_stock", "minimum_stock_primary"),
                )
            },
        ),
        (
            "Sync",
            {
                "fields": (
                    "conflict_policy",
                    "pull_interval_hours",
                    "pull_incremental_minutes",
                    "pull_overlap_minutes",
                    "pull_cursor",
                    "last_full_pull_at",
                    "circuit_open_until",
                    "consecutive_failures",
                )
            },
        ),
        ("Push on change", {"fields": ("auto_push_offers", "auto_push_content", "push_debounce_seconds")}),
        ("History", {"classes": ("collapse",), "fields": AUDIT_FIELDS}),
    )

    @admin.display(description="credentials")
    def credential_names(self, obj: Channel) -> str:
        return ", ".join(obj.credentials_masked()) or "-"

    @admin.display(description="stored credentials")
    def stored_credentials(self, obj: Channel) -> str:
        masked = obj.credentials_masked() if obj.pk else {}
        if not masked:
            return "none"
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant
            "{}: {}",
            sorted(masked.items()),
        )

    def save_model(self, request, obj, form, change):
        fields = _model_fields(form)
        if change:
            stored = Channel.objects.values_list("credentials_encrypted", flat=True).get(pk=obj.pk)
            obj.credentials_encrypted = stored  # the form put merged values here for validation only
            services.channel_update(
                channel=obj,
                credentials=form.credential_values,
                replace_credentials=bool(form.cleaned_data.get("replace_credentials")),
                user=request.user,
                **fields,
            )
        else:
            created = services.channel_create(user=request.user, credentials=form.credential_values, **fields)
            obj.pk, obj.credentials_encrypted = created.pk, created.credentials_encrypted
            obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "allowed_categories" in form.changed_data:  # saved by save_m2m, not channel_update
            listings_readiness_refresh_enqueue(channel=form.instance)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            if isinstance(deleted, CategoryMapping):
                services.category_mapping_delete(mapping=deleted, user=request.user)
            else:
                services.attribute_value_mapping_delete(mapping=deleted, user=request.user)
        for item in instances:
            if isinstance(item, CategoryMapping):
                if item.pk and "category" in _changed(formset, item):
                    CategoryMapping.objects.filter(pk=item.pk).delete()  # moved to another category
                services.category_mapping_set(
                    channel=form.instance,
                    category=item.category,
                    external_category_id=item.external_category_id,
                    external_category_name=item.external_category_name,
                    user=request.user,
                )
            else:
                if item.pk and {"attribute_code", "our_value"} & _changed(formset, item):
                    AttributeValueMapping.objects.filter(pk=item.pk).delete()
                services.attribute_value_mapping_set(
                    channel=form.instance,
                    attribute_code=item.attribute_code,
                    our_value=item.our_value,
                    marketplace_value=item.marketplace_value,
                    user=request.user,
                )

    @admin.action(description="Assign all active products to the selected channels")
    def assign_active_products(self, request, queryset):
        try:
            with transaction.atomic():
                counts = listings_bulk_assign(
                    products=Product.objects.filter(status=ProductStatus.ACTIVE), channels=queryset, user=request.user
                )
        except (ValidationError, ApplicationError) as exc:
            self.message_user(request, str(getattr(exc, "message", exc)), messages.ERROR)
            return
        self.message_user(
            request,
            f"Created {counts['created']} listing(s); {counts['skipped_existing']} already existed.",
            messages.SUCCESS,
        )

    @admin.action(description="Pull listings from the marketplace now (full)")
    def pull_listings(self, request, queryset):
        for channel in queryset:
            try:
                job = channel_listings_pull(channel=channel, user=request.user, full=True)
            except ApplicationError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"{channel.name}: pulling listings as job #{job.pk}.", messages.SUCCESS)

    @admin.action(description="Pull orders from the marketplace now")
    def pull_orders(self, request, queryset):
        for channel in queryset:
            try:
                run = channel_orders_pull(channel=channel, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"{channel.name}: pulling orders as job orders-{run.pk}.", messages.SUCCESS)


def _changed(formset, item) -> set[str]:
    for changed, fields in formset.changed_objects:
        if changed is item:
            return set(fields)
    return set()


@admin.register(CategoryMapping)
class CategoryMappingAdmin(admin.ModelAdmin):
    list_display = ("channel", "category", "external_category_id", "external_category_name")
    list_filter = ("channel",)
    search_fields = ("external_category_id", "external_category_name", "category__name")
    autocomplete_fields = ("category",)
    readonly_fields = AUDIT_FIELDS

    def save_model(self, request, obj, form, change):
        if change and {"channel", "category"} & set(form.changed_data):
            CategoryMapping.objects.filter(pk=obj.pk).delete()
        mapping = services.category_mapping_set(
            channel=obj.channel,
            category=obj.category,
            external_category_id=obj.external_category_id,
            external_category_name=obj.external_category_name,
            user=request.user,
        )
        obj.pk = mapping.pk

    def delete_model(self, request, obj):
        services.category_mapping_delete(mapping=obj, user=request.user)


@admin.register(AttributeValueMapping)
class AttributeValueMappingAdmin(admin.ModelAdmin):
    list_display = ("channel", "attribute_code", "our_value", "marketplace_value")
    list_filter = ("channel", "attribute_code")
    search_fields = ("attribute_code", "our_value", "marketplace_value")
    readonly_fields = AUDIT_FIELDS

    def save_model(self, request, obj, form, change):
        if change and {"channel", "attribute_code", "our_value"} & set(form.changed_data):
            AttributeValueMapping.objects.filter(pk=obj.pk).delete()
        mapping = services.attribute_value_mapping_set(
            channel=obj.channel,
            attribute_code=obj.attribute_code,
            our_value=obj.our_value,
            marketplace_value=obj.marketplace_value,
            user=request.user,
        )
        obj.pk = mapping.pk

    def delete_model(self, request, obj):
        services.attribute_value_mapping_delete(mapping=obj, user=request.user)


@admin.register(RemoteCategory)
class RemoteCategoryAdmin(ReadOnlyAdmin):
    """The channels' cached marketplace categories, read only: "Load marketplace categories" on the channel page
    replaces them (docs/channels.md#marketplace-categories)."""

    list_display = ("path", "remote_id", "is_leaf", "channel", "created_at")
    list_filter = ("channel", "is_leaf")
    search_fields = ("path", "remote_id")
    list_select_related = ("channel",)

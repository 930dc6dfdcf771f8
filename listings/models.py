from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from catalog.validators import (
    SEO_DESCRIPTION_MAX_LENGTH,
    SEO_TITLE_MAX_LENGTH,
    bullet_points_errors,
    validate_search_terms,
)
from common.models import BaseModel

from .choices import ChangesetKind, ChangesetStatus, ChangeType, ListingStatus, RemoteStatus


class Listing(BaseModel):
    """One product (or one variant) offered on one channel, with its own overrides, status and sync state.

    Overrides left empty (NULL) inherit from the product; `listings.services.listing_effective_values` is the one
    place that resolves them. `status` changes only through `listings.state.listing_transition`. The `drift`
    field holds a field-level diff {field: {ours, last_pushed, remote}} written by the sync engine.
    `readiness_*` store the last readiness verdict so that lists can filter by it.
    """

    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="listings")
    variant = models.ForeignKey(
        "catalog.Variant", null=True, blank=True, on_delete=models.CASCADE, related_name="listings"
    )
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="listings")

    # --- Overrides (NULL = inherit from the product) ---
    title = models.CharField(max_length=500, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    compare_at_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    quantity = models.IntegerField(null=True, blank=True, validators=[MinValueValidator(0)])
    # Content overrides for a marketplace that needs its own text (docs/catalog.md#content); NULL = inherit.
    bullet_points = models.JSONField(
        null=True, blank=True, help_text="Up to 5 texts replacing the product's bullet points on this channel."
    )
    search_terms = models.CharField(max_length=250, null=True, blank=True, validators=[validate_search_terms])
    short_description = models.TextField(null=True, blank=True)
    seo_title = models.CharField("SEO title", max_length=SEO_TITLE_MAX_LENGTH, null=True, blank=True)
    seo_description = models.CharField("SEO description", max_length=SEO_DESCRIPTION_MAX_LENGTH, null=True, blank=True)

    status = models.CharField(max_length=16, choices=ListingStatus.choices, default=ListingStatus.DRAFT, db_index=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_reason = models.CharField(max_length=500, blank=True, editable=False)

    # --- Marketplace side ---
    external_id = models.CharField(max_length=128, blank=True, db_index=True)
    external_url = models.URLField(max_length=500, blank=True)
    channel_payload = models.JSONField(default=dict, blank=True, help_text="What the marketplace returned.")
    remote_snapshot = models.JSONField(default=dict, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    last_pushed_hash = models.CharField(max_length=64, blank=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.CharField(max_length=64, blank=True)
    last_error_message = models.TextField(blank=True)
    drift = models.JSONField(default=dict, blank=True)
    # What the marketplace says about the item (normalised by the connector; raw kept beside it).
    remote_status = models.CharField(max_length=16, choices=RemoteStatus.choices, blank=True, editable=False)
    remote_raw_status = models.CharField(max_length=64, blank=True, editable=False)
    remote_issues = models.JSONField(default=list, blank=True, editable=False)
    remote_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    marketplace_ids = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Identifiers the marketplace assigned (ASIN, item id, ...)."
    )

    # --- Push on change and pending until confirmed (docs/sync.md) ---
    changed_since_push = models.BooleanField(default=False, editable=False)
    changed_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="First unpushed change.")
    changed_parts = models.JSONField(
        default=list, blank=True, editable=False, help_text='What changed: any of "offers", "content".'
    )
    pending = models.JSONField(
        default=dict, blank=True, editable=False, help_text="Values sent to the marketplace and not yet confirmed."
    )
    pending_since = models.DateTimeField(null=True, blank=True, editable=False)
    discarded_change = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Local values a pull discarded because the marketplace wins: {field: {ours, remote, at}}.",
    )

    # --- Stored readiness verdict (listings.services.listings_readiness_refresh keeps it fresh) ---
    # Readiness is computed in Python (listings/readiness.py); storing the verdict lets lists filter on it in SQL.
    # NULL = not checked yet. Pages that show one listing still compute the live issues.
    readiness_blocking = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False, help_text="Number of blocking readiness issues when last checked."
    )
    readiness_issues = models.JSONField(default=list, blank=True, editable=False)
    readiness_checked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # NULL never equals NULL in a unique index, so product-level and variant-level listings need one
            # conditional constraint each.
            models.UniqueConstraint(
                fields=["channel", "product"],
                condition=models.Q(variant__isnull=True),
                name="listing_unique_product_per_channel",
                violation_error_message="This product is already listed on this channel.",
            ),
            models.UniqueConstraint(
                fields=["channel", "product", "variant"],
                condition=models.Q(variant__isnull=False),
                name="listing_unique_variant_per_channel",
                violation_error_message="This variant is already listed on this channel.",
            ),
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="listing_unique_external_id_per_channel",
                violation_error_message="Another listing on this channel already has this external id.",
            ),
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | models.Q(price__gt=0), name="listing_price_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True) | models.Q(quantity__gte=0),
                name="listing_quantity_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["channel", "status"], name="listing_channel_status_idx"),
            # covers "products with a blocked (or unchecked) listing [on this channel]" without reading rows
            models.Index(fields=["readiness_blocking", "channel", "product"], name="listing_readiness_idx"),
            # the push-on-change sweep reads only the few changed listings of a channel
            models.Index(
                fields=["channel", "changed_at"],
                condition=models.Q(changed_since_push=True),
                name="listing_changed_idx",
            ),
        ]

    def __str__(self) -> str:
        target = self.variant.sku if self.variant_id and self.variant else self.product.sku
        return f"{target} on {self.channel}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.variant_id and self.product_id and self.variant and self.variant.product_id != self.product_id:
            errors["variant"] = "This variant belongs to another product."
        if self.price is not None and self.price <= 0:
            errors["price"] = f"Override price must be above 0 (got {self.price})."
        if self.compare_at_price is not None and self.price is not None and self.compare_at_price < self.price:
            errors["compare_at_price"] = f"Compare-at price {self.compare_at_price} is below the price {self.price}."
        if self.title is not None and not self.title.strip():
            errors["title"] = "An override title cannot be blank; leave it empty to use the product title."
        if self.bullet_points is not None:
            problems = bullet_points_errors(self.bullet_points)
            if problems:
                errors["bullet_points"] = " ".join(problems)
        if errors:
            raise ValidationError(errors)


# --- Content versions and changesets (docs/catalog.md#versions) ---


class Changeset(BaseModel):
    """One bulk operation (bulk edit, import commit, rule application, bulk publish, bulk assign): who, when,
    what. The versions it wrote point at it, so "undo" restores each item to its version before the changeset.
    """

    kind = models.CharField(max_length=16, choices=ChangesetKind.choices)
    description = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=ChangesetStatus.choices, default=ChangesetStatus.APPLIED)
    import_batch_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    undo_total = models.PositiveIntegerField(default=0, editable=False)
    undo_done = models.PositiveIntegerField(default=0, editable=False)
    undone_at = models.DateTimeField(null=True, blank=True, editable=False)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    undo_report = models.JSONField(
        default=dict, blank=True, editable=False, help_text="{restored, conflicts: [...], skipped: [...]}."
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Changeset #{self.pk} ({self.get_kind_display()})"


class ChangesetValue(models.Model):
    """A price, compare-at price or stock value a grid save changed on a product, a variant or a listing
    (docs/pages.md#bulk-price-and-stock-grid): undoing the changeset puts `before` back where the value is still
    `after`. Values are stored as text, empty for none (a listing's empty override inherits)."""

    changeset = models.ForeignKey(Changeset, on_delete=models.CASCADE, related_name="value_items")
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    variant = models.ForeignKey("catalog.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    label = models.CharField(max_length=300, blank=True, help_text="What the seller saw in the grid, e.g. the SKU.")
    field = models.CharField(max_length=32)
    before = models.CharField(max_length=32, blank=True)
    after = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return f"{self.label} {self.field}: {self.before or 'none'} -> {self.after or 'none'}"


class ChangesetListing(models.Model):
    """A listing a bulk publish or a bulk assign touched: what undoing that changeset means for it
    (docs/catalog.md#undoing-publishes-and-assignments). A bulk assign records the listings it created
    (undo deletes them); a bulk publish records each listing with its status before the publish (undo delists those
    it put on the marketplace). Content changes are versions, not rows here."""

    changeset = models.ForeignKey(Changeset, on_delete=models.CASCADE, related_name="listing_items")
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous_status = models.CharField(
        max_length=16, blank=True, choices=ListingStatus.choices, help_text="Before the publish; empty: created."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["changeset", "listing"],
                name="changeset_listing_unique",
                violation_error_message="This listing is already part of this changeset.",
            )
        ]

    def __str__(self) -> str:
        return f"listing #{self.listing_id} in changeset #{self.changeset_id}"


class ContentVersion(models.Model):
    """What every version row holds besides its object and its content: numbered per object, immutable."""

    version_number = models.PositiveIntegerField()
    change_type = models.CharField(max_length=16, choices=ChangeType.choices)
    source = models.CharField(
        max_length=100, blank=True, help_text="Who or what made it: user, import batch, bulk changeset, rule, job."
    )
    change_reason = models.TextField(blank=True)
    changed_fields = models.JSONField(default=list, blank=True, help_text="Fields that differ from the previous one.")
    changeset = models.ForeignKey(Changeset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        abstract = True


class ProductVersion(ContentVersion):
    """A numbered snapshot of a product's content (text, SEO, attributes, metafields, category, images).

    Listings of the product point at it from their own versions, so a product change shared by six listings is
    stored once (docs/catalog.md#versions)."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="content_versions")
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["-version_number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version_number"], name="product_version_unique_number"),
            models.CheckConstraint(condition=models.Q(version_number__gte=1), name="product_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Product #{self.product_id} v{self.version_number}"


class ListingVersion(ContentVersion):
    """A numbered version of what a listing shows: the product version it inherited plus its own overrides."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="content_versions")
    product_version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="listing_versions")
    overrides = models.JSONField(default=dict, blank=True, help_text="The listing's own content overrides.")

    class Meta:
        ordering = ["-version_number"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "version_number"], name="listing_version_unique_number"),
            models.CheckConstraint(condition=models.Q(version_number__gte=1), name="listing_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Listing #{self.listing_id} v{self.version_number}"

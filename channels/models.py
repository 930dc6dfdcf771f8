from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from catalog.validators import validate_country, validate_currency
from common.models import BaseModel
from syncing.connectors import get_connector_class
from syncing.connectors.base import Connector

from .choices import ChannelConflictPolicy, PriceAdjustType, marketplace_choices
from .crypto import credentials_decrypt, credentials_encrypt, mask_secret

validate_language = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "Use a language tag such as 'en', 'ms' or 'zh-Hant'.", code="language"
)

# Readiness rule fields and the ListingRules attribute each one defaults from.
RULE_FIELDS = (
    "title_max_length",
    "min_images",
    "max_images",
    "main_image_min_px",
    "main_image_white_background",
    "required_attributes",
)

# The price and stock rule settings channels/rules.py reads for a listing's offer (after the currency).
OFFER_RULE_FIELDS = (
    "price_currency_rate",
    "price_adjust_type",
    "price_adjust_value",
    "price_rounding_ending",
    "price_min",
    "price_max",
    "stock_percent",
    "stock_buffer",
    "stock_max",
    "minimum_stock",
    "minimum_stock_primary",
)


class Channel(BaseModel):
    """One marketplace account in one country: where listings are published, with its own rules and limits.

    Credentials are stored only as Fernet ciphertext (`credentials_encrypted`); read them with
    `get_credentials()` and write them with `channels.services.channel_set_credentials`. Rate limits and
    readiness rules are copied from the connector's documented defaults when left empty, then editable.
    """

    name = models.CharField(max_length=120, unique=True)
    marketplace = models.CharField(max_length=32, choices=marketplace_choices, db_index=True)
    country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166 alpha-2, e.g. MY.")
    currency = models.CharField(max_length=3, validators=[validate_currency], help_text="ISO 4217, e.g. MYR.")
    language = models.CharField(max_length=16, blank=True, default="en", validators=[validate_language])
    base_url = models.URLField("API base URL", max_length=500)
    shop_id = models.CharField("shop / seller id", max_length=128, blank=True)
    credentials_encrypted = models.TextField(blank=True, default="", editable=False)
    is_active = models.BooleanField(default=True)

    # --- Rate limit (defaults: connector.default_rate_limit) ---
    rate_limit_per_second = models.FloatField(blank=True, validators=[MinValueValidator(0.01)])
    rate_limit_burst = models.PositiveIntegerField(blank=True, validators=[MinValueValidator(1)])

    # --- Readiness rules (defaults: connector.default_rules) ---
    title_max_length = models.PositiveIntegerField(blank=True, validators=[MinValueValidator(1)])
    min_images = models.PositiveIntegerField(blank=True)
    max_images = models.PositiveIntegerField(blank=True, validators=[MinValueValidator(1)])
    main_image_min_px = models.PositiveIntegerField(
        "main image minimum size (px)", blank=True, help_text="Shorter side of the main image, in pixels."
    )
    main_image_white_background = models.BooleanField(
        null=True, blank=True, help_text="Main image must have a white background. Empty: marketplace default."
    )
    required_attributes = models.JSONField(
        default=list, blank=True, help_text='Attribute codes every listed product needs, e.g. ["material"].'
    )
    allowed_categories = models.ManyToManyField(
        "catalog.Category",
        blank=True,
        related_name="+",
        help_text="If set, only products in these categories (or below them) may be listed.",
    )

    # --- Price rule: base × currency rate, ± percent or fixed, rounded to an ending, clamped to min/max ---
    price_currency_rate = models.DecimalField(
        max_digits=12, decimal_places=6, default=Decimal("1"), validators=[MinValueValidator(Decimal("0.000001"))]
    )
    price_adjust_type = models.CharField(max_length=8, choices=PriceAdjustType.choices, default=PriceAdjustType.NONE)
    price_adjust_value = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    price_rounding_ending = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.99"))],
        help_text="Round up to this ending, e.g. 0.99 makes 12.30 into 12.99. Empty: no rounding.",
    )
    price_min = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    # --- Stock rule: percent of available, minus a buffer, capped at a maximum ---
    stock_percent = models.PositiveIntegerField(default=100, validators=[MaxValueValidator(100)])
    stock_buffer = models.PositiveIntegerField(default=0, help_text="Units held back from this channel.")
    stock_max = models.PositiveIntegerField(null=True, blank=True)
    # --- Minimum stock control (VTEX style; docs/orders.md#minimum-stock-control) ---
    minimum_stock = models.PositiveIntegerField(
        "minimum stock",
        null=True,
        blank=True,
        help_text="When a SKU's available stock is below this, this channel advertises 0 and the last units sell "
        "on the primary channel only. Empty: off.",
    )
    minimum_stock_primary = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="minimum_stock_secondaries",
        verbose_name="primary channel",
        help_text="The channel that keeps selling the last units (required with a minimum stock).",
    )

    # --- Sync engine state ---
    circuit_open_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    conflict_policy = models.CharField(
        max_length=16, choices=ChannelConflictPolicy.choices, default=ChannelConflictPolicy.ASK
    )
    pull_interval_hours = models.PositiveIntegerField(
        "full pull every (hours)",
        default=24,
        validators=[MinValueValidator(1)],
        help_text="A full reconcile pull reads every remote item; incremental pulls run in between.",
    )
    pull_incremental_minutes = models.PositiveIntegerField(
        "incremental pull every (minutes)",
        default=15,
        validators=[MinValueValidator(1)],
        help_text="Reads only the items updated on the marketplace since the last pull.",
    )
    pull_overlap_minutes = models.PositiveIntegerField(
        default=10, help_text="An incremental pull starts this long before the last remote update it saw."
    )
    pull_cursor = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Last remote update seen by a pull (before the overlap)."
    )
    last_full_pull_at = models.DateTimeField(null=True, blank=True, editable=False)

    # --- Push on change (docs/sync.md) ---
    auto_push_offers = models.BooleanField("push price and stock changes automatically", default=True)
    auto_push_content = models.BooleanField(
        "push content changes automatically",
        default=False,
        help_text="Off: content changes wait for a person's 'Publish changes'.",
    )
    push_debounce_seconds = models.FloatField(
        default=2.0,
        validators=[MinValueValidator(0), MaxValueValidator(300)],
        help_text="Changes within this window are sent together in one batched call.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_min__isnull=True)
                | models.Q(price_max__isnull=True)
                | models.Q(price_min__lte=models.F("price_max")),
                name="channel_price_min_not_above_max",
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_stock__isnull=True) | models.Q(minimum_stock__gte=0),
                name="channel_minimum_stock_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_stock__isnull=True, minimum_stock_primary__isnull=True)
                | models.Q(minimum_stock__isnull=False, minimum_stock_primary__isnull=False),
                name="channel_minimum_stock_with_primary",
                violation_error_message="A minimum stock needs a primary channel, and a primary channel a minimum.",
            ),
            models.CheckConstraint(
                condition=~models.Q(minimum_stock_primary=models.F("id")),
                name="channel_minimum_stock_primary_not_itself",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Channel {self.pk}: {self.name} ({self.marketplace}/{self.country})>"

    # --- Connector ---

    @property
    def connector_class(self) -> type[Connector]:
        """The connector class of this channel's marketplace; ValueError for an unknown marketplace."""
        return get_connector_class(self.marketplace)

    # --- Credentials ---

    def get_credentials(self) -> dict[str, str]:
        """The decrypted credentials; never log or render the result."""
        return credentials_decrypt(self.credentials_encrypted)

    def set_credentials(self, values: dict[str, str]) -> None:
        """Encrypt and store `values` (no validation: use the service channel_set_credentials)."""
        self.credentials_encrypted = credentials_encrypt({k: str(v) for k, v in values.items() if v != ""})

    def credentials_masked(self) -> dict[str, str]:
        """Credential names with masked values ('••••abcd'), safe to show."""
        try:
            values = self.get_credentials()
        except Exception:  # noqa: BLE001 - a wrong key must not break a page that only shows masks
            return {"(unreadable)": "stored with another CREDENTIALS_KEY"}
        return {key: mask_secret(value) for key, value in sorted(values.items())}

    def missing_credential_fields(self, values: dict[str, str] | None = None) -> list[str]:
        values = self.get_credentials() if values is None else values
        try:
            required = self.connector_class.credential_fields
        except ValueError:
            return []
        return [name for name in required if not values.get(name)]

    # --- Validation ---

    def apply_connector_defaults(self) -> None:
        """Fill empty rate-limit and rule fields from the marketplace's documented defaults."""
        try:
            connector = self.connector_class
        except ValueError:
            return
        if self.rate_limit_per_second is None:
            self.rate_limit_per_second = float(connector.default_rate_limit.requests_per_second)
        if self.rate_limit_burst is None:
            self.rate_limit_burst = connector.default_rate_limit.burst
        for name in RULE_FIELDS:
            if getattr(self, name) is None:
                default = getattr(connector.default_rules, name)
                setattr(self, name, list(default) if isinstance(default, tuple) else default)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        try:
            connector = get_connector_class(self.marketplace)
        except ValueError as exc:
            raise ValidationError({"marketplace": str(exc)}, code="unknown_marketplace") from None
        self.apply_connector_defaults()
        missing = self.missing_credential_fields()
        if missing:
            errors["credentials"] = [
                f"{connector.label} credentials are missing: {', '.join(missing)} "
                f"(required: {', '.join(connector.credential_fields)})."
            ]
        if self.min_images is not None and self.max_images is not None and self.min_images > self.max_images:
            errors["min_images"] = [f"Minimum images ({self.min_images}) is above the maximum ({self.max_images})."]
        if not isinstance(self.required_attributes, list) or not all(
            isinstance(code, str) and code for code in self.required_attributes
        ):
            errors["required_attributes"] = ['Required attributes must be a list of attribute codes, e.g. ["brand"].']
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            errors["price_min"] = [f"Minimum price {self.price_min} is above the maximum {self.price_max}."]
        if self.price_adjust_type == PriceAdjustType.NONE and self.price_adjust_value:
            errors["price_adjust_value"] = ["Choose an adjustment type (percent or fixed) for this value."]
        errors.update(self._minimum_stock_errors())
        if errors:
            raise ValidationError(errors)

    def _minimum_stock_errors(self) -> dict[str, list[str]]:
        """Minimum stock control needs a primary channel that is another, active channel which does not hold its
        own last units back (else the last units would sell nowhere)."""
        if self.minimum_stock is None and self.minimum_stock_primary_id is None:
            return {}
        if self.minimum_stock is None:
            return {"minimum_stock": ["Set the minimum stock below which this channel advertises 0."]}
        primary = self.minimum_stock_primary
        if primary is None:
            return {"minimum_stock_primary": ["Choose the primary channel that keeps selling the last units."]}
        if self.pk is not None and primary.pk == self.pk:
            return {"minimum_stock_primary": ["The primary channel must be another channel."]}
        if not primary.is_active:
            return {"minimum_stock_primary": [f"The primary channel {primary.name} is not active."]}
        if primary.minimum_stock is not None:
            return {
                "minimum_stock_primary": [
                    f"{primary.name} holds its own last units back (minimum stock {primary.minimum_stock}); "
                    "choose a channel without minimum stock control."
                ]
            }
        if self.pk is not None:
            names = list(Channel.objects.filter(minimum_stock_primary=self).values_list("name", flat=True))
            if names:
                return {
                    "minimum_stock": [
                        f"This channel is the primary of {', '.join(names)}: it keeps selling their last units, so it "
                        "cannot hold its own back."
                    ]
                }
        return {}


class CategoryMapping(BaseModel):
    """Our category → the marketplace's category id, for one channel; subcategories inherit the mapping."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="category_mappings")
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="channel_mappings")
    external_category_id = models.CharField("marketplace category id", max_length=128)
    external_category_name = models.CharField("marketplace category name", max_length=255, blank=True)

    class Meta:
        ordering = ["channel_id", "category__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "category"],
                name="category_mapping_unique_per_channel",
                violation_error_message="This category is already mapped for this channel.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} · {self.category_id} → {self.external_category_id}"

    def clean(self) -> None:
        self.external_category_id = (self.external_category_id or "").strip()
        if not self.external_category_id:
            raise ValidationError({"external_category_id": "Enter the marketplace's category id."})


class AttributeValueMapping(BaseModel):
    """One of our attribute values → the marketplace's spelling (e.g. size "X-Large" → "XL") for one channel."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="attribute_mappings")
    attribute_code = models.SlugField(max_length=64, help_text="Our attribute code or variant option name.")
    our_value = models.CharField(max_length=255)
    marketplace_value = models.CharField(max_length=255)

    class Meta:
        ordering = ["channel_id", "attribute_code", "our_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "attribute_code", "our_value"],
                name="attribute_mapping_unique_value",
                violation_error_message="This value of this attribute is already mapped for this channel.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.attribute_code}: {self.our_value} → {self.marketplace_value}"

    def clean(self) -> None:
        self.attribute_code = (self.attribute_code or "").strip().lower()
        if not (self.marketplace_value or "").strip():
            raise ValidationError({"marketplace_value": "Enter the marketplace's value."})


class RemoteCategory(BaseModel):
    """One category of the marketplace's own tree, cached per channel for the mapping editor's picker
    (docs/channels.md#marketplace-categories). Replaced as a whole by "Load marketplace categories"."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="remote_categories")
    remote_id = models.CharField("marketplace category id", max_length=128)
    name = models.CharField(max_length=255)
    parent_remote_id = models.CharField("parent's marketplace id", max_length=128, blank=True)
    path = models.CharField(max_length=1024, help_text="The names from the root, joined by ' > '.")
    is_leaf = models.BooleanField("leaf", default=False, help_text="Only a leaf category takes listings.")

    class Meta:
        ordering = ["channel_id", "path"]
        verbose_name = "marketplace category"
        verbose_name_plural = "marketplace categories"
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "remote_id"],
                name="remote_category_unique_per_channel",
                violation_error_message="This marketplace category is already cached for this channel.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.path} ({self.remote_id})"

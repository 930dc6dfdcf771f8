from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Max
from django.db.models.functions import Length, Upper

from common.models import BaseModel

from .choices import AttributeType, IconStatus, MetafieldOwner, MetafieldType, ProductStatus
from .metafields import key_error, metafields_clean, namespace_error, validations_errors
from .validators import (
    BULLET_MAX_LENGTH,
    HANDLE_MAX_LENGTH,
    PRODUCT_TITLE_MAX_LENGTH,
    SEO_DESCRIPTION_MAX_LENGTH,
    SEO_TITLE_MAX_LENGTH,
    attribute_errors,
    category_title_error,
    validate_currency,
    validate_gtin,
    validate_handle,
    validate_search_terms,
    validate_sku,
)

PATH_STEP = 8  # zero-padded id width in Category.path, so that ordering by path is tree order


class TitleLimit(NamedTuple):
    """The strictest title limit a category and its ancestors set, and the category that sets it."""

    limit: int
    category_name: str


def strictest_title_limit(chain: list[tuple[str, int | None]]) -> TitleLimit | None:
    """The lowest limit among (name, limit) pairs, root first; on a tie the nearer category names it."""
    best: TitleLimit | None = None
    for name, limit in chain:
        if limit is not None and (best is None or limit <= best.limit):
            best = TitleLimit(limit, name)
    return best


class Category(BaseModel):
    """A node of the category tree.

    The tree is a materialised path of zero-padded ids ("00000001/00000007/"): descendants are one indexed
    `path LIKE 'prefix%'` query, ordering by path is depth-first order, and moving a subtree is one UPDATE.
    We chose this over django-treebeard to avoid a dependency for the three operations we need; ids (not slugs)
    make renames free.
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    title_max_length = models.PositiveSmallIntegerField(
        "title limit",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(PRODUCT_TITLE_MAX_LENGTH)],
        help_text=(
            f"At most this many characters in the title of a product of this category or of its subcategories "
            f"(1-{PRODUCT_TITLE_MAX_LENGTH}); empty: the parent's limit, if any. A subcategory can only be stricter."
        ),
    )

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(title_max_length__isnull=True)
                | models.Q(title_max_length__gte=1, title_max_length__lte=PRODUCT_TITLE_MAX_LENGTH),
                name="category_title_max_length_range",
            ),
            models.UniqueConstraint(fields=["parent", "slug"], name="category_unique_slug_per_parent"),
            models.UniqueConstraint(
                fields=["slug"], condition=models.Q(parent__isnull=True), name="category_unique_root_slug"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """'A > B > C' built from the ancestors, the form imports and exports use."""
        return " > ".join(c.name for c in self.ancestors(include_self=True))

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.split("/") if part]

    def ancestors(self, include_self: bool = False) -> list["Category"]:
        ids = self.ancestor_ids()
        if not include_self and ids:
            ids = ids[:-1]
        by_id = {c.pk: c for c in Category.objects.filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]

    def descendants(self) -> models.QuerySet["Category"]:
        return Category.objects.filter(path__startswith=self.path).exclude(pk=self.pk)

    def title_limit(self) -> TitleLimit | None:
        """The title limit of this category's products: the strictest of its own and its ancestors'. The own
        limit is the instance's, so a form's unsaved value counts."""
        inherited = self.inherited_title_limit()
        chain = [(inherited.category_name, inherited.limit)] if inherited else []
        return strictest_title_limit([*chain, (self.name, self.title_max_length)])

    def inherited_title_limit(self) -> TitleLimit | None:
        """The strictest title limit of the ancestors (one query when there are any). The chain is the one
        `parent` names, so a move being validated counts its new ancestors."""
        ancestors = self.ancestor_ids()[:-1] if self.path else []
        if self.parent_id != (ancestors[-1] if ancestors else None):
            ancestors = Category.objects.get(pk=self.parent_id).ancestor_ids() if self.parent_id else []
        if not ancestors:
            return None
        rows = Category.objects.filter(pk__in=ancestors, title_max_length__isnull=False)
        found = {pk: (name, limit) for pk, name, limit in rows.values_list("pk", "name", "title_max_length")}
        return strictest_title_limit([found[i] for i in ancestors if i in found])

    def longer_titles_error(self) -> dict[str, str]:
        """Why this category's title limit (its own, or inherited after a move) cannot apply, by field: products
        of its subtree already have longer titles; empty when none has. One query when a limit applies."""
        found = self.title_limit() if self.pk and self.path else None
        if found is None:
            return {}
        longer = Product.objects.annotate(title_length=Length("title")).filter(
            category__path__startswith=self.path, title_length__gt=found.limit
        )
        summary = longer.aggregate(count=Count("pk"), longest=Max("title_length"))
        if not summary["count"]:
            return {}
        sku = longer.filter(title_length=summary["longest"]).order_by("pk").values_list("sku", flat=True).first()
        field = "title_max_length" if found.limit == self.title_max_length else "parent"
        return {
            field: (
                f"{summary['count']} product(s) of '{self.name}' or its subcategories have titles longer than "
                f"{found.limit} characters, the limit of '{found.category_name}' (the longest: {sku}, "
                f"{summary['longest']}); shorten them first, or allow at least {summary['longest']}."
            )
        }

    def indented_name(self) -> str:
        """Indented name for a category select, without the per-row ancestor queries of `str(category)`."""
        return f"{'— ' * self.depth}{self.name}"

    def inherited_attribute_definitions(self) -> list["AttributeDefinition"]:
        """Definitions of this category and all its ancestors; a nearer category overrides a code."""
        ids = self.ancestor_ids() or ([self.pk] if self.pk else [])
        depth = {cid: i for i, cid in enumerate(ids)}
        by_code: dict[str, AttributeDefinition] = {}
        for definition in sorted(
            AttributeDefinition.objects.filter(category_id__in=ids), key=lambda d: depth[d.category_id]
        ):
            by_code[definition.code] = definition
        return list(by_code.values())

    def clean(self) -> None:
        if self.parent_id and self.pk:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": "A category cannot be its own parent."}, code="cycle")
            parent = Category.objects.get(pk=self.parent_id)
            if self.path and parent.path.startswith(self.path):
                raise ValidationError(
                    {"parent": f"'{parent.name}' is inside '{self.name}'; moving it there would make a cycle."},
                    code="cycle",
                )
        if self.title_max_length is not None:
            inherited = self.inherited_title_limit()
            if inherited and inherited.limit < self.title_max_length:
                raise ValidationError(
                    {
                        "title_max_length": (
                            f"'{inherited.category_name}' above it allows titles of at most {inherited.limit} "
                            f"characters; a subcategory can only be stricter (or leave it empty to inherit)."
                        )
                    },
                    code="title_limit_above_parent",
                )
        longer = self.longer_titles_error()
        if longer:
            raise ValidationError(longer, code="titles_too_long")


class AttributeDefinition(models.Model):
    """A typed attribute that products of a category (and of its subcategories) carry in `Product.attributes`."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attribute_definitions")
    code = models.SlugField(max_length=64)
    label = models.CharField(max_length=200)
    type = models.CharField(max_length=16, choices=AttributeType.choices, default=AttributeType.TEXT)
    is_required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values for a choice attribute.")

    class Meta:
        ordering = ["category_id", "code"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="attribute_unique_code")]

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"

    def clean(self) -> None:
        if self.type == AttributeType.CHOICE and not self.choices:
            raise ValidationError({"choices": "A choice attribute needs at least one allowed value."})
        if not isinstance(self.choices, list):
            raise ValidationError({"choices": "Choices must be a list of values."})


def category_icon_path(instance: "CategoryIcon", filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"category-icons/{instance.category_id}/{instance.sha256}.{ext}"


class CategoryIcon(BaseModel):
    """An uploaded icon of a category (seed 001 Icon), shown in the category tree and sent as the Shopify
    collection image (docs/catalog.md#category-icons). The same bytes are stored once per category (sha256); at
    most one icon of a category is active."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="icons")
    image = models.ImageField(upload_to=category_icon_path, width_field="width", height_field="height")
    original_filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, editable=False)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    file_size = models.PositiveIntegerField(default=0, editable=False)
    format = models.CharField(max_length=8, editable=False)
    status = models.CharField(max_length=8, choices=IconStatus.choices, default=IconStatus.ACTIVE, db_index=True)

    class Meta:
        ordering = ["category_id", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "sha256"], name="categoryicon_unique_content_per_category"),
            models.UniqueConstraint(
                fields=["category"], condition=models.Q(status="active"), name="categoryicon_one_active_per_category"
            ),
        ]
        indexes = [models.Index(fields=["category", "status"], name="categoryicon_category_status")]

    def __str__(self) -> str:
        return self.original_filename or f"icon {self.pk}"


class Product(BaseModel):
    """A master catalog product: the one record that every channel listing is derived from."""

    sku = models.CharField("SKU", max_length=64, validators=[validate_sku])
    title = models.CharField(max_length=PRODUCT_TITLE_MAX_LENGTH)
    description = models.TextField(blank=True, help_text="HTML allowed; scripts and unsafe markup are removed.")
    brand = models.CharField(max_length=120, blank=True, db_index=True)
    manufacturer = models.CharField(max_length=120, blank=True)
    mpn = models.CharField("MPN", max_length=64, blank=True, help_text="Manufacturer part number.")
    barcode = models.CharField(max_length=14, blank=True, validators=[validate_gtin], db_index=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="products")
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    compare_at_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    cost_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    quantity = models.IntegerField(default=0, validators=[MinValueValidator(0)], help_text="Stock without variants.")
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    length_mm = models.PositiveIntegerField(null=True, blank=True)
    width_mm = models.PositiveIntegerField(null=True, blank=True)
    height_mm = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT, db_index=True)
    attributes = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False, help_text="Bumped on every update.")

    # --- Content (docs/catalog.md#content); listings may override some per marketplace ---
    short_description = models.TextField(blank=True, help_text="A summary (Lazada, Shopee); simple HTML allowed.")
    bullet_point_1 = models.CharField(max_length=BULLET_MAX_LENGTH, blank=True)
    bullet_point_2 = models.CharField(max_length=BULLET_MAX_LENGTH, blank=True)
    bullet_point_3 = models.CharField(max_length=BULLET_MAX_LENGTH, blank=True)
    bullet_point_4 = models.CharField(max_length=BULLET_MAX_LENGTH, blank=True)
    bullet_point_5 = models.CharField(max_length=BULLET_MAX_LENGTH, blank=True)
    search_terms = models.CharField(
        max_length=250,
        blank=True,
        validators=[validate_search_terms],
        help_text="Backend search terms (Amazon generic_keyword): at most 250 bytes of UTF-8, space-separated.",
    )
    seo_title = models.CharField("SEO title", max_length=SEO_TITLE_MAX_LENGTH, blank=True)
    seo_description = models.CharField("SEO description", max_length=SEO_DESCRIPTION_MAX_LENGTH, blank=True)
    handle = models.CharField(
        max_length=HANDLE_MAX_LENGTH,
        blank=True,
        validators=[validate_handle],
        help_text="URL handle on Shopify, e.g. organic-cotton-tshirt; empty: Shopify derives it from the title.",
    )
    model_number = models.CharField(max_length=100, blank=True)
    metafields = models.JSONField(
        default=dict, blank=True, help_text='Metafield values, {"namespace.key": value} (docs/catalog.md#metafields).'
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(Upper("sku"), name="product_unique_sku_ci"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_non_negative"),
            models.CheckConstraint(
                condition=models.Q(compare_at_price__isnull=True) | models.Q(compare_at_price__gte=models.F("price")),
                name="product_compare_at_not_below_price",
            ),
        ]
        indexes = [models.Index(fields=["title"]), models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return f"{self.sku} · {self.title}"

    @property
    def has_variants(self) -> bool:
        return self.variants.exists()

    @property
    def bullet_points(self) -> list[str]:
        """The filled bullet points in order (blank slots are skipped)."""
        values = (self.bullet_point_1, self.bullet_point_2, self.bullet_point_3, self.bullet_point_4)
        return [v.strip() for v in (*values, self.bullet_point_5) if v and v.strip()]

    def clean(self) -> None:
        self.sku = (self.sku or "").strip()
        errors: dict[str, list[str]] = {}
        if self.price is not None and self.price < 0:
            errors.setdefault("price", []).append("Price must not be negative.")
        if self.compare_at_price is not None and self.price is not None and self.compare_at_price < self.price:
            errors.setdefault("compare_at_price", []).append(
                f"Compare-at price {self.compare_at_price} is below the price {self.price}."
            )
        if self.sku:
            taken = sku_taken_error(self.sku, exclude_product=self.pk)
            if taken:
                errors.setdefault("sku", []).append(taken)
        if self.category_id and self.title:
            errors.update(self._title_limit_errors())
        definitions = self.category.inherited_attribute_definitions() if self.category else []
        problems = attribute_errors(definitions, self.attributes)
        if problems:
            errors.setdefault("attributes", []).extend(problems)
        self.metafields, problems_by_key = metafields_validate(MetafieldOwner.PRODUCT, self.metafields)
        if problems_by_key:
            errors.setdefault("metafields", []).extend(problems_by_key.values())
        if errors:
            raise ValidationError(errors)

    def _title_limit_errors(self) -> dict[str, list[str]]:
        """The category's title limit (docs/catalog.md#title-length); the column's own 255 is the field's check."""
        found = self.category.title_limit() if self.category else None
        if found is None:
            return {}
        message = category_title_error(self.title, limit=found.limit, category_name=found.category_name)
        return {"title": [message]} if message else {}


class Variant(BaseModel):
    """A sellable variation of a product (size, colour...), with its own SKU, stock and optional price."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64, validators=[validate_sku])
    options = models.JSONField(default=dict, blank=True, help_text='Option values, e.g. {"Size": "XL"}.')
    price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    compare_at_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    quantity = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    barcode = models.CharField(max_length=14, blank=True, validators=[validate_gtin], db_index=True)
    position = models.PositiveIntegerField(default=0)
    metafields = models.JSONField(default=dict, blank=True, help_text='{"namespace.key": value}.')

    class Meta:
        ordering = ["product_id", "position", "id"]
        constraints = [models.UniqueConstraint(Upper("sku"), name="variant_unique_sku_ci")]

    def __str__(self) -> str:
        label = " / ".join(str(v) for v in self.options.values())
        return f"{self.sku} ({label})" if label else self.sku

    @property
    def effective_price(self) -> Decimal:
        return self.price if self.price is not None else self.product.price

    def clean(self) -> None:
        self.sku = (self.sku or "").strip()
        if self.sku:
            taken = sku_taken_error(self.sku, exclude_variant=self.pk)
            if taken:
                raise ValidationError({"sku": taken})
        if not isinstance(self.options, dict) or not all(
            isinstance(v, str | int | float) for v in self.options.values()
        ):
            raise ValidationError({"options": 'Options must map option names to values, e.g. {"Size": "XL"}.'})
        self.metafields, problems = metafields_validate(MetafieldOwner.VARIANT, self.metafields)
        if problems:
            raise ValidationError({"metafields": list(problems.values())})


class MetafieldDefinition(BaseModel):
    """A Shopify-style metafield that products or variants carry in their `metafields` (docs/catalog.md#metafields).

    The (owner, namespace, key) triple is unique; values are checked against `type` and `validations`
    ({min, max, regex, choices}) on every path, and a required one missing blocks readiness on Shopify.
    """

    owner_type = models.CharField(max_length=16, choices=MetafieldOwner.choices, default=MetafieldOwner.PRODUCT)
    namespace = models.CharField(max_length=255)
    key = models.CharField(max_length=64)
    name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=32, choices=MetafieldType.choices)
    validations = models.JSONField(default=dict, blank=True, help_text='e.g. {"min": 1, "max": 10}.')
    is_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["owner_type", "namespace", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "namespace", "key"],
                name="metafield_definition_unique_key",
                violation_error_message="A metafield with this owner, namespace and key already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.namespace}.{self.key} ({self.owner_type}, {self.type})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name, message in (("namespace", namespace_error(self.namespace)), ("key", key_error(self.key))):
            if message:
                errors[name] = message
        problems = validations_errors(self.type, self.validations)
        if problems:
            errors["validations"] = " ".join(problems)
        if errors:
            raise ValidationError(errors)


def metafield_definitions(owner_type: str) -> list[MetafieldDefinition]:
    return list(MetafieldDefinition.objects.filter(owner_type=owner_type))


def metafields_validate(owner_type: str, values: object) -> tuple[dict[str, object], dict[str, str]]:
    """Normalised metafield values of one owner and the problems by key (no query when there are no values)."""
    if values == {}:
        return {}, {}
    return metafields_clean(metafield_definitions(owner_type) if isinstance(values, dict) else [], values)


def sku_taken_error(sku: str, *, exclude_product: int | None = None, exclude_variant: int | None = None) -> str | None:
    """Say which product or variant already uses `sku` (case-insensitive), or None when it is free."""
    products = Product.objects.filter(sku__iexact=sku.strip())
    if exclude_product:
        products = products.exclude(pk=exclude_product)
    product = products.only("pk", "sku").first()
    if product:
        return f"SKU '{sku}' is already used by product #{product.pk} ({product.sku})."
    variants = Variant.objects.filter(sku__iexact=sku.strip())
    if exclude_variant:
        variants = variants.exclude(pk=exclude_variant)
    variant = variants.only("pk", "sku", "product_id").first()
    if variant:
        return f"SKU '{sku}' is already used by a variant of product #{variant.product_id} ({variant.sku})."
    return None


def product_image_path(instance: "ProductImage", filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"products/{instance.product_id}/{instance.sha256[:2]}/{instance.sha256}.{ext}"


class ProductImage(BaseModel):
    """An image of a product; metadata (size, EXIF, dominant colour, white background) is read at upload."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_path, width_field="width", height_field="height")
    original_filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, editable=False)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    file_size = models.PositiveIntegerField(default=0, editable=False)
    alt_text = models.CharField(max_length=255, blank=True)
    sort_order = models.IntegerField(default=0)
    is_primary = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["product_id", "-is_primary", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "sha256"], name="image_unique_content_per_product"),
            models.UniqueConstraint(
                fields=["product"], condition=models.Q(is_primary=True), name="image_one_primary_per_product"
            ),
        ]

    def __str__(self) -> str:
        return self.original_filename or f"image {self.pk}"


# --- Spreadsheet imports (catalog/importing) ---


class ImportBatchStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    VALIDATING = "validating", "Checking"
    VALIDATED = "validated", "Ready to import"
    COMMITTING = "committing", "Importing"
    COMMITTED = "committed", "Imported"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"
    UNDOING = "undoing", "Undoing"
    UNDONE = "undone", "Undone"


class ImportErrorPolicy(models.TextChoices):
    REJECT_ALL = "reject-all", "Reject the whole file if any row fails"
    SKIP_ROWS = "skip-rows", "Import the valid rows, report the others"


class ImportBatch(BaseModel):
    """One uploaded product spreadsheet and everything that happened to it: checks, dry run, commit, undo.

    Counts and progress live on this row so that the preview page can poll them while a worker runs. Created
    products are recorded as compact id ranges (a 100k-row import creates few ranges), updated rows as
    `ImportRow` snapshots, so undo needs no per-row bookkeeping for creations.
    """

    token = models.CharField(max_length=32, unique=True, editable=False)
    file = models.FileField(upload_to="imports/", max_length=255)
    original_filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8)
    file_size = models.PositiveBigIntegerField(default=0)
    sheet_name = models.CharField(max_length=120, blank=True)
    on_error = models.CharField(max_length=16, choices=ImportErrorPolicy.choices, default=ImportErrorPolicy.SKIP_ROWS)
    status = models.CharField(
        max_length=16, choices=ImportBatchStatus.choices, default=ImportBatchStatus.UPLOADED, db_index=True
    )
    message = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    rows_per_second = models.FloatField(default=0)
    headers = models.JSONField(default=list, blank=True)
    unknown_columns = models.JSONField(default=list, blank=True)
    first_errors = models.JSONField(default=list, blank=True)
    sample_diffs = models.JSONField(default=list, blank=True)
    created_product_ids = models.JSONField(default=list, blank=True, help_text="[[first, last], ...] id ranges.")
    created_variant_ids = models.JSONField(default=list, blank=True, help_text="[[first, last], ...] id ranges.")
    undo_report = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    # Stopping between chunks (catalog/importing/stopping.py): the request, and the row a run stopped before.
    stop_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    stop_requested_by = models.CharField(max_length=150, blank=True, editable=False)
    stopped_at_row = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="The run stopped on request before this row."
    )

    class Meta:
        verbose_name_plural = "import batches"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.original_filename} ({self.status})"

    @property
    def progress_done(self) -> int:
        """Rows done by the running step: the dry run or commit, or while undoing, the undo (`undo_report`)."""
        if self.status == ImportBatchStatus.UNDOING:
            return int(self.undo_report.get("done", 0))
        return self.processed_rows

    @property
    def progress_total(self) -> int:
        if self.status == ImportBatchStatus.UNDOING:
            return int(self.undo_report.get("total", 0))
        return self.total_rows

    @property
    def progress_rate(self) -> float:
        if self.status == ImportBatchStatus.UNDOING:
            return float(self.undo_report.get("rows_per_second", 0))
        return self.rows_per_second

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status in (ImportBatchStatus.COMMITTED, ImportBatchStatus.VALIDATED) else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_running(self) -> bool:
        return self.status in (
            ImportBatchStatus.UPLOADED,
            ImportBatchStatus.VALIDATING,
            ImportBatchStatus.COMMITTING,
            ImportBatchStatus.UNDOING,
        )


class ImportRow(models.Model):
    """A row of a batch that needs remembering: a failed row (for the error workbook) or an update (for undo)."""

    class Kind(models.TextChoices):
        ERROR = "error", "Error"
        PRODUCT_UPDATE = "product_update", "Product updated"
        VARIANT_UPDATE = "variant_update", "Variant updated"
        IMAGES = "images", "Images to fetch"
        CHANNELS = "channels", "Listings to create"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    row_number = models.PositiveIntegerField()
    sku = models.CharField(max_length=255, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    values = models.JSONField(default=list, blank=True, help_text="Failed row: its cells; images/channels: the list.")
    errors = models.JSONField(default=list, blank=True)
    before = models.JSONField(default=dict, blank=True, help_text="Field values before the update.")
    after = models.JSONField(default=dict, blank=True, help_text="Field values written by the import.")
    version_after = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "row_number"]
        indexes = [models.Index(fields=["batch", "kind", "row_number"])]

    def __str__(self) -> str:
        return f"{self.kind} row {self.row_number} of batch {self.batch_id}"

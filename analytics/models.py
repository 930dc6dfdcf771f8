"""Daily shop figures per channel, computed from our own orders, listings and stock (docs/analytics.md)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from channels.models import Channel


class ChannelDailyStats(models.Model):
    """One channel's figures for one local day: a plain time-series table keyed by (channel, day).

    Order figures are recomputed from the orders at any time (idempotent upsert); `active_listings` and
    `out_of_stock_variants` are snapshots taken while the day is today (empty: no snapshot was taken that day).
    `sessions` and `page_views` are empty when the marketplace's API gives no shop traffic (all of them today).
    Money is in `currency`, the channel's currency; orders in another currency are counted in
    `other_currency_orders` and left out of the money figures."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="daily_stats")
    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    refunds = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    average_order_value = models.DecimalField(null=True, blank=True, max_digits=14, decimal_places=2)
    other_currency_orders = models.PositiveIntegerField(default=0)
    oversells = models.PositiveIntegerField(default=0)
    active_listings = models.PositiveIntegerField(null=True, blank=True)
    out_of_stock_variants = models.PositiveIntegerField(null=True, blank=True)
    sessions = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: not available from this marketplace."
    )
    page_views = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: not available from this marketplace."
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["channel_id", "day"]
        verbose_name = "channel daily stats"
        verbose_name_plural = "channel daily stats"
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="channeldailystats_one_per_channel_day"),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="channeldailystats_revenue_non_negative"),
            models.CheckConstraint(condition=Q(refunds__gte=0), name="channeldailystats_refunds_non_negative"),
        ]
        indexes = [models.Index(fields=["day"], name="channeldailystats_day_idx")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.day}"

    @property
    def net_revenue(self) -> Decimal:
        return self.revenue - self.refunds


class CacheVersion(models.Model):
    """The version number embedded in every cached analytics key (docs/analytics.md#caching), kept in the database
    so that every process (web servers, workers) reads the same one even when the cache itself is per process."""

    name = models.CharField(primary_key=True, max_length=40)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} v{self.value}"


class MetricSource(models.TextChoices):
    AMAZON_REPORT = "amazon_report", "Amazon Sales and Traffic report"
    ORDERS = "orders", "Our orders"
    MARKETPLACE_API = "marketplace_api", "Marketplace API"


class PerformanceMetric(models.Model):
    """One listing's figures for one day (docs/analytics.md), keyed by (listing, report_date).

    Empty (NULL) means "not available from this marketplace" or "not reported for that day", never zero: a day
    missing from a report has no row at all, and pages show it as a gap. Percentages are fractions 0–1 except
    `buy_box_pct`, which is 0–100 as the Sales and Traffic report gives it. Money is in `currency`."""

    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="performance_metrics")
    report_date = models.DateField()
    sessions = models.PositiveIntegerField(null=True, blank=True)
    page_views = models.PositiveIntegerField(null=True, blank=True)
    page_views_pct = models.DecimalField(null=True, blank=True, max_digits=5, decimal_places=4)
    units_ordered = models.PositiveIntegerField(null=True, blank=True)
    unit_session_pct = models.DecimalField(null=True, blank=True, max_digits=5, decimal_places=4)
    ordered_product_sales = models.DecimalField(null=True, blank=True, max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True)
    buy_box_pct = models.DecimalField(null=True, blank=True, max_digits=5, decimal_places=2)
    bsr = models.PositiveIntegerField(null=True, blank=True)
    bsr_category = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=20, choices=MetricSource.choices)
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["listing_id", "report_date"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "report_date"], name="performancemetric_one_per_listing_day"),
            models.CheckConstraint(
                condition=Q(page_views_pct__gte=0, page_views_pct__lte=1) | Q(page_views_pct__isnull=True),
                name="performancemetric_page_views_pct_fraction",
            ),
            models.CheckConstraint(
                condition=Q(unit_session_pct__gte=0, unit_session_pct__lte=1) | Q(unit_session_pct__isnull=True),
                name="performancemetric_unit_session_pct_fraction",
            ),
            models.CheckConstraint(
                condition=Q(buy_box_pct__gte=0, buy_box_pct__lte=100) | Q(buy_box_pct__isnull=True),
                name="performancemetric_buy_box_pct_range",
            ),
            models.CheckConstraint(
                condition=Q(ordered_product_sales__gte=0) | Q(ordered_product_sales__isnull=True),
                name="performancemetric_sales_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["report_date"], name="performancemetric_date_idx")]

    def __str__(self) -> str:
        return f"listing {self.listing_id} {self.report_date}"


# --- Attribution (docs/analytics.md#attribution) ---


class ChangeKind(models.TextChoices):
    """What `AttributionEvent.change_id` points at."""

    LISTING_VERSION = "listing_version", "Content version"  # listings.ListingVersion
    PRICE = "price", "Price change"  # pricing.PriceHistory, a point of our own price


class AttributionChangeType(models.TextChoices):
    TITLE_UPDATE = "title_update", "Title"
    BULLET_UPDATE = "bullet_update", "Bullet points"
    DESCRIPTION_UPDATE = "description_update", "Description"
    IMAGE_ADD = "image_add", "Image added"
    IMAGE_REMOVE = "image_remove", "Image removed"
    IMAGE_UPDATE = "image_update", "Images changed"
    SEO_UPDATE = "seo_update", "Search terms / SEO"
    CATEGORY_CHANGE = "category_change", "Category"
    ATTRIBUTE_UPDATE = "attribute_update", "Attributes"
    CONTENT_UPDATE = "content_update", "Several content fields"
    PRICE_CHANGE = "price_change", "Price"


class Verdict(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"
    NO_EFFECT = "no_effect", "No effect"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


class AttributionEvent(models.Model):
    """One change of a listing (a content version or a price change) and what it did to the listing's sales:
    7 days before against 7 days after, less the same for unchanged listings of the category (the control).

    `metrics_*` and `control_*` hold {days, sessions_avg, conversion_rate, units_total, units_avg, revenue_total,
    bsr_avg} (the control also `listings`); `impact_score` is in percentage points of units per day,
    `confidence` in %; `confounders` is a list of {code, label, days}. Written only by
    analytics.services.attribution (upserted on (listing, change_kind, change_id))."""

    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="attribution_events")
    change_type = models.CharField(max_length=50, choices=AttributionChangeType.choices)
    change_kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    change_id = models.PositiveBigIntegerField(help_text="The content version's or the price point's id.")
    change_timestamp = models.DateTimeField()
    metrics_before = models.JSONField(default=dict, blank=True)
    metrics_after = models.JSONField(default=dict, blank=True)
    control_before = models.JSONField(default=dict, blank=True)
    control_after = models.JSONField(default=dict, blank=True)
    impact_score = models.DecimalField(
        null=True, blank=True, max_digits=5, decimal_places=2, help_text="Percentage points of units per day."
    )
    confidence = models.DecimalField(null=True, blank=True, max_digits=5, decimal_places=2, help_text="0–100 %.")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    confounders = models.JSONField(default=list, blank=True)
    daily_units = models.JSONField(
        default=list,
        blank=True,
        help_text="Units per day, 7 days before and after: [{date, side, units, control_units}].",
    )
    analysis_date = models.DateField()
    analysis_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-change_timestamp", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "change_kind", "change_id"], name="attributionevent_one_per_change"
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=100),
                name="attributionevent_confidence_range",
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=[v.value for v in Verdict]), name="attributionevent_verdict_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["-impact_score"], name="attributionevent_impact_idx"),
            models.Index(fields=["change_timestamp"], name="attributionevent_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_change_type_display()} of listing {self.listing_id}: {self.verdict}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError  # kept here: this file's head is shared

        if not isinstance(self.confounders, list):
            raise ValidationError({"confounders": "Confounders must be a list."})
        if not isinstance(self.daily_units, list):
            raise ValidationError({"daily_units": "Daily units must be a list."})


# --- Keywords (docs/analytics.md#keywords) ---


class KeywordSource(models.TextChoices):
    TITLE = "title", "Title"
    BULLETS = "bullets", "Bullet points"
    BACKEND = "backend", "Search terms (backend)"
    COMPETITOR = "competitor", "Competitors' titles"
    SUGGESTED = "suggested", "Suggested"
    MANUAL = "manual", "Added by hand"


from typing import Any  # noqa: E402 - the keywords block is appended to this shared module

SHARE_HELP = "Fraction 0-1 from an Amazon Brand Analytics report; a share, not a rate."


def _share_field() -> models.DecimalField:
    return models.DecimalField(null=True, blank=True, max_digits=5, decimal_places=4, help_text=SHARE_HELP)


class DescNullsLastIndex(models.Index):
    """An index on one column, largest first and NULLs last (seed 003 `search_volume DESC NULLS LAST`). SQLite
    refuses NULLS LAST in an index but sorts NULL below every value, so its plain DESC index already ends with
    the NULLs."""

    def __init__(self, *, field_name: str, name: str) -> None:
        self.field_name = field_name
        super().__init__(models.OrderBy(models.F(field_name), descending=True, nulls_last=True), name=name)

    def deconstruct(self) -> Any:
        path, _args, _kwargs = super().deconstruct()
        return path, (), {"field_name": self.field_name, "name": self.name}

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            plain = models.Index(fields=[f"-{self.field_name}"], name=self.name)
            return plain.create_sql(model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class Keyword(models.Model):
    """A search phrase we watch for one listing (docs/analytics.md#keywords), one row per normalised form.

    `keyword_normalized` is the comparison form (NFKC, casefolded, trimmed, single spaces; analytics.keyword_text),
    so "Kettle" and "KETTLE" are one row. `search_volume` is a count of searches (Search Query Performance);
    `search_frequency_rank` is Amazon's Search Frequency Rank: a RANK (1 = most searched), never a volume, kept
    apart. Beyond the seed: the report shares (`impression_share`, `click_share`, `conversion_share`) and
    `report_date`, the last day the report figures describe."""

    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="keywords")
    keyword = models.CharField(max_length=255)
    keyword_normalized = models.CharField(max_length=255, editable=False)
    source = models.CharField(max_length=20, choices=KeywordSource.choices, default=KeywordSource.MANUAL)
    search_volume = models.PositiveIntegerField(null=True, blank=True, help_text="Searches in the report period.")
    search_volume_trend = models.DecimalField(
        null=True, blank=True, max_digits=7, decimal_places=2, help_text="% change of the search volume."
    )
    search_frequency_rank = models.PositiveIntegerField(
        null=True, blank=True, help_text="Amazon's Search Frequency Rank: 1 = most searched. A rank, not a volume."
    )
    organic_rank = models.PositiveIntegerField(null=True, blank=True)
    sponsored_rank = models.PositiveIntegerField(null=True, blank=True)
    relevance_score = models.DecimalField(
        null=True, blank=True, max_digits=5, decimal_places=2, help_text="0-100: how relevant to the product."
    )
    conversion_rate = models.DecimalField(
        null=True, blank=True, max_digits=5, decimal_places=4, help_text="Fraction 0-1: our purchases / our clicks."
    )
    impression_share = _share_field()
    click_share = _share_field()
    conversion_share = _share_field()
    report_date = models.DateField(null=True, blank=True, help_text="Last day of the report period.")
    is_primary = models.BooleanField(default=False)
    is_tracked = models.BooleanField(default=True)
    last_updated = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "-is_tracked", "keyword_normalized"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "keyword_normalized"],
                name="keyword_one_per_listing",
                violation_error_message="This listing already has this keyword.",
            ),
            models.CheckConstraint(
                condition=Q(relevance_score__isnull=True) | Q(relevance_score__gte=0, relevance_score__lte=100),
                name="keyword_relevance_0_100",
                violation_error_message="relevance_score must be between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=Q(conversion_rate__isnull=True) | Q(conversion_rate__gte=0, conversion_rate__lte=1),
                name="keyword_conversion_rate_fraction",
                violation_error_message="conversion_rate must be a fraction between 0 and 1.",
            ),
            models.CheckConstraint(
                condition=Q(search_frequency_rank__isnull=True) | Q(search_frequency_rank__gte=1),
                name="keyword_frequency_rank_from_1",
                violation_error_message="search_frequency_rank starts at 1 (the most searched term).",
            ),
        ]
        indexes = [
            models.Index(fields=["listing"], name="keyword_listing_idx"),
            models.Index(fields=["keyword_normalized"], name="keyword_keyword_idx"),
            DescNullsLastIndex(field_name="search_volume", name="keyword_volume_idx"),
        ]

    def __str__(self) -> str:
        return self.keyword

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .keyword_text import KeywordError, clean_display, keyword_check

        try:
            self.keyword_normalized = keyword_check(self.keyword)
        except KeywordError as exc:
            raise ValidationError({"keyword": str(exc)}) from exc
        self.keyword = clean_display(self.keyword)
        if self.is_primary and not self.is_tracked:
            raise ValidationError({"is_tracked": "A primary keyword is always tracked; unmark primary first."})
        for name in ("impression_share", "click_share", "conversion_share", "conversion_rate"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1:
                raise ValidationError({name: f"{name} is a fraction between 0 and 1 (got {value})."})
        for name in ("organic_rank", "sponsored_rank"):
            if getattr(self, name) == 0:
                raise ValidationError({name: f"{name} is a position in the results, 1 or more (got 0)."})
        if self.relevance_score is not None and not 0 <= self.relevance_score <= 100:
            raise ValidationError({"relevance_score": f"relevance_score is 0 to 100 (got {self.relevance_score})."})


# --- Listing score (docs/analytics.md#listing-score) ---

SCORE_FIELDS = ("total_score", "seo_score", "content_score", "image_score", "competitive_score", "compliance_score")


def _score_range(name: str, *, nullable: bool, prefix: str = "listingscore") -> models.CheckConstraint:
    condition = Q(**{f"{name}__gte": 0, f"{name}__lte": 100})
    if nullable:
        condition |= Q(**{f"{name}__isnull": True})
    return models.CheckConstraint(condition=condition, name=f"{prefix}_{name}_range")


class ListingScore(models.Model):
    """One computed score of one listing (docs/analytics.md#storage): a time series, many rows per listing.

    Scores are 0–100. An empty sub-score means none of its rules could be judged (e.g. no competitor data).
    `score_breakdown` holds, per sub-score, the rule hits {rule, weight, points, observed, expected, fix, evidence}
    and the compliance gate; `listing_version` is the content version scored, when the listing has one."""

    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="scores")
    time = models.DateTimeField()
    total_score = models.DecimalField(max_digits=5, decimal_places=2)
    seo_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    content_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    image_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    competitive_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    compliance_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    score_breakdown = models.JSONField(default=dict, blank=True)
    scoring_version = models.CharField(max_length=20)
    listing_version = models.ForeignKey(
        "listings.ListingVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["listing_id", "-time"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "time"], name="listingscore_one_per_listing_time"),
            _score_range("total_score", nullable=False),
            *(_score_range(name, nullable=True) for name in SCORE_FIELDS[1:]),
        ]
        indexes = [models.Index(fields=["time"], name="listingscore_time_idx")]

    def __str__(self) -> str:
        return f"listing {self.listing_id} {self.total_score} at {self.time:%Y-%m-%d %H:%M}"


class ListingScoreLatest(models.Model):
    """The newest score of each listing, one small row per listing, so lists filter and sort by score in SQL.

    `stale_since` marks a listing whose content changed since its score: the debounced recompute picks those up
    (docs/analytics.md#listing-score)."""

    listing = models.OneToOneField(
        "listings.Listing", primary_key=True, on_delete=models.CASCADE, related_name="latest_score"
    )
    score = models.ForeignKey(ListingScore, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    total_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "latest listing score"
        constraints = [_score_range("total_score", nullable=True, prefix="listingscorelatest")]
        indexes = [
            models.Index(fields=["total_score"], name="listingscorelatest_total_idx"),
            models.Index(fields=["stale_since"], condition=Q(stale_since__isnull=False), name="listingscore_stale_idx"),
        ]

    def __str__(self) -> str:
        return f"listing {self.listing_id}: {self.total_score}"


class ScheduledReportType(models.TextChoices):
    """The Amazon reports we let Amazon create on a schedule, each read by one of our pulls."""

    SALES_AND_TRAFFIC = "GET_SALES_AND_TRAFFIC_REPORT", "Sales and Traffic (daily, per SKU)"
    SEARCH_TERMS = "GET_BRAND_ANALYTICS_SEARCH_TERMS_REPORT", "Search Terms (weekly)"


class ReportSchedule(models.Model):
    """An Amazon report schedule we created on a channel (Reports API createReportSchedule): Amazon then creates
    the report every `period` by itself, and our pulls pick those reports up with getReports instead of asking
    for new ones (docs/analytics.md#report-schedules).

    At most one live schedule per channel and report type (Amazon replaces a schedule of the same type and
    marketplaces); a cancelled one stays as history with `cancelled_at`."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="report_schedules")
    report_type = models.CharField(max_length=80, choices=ScheduledReportType.choices)
    period = models.CharField(max_length=8, help_text="ISO 8601 duration, as Amazon takes it (P1D, P7D).")
    report_options = models.JSONField(default=dict, blank=True)
    remote_id = models.CharField(max_length=64, help_text="Amazon's reportScheduleId.")
    first_report_at = models.DateTimeField(help_text="When Amazon creates the schedule's first report.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    is_gone_on_amazon = models.BooleanField(
        default=False, help_text="Cancelled on Amazon's side (not by us): a pull found it missing from Amazon's list."
    )
    status_message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["channel__name", "report_type", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "report_type"],
                condition=Q(cancelled_at__isnull=True),
                name="analytics_one_live_report_schedule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_report_type_display()} on {self.channel}"

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.channel_id and self.channel.marketplace != "amazon":
            message = f"{self.channel} is not an Amazon channel: report schedules are Amazon's."
            raise ValidationError({"channel": message})


class KeywordReportType(models.TextChoices):
    SEARCH_TERMS = "search_terms", "Search Terms"
    SEARCH_QUERY_PERFORMANCE = "search_query_performance", "Search Query Performance"


class KeywordReportPullStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    ABANDONED = "abandoned", "Abandoned"


ACTIVE_KEYWORD_PULL_STATUSES = (KeywordReportPullStatus.QUEUED, KeywordReportPullStatus.RUNNING)


class KeywordReportPull(models.Model):
    """One "Pull now" of a keyword report for an Amazon channel, from queueing to its end
    (docs/analytics.md#keyword-reports-pull-now). At most one queued or running pull per channel (both reports
    spend the same createReport quota): a second request is refused while one is active. A row left active by a
    lost task counts as abandoned after KEYWORD_PULL_STALE (analytics/services/keyword_reports.py)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="keyword_report_pulls")
    report = models.CharField(max_length=40, choices=KeywordReportType.choices)
    status = models.CharField(
        max_length=12, choices=KeywordReportPullStatus.choices, default=KeywordReportPullStatus.QUEUED
    )
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-queued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel"],
                condition=Q(status__in=["queued", "running"]),
                name="analytics_one_active_keyword_pull",
            ),
            models.CheckConstraint(
                condition=Q(status__in=KeywordReportPullStatus.values), name="analytics_keyword_pull_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(report__in=KeywordReportType.values), name="analytics_keyword_pull_report_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_report_display()} of {self.channel} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_KEYWORD_PULL_STATUSES


class QueryPerformanceCursor(models.Model):
    """Where the weekly Search Query Performance pull of a channel goes on (docs/analytics.md#keywords): a run
    asks at most SQP_MAX_REPORTS reports of SQP ASINs each, so a channel with more ASINs is covered over
    successive runs. `next_asin` is the first ASIN (in sorted order, wrapping round) the next run asks for."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="query_performance_cursor")
    next_asin = models.CharField(max_length=20, blank=True)
    asins_total = models.PositiveIntegerField(default=0, help_text="The channel's ASINs at the last run.")
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Search Query Performance of {self.channel}: next {self.next_asin or 'from the start'}"

from rest_framework import serializers

TRAFFIC_HELP = "Empty (null): not available from this marketplace."


class DailyStatsSerializer(serializers.Serializer):
    """One channel's figures for one day (docs/analytics.md#figures); money in `currency`."""

    channel = serializers.IntegerField()
    channel_name = serializers.CharField()
    marketplace = serializers.CharField()
    day = serializers.DateField()
    currency = serializers.CharField(help_text="The channel's currency (ISO 4217); every amount is in it.")
    orders = serializers.IntegerField(help_text="Paid orders placed that day (unpaid and cancelled not counted).")
    units = serializers.IntegerField(help_text="Units of those orders, less cancelled units.")
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Order totals, in currency.")
    refunds = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Refunded units x unit price, of the day's orders."
    )
    net_revenue = serializers.DecimalField(max_digits=14, decimal_places=2)
    average_order_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    other_currency_orders = serializers.IntegerField(help_text="Orders in another currency: not in the money.")
    oversells = serializers.IntegerField(help_text="Order lines of the day that took more than was available.")
    active_listings = serializers.IntegerField(allow_null=True, help_text="Live listings (null: no snapshot).")
    out_of_stock_variants = serializers.IntegerField(allow_null=True, help_text="Listed units with nothing available.")
    sessions = serializers.IntegerField(allow_null=True, help_text=TRAFFIC_HELP)
    page_views = serializers.IntegerField(allow_null=True, help_text=TRAFFIC_HELP)


class DailyStatsResponseSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    results = DailyStatsSerializer(many=True)

    def get_fields(self):  # type: ignore[no-untyped-def]
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ScoreHitSerializer(serializers.Serializer):
    """One rule's verdict (docs/analytics.md#listing-score): `points` of its `weight` given."""

    sub_score = serializers.CharField(help_text="seo, content, images, competitive or compliance.")
    rule = serializers.CharField()
    weight = serializers.IntegerField(help_text="Points the rule can give.")
    points = serializers.FloatField(help_text="Points it gave.")
    observed = serializers.JSONField()
    expected = serializers.CharField()
    fix = serializers.CharField(allow_blank=True)
    evidence = serializers.CharField(allow_blank=True)
    field = serializers.CharField(allow_blank=True, help_text="The listing field the fix concerns.")
    applicable = serializers.BooleanField(help_text="False: the data cannot tell; left out of the sub-score.")


class ListingScoreSerializer(serializers.Serializer):
    """The newest score of a listing (names as in docs/analytics.md#storage); empty sub-score: no rule could judge."""

    listing = serializers.IntegerField(source="listing_id")
    time = serializers.DateTimeField()
    total_score = serializers.DecimalField(max_digits=5, decimal_places=2)
    seo_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    content_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    image_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    competitive_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    compliance_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    gate = serializers.JSONField(help_text="blocked: a blocking readiness issue capped the total at `cap`.")
    hits = ScoreHitSerializer(many=True)
    score_breakdown = serializers.JSONField()
    scoring_version = serializers.CharField()
    listing_version = serializers.IntegerField(
        source="listing_version_id", allow_null=True, help_text="The content version scored (id), when known."
    )

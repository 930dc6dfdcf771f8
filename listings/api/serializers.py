"""Listing serializers: overrides are writable; status and marketplace state change only through actions/sync."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.validators import BULLET_COUNT, BULLET_MAX_LENGTH, SEO_DESCRIPTION_MAX_LENGTH, SEO_TITLE_MAX_LENGTH
from common.api.bulk import BULK_ITEM_STATUSES, BULK_POLICY_CHOICES, BULK_REJECT_ALL
from common.api.errors import ErrorSerializer
from common.api.serializers import (
    MAX_ID,
    ServiceSerializerMixin,
    StrictCharField,
    StrictDecimalField,
    StrictIntegerField,
)
from listings import services
from listings.choices import ListingStatus, RemoteStatus
from listings.models import Listing
from syncing.api.serializers import SyncJobSerializer

LISTING_FIELDS = [
    "id",
    "product",
    "variant",
    "channel",
    "title",
    "description",
    "price",
    "compare_at_price",
    "quantity",
    "bullet_points",
    "search_terms",
    "short_description",
    "seo_title",
    "seo_description",
    "status",
    "status_reason",
    "status_changed_at",
    "external_id",
    "external_url",
    "last_error_code",
    "last_error_message",
    "last_pushed_at",
    "last_pulled_at",
    "readiness_blocking",
    "readiness_checked_at",
    "created_at",
    "updated_at",
    # what is sent and what the marketplace said (docs/sync.md, "Push on change", "Pending until confirmed")
    "effective",
    "changed_since_push",
    "changed_at",
    "changed_parts",
    "pending",
    "pending_since",
    "remote_status",
    "remote_issues",
    "channel_payload",
    "score",
]
READ_ONLY = [f for f in LISTING_FIELDS if f not in {"product", "variant", "channel", *services.OVERRIDE_FIELDS}]
EFFECTIVE_FIELDS = ("title", "description", "price", "compare_at_price", "quantity")
EFFECTIVE_TEXT_FIELDS = ("search_terms", "short_description", "seo_title", "seo_description")


def bullet_points_field() -> serializers.ListField:
    """Up to 5 texts of at most 500 characters; null inherits the product's bullet points."""
    return serializers.ListField(
        child=StrictCharField(max_length=BULLET_MAX_LENGTH, allow_blank=False),
        max_length=BULLET_COUNT,
        allow_null=True,
        required=False,
        help_text="Bullet points for this channel only (up to 5); null: the product's.",
    )


class EffectiveValueSerializer(serializers.Serializer):
    value = serializers.CharField(allow_null=True, help_text="The value sent (prices and quantities as text).")
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field named like Field.source
        choices=["listing", "variant", "product", "variants", "none"],
        help_text="Where it comes from: a listing override, the variant, the product, the sum of the variants.",
    )
    rule = serializers.CharField(help_text="How it was produced, e.g. 'product, base 19.90, +10 % = 21.89'.")


class EffectiveListSerializer(serializers.Serializer):
    value = serializers.ListField(child=serializers.CharField(), help_text="The texts sent, in order.")
    source = serializers.ChoiceField(choices=["listing", "product"])  # type: ignore[assignment]
    rule = serializers.CharField()


class EffectiveSerializer(serializers.Serializer):
    title = EffectiveValueSerializer()
    description = EffectiveValueSerializer()
    price = EffectiveValueSerializer()
    compare_at_price = EffectiveValueSerializer()
    quantity = EffectiveValueSerializer()
    bullet_points = EffectiveListSerializer()
    search_terms = EffectiveValueSerializer()
    short_description = EffectiveValueSerializer()
    seo_title = EffectiveValueSerializer()
    seo_description = EffectiveValueSerializer()


def effective_data(listing: Listing) -> dict[str, dict[str, Any]]:
    """Each effective value of the listing with its source and rule, as the listing page shows them."""
    values = services.listing_effective_values(listing)
    data = {}
    for name in EFFECTIVE_FIELDS:
        item = getattr(values, name)
        value = item.value
        data[name] = {"value": None if value is None else str(value), "source": item.source, "rule": item.rule}
    for name in EFFECTIVE_TEXT_FIELDS:
        item = getattr(values, name)
        data[name] = {"value": item.value, "source": item.source, "rule": item.rule}
    bullets = values.bullet_points
    data["bullet_points"] = {"value": list(bullets.value), "source": bullets.source, "rule": bullets.rule}
    return data


class BlankAsNullURLField(serializers.URLField):
    """A read-only URL answered as null when there is none: the schema's `format: uri` does not allow ""."""

    def to_representation(self, value: str) -> Any:
        return value or None


class ListingSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """A listing; title, description, price, compare_at_price and quantity override the product (null: inherit)."""

    create_service = services.listing_create
    update_service = services.listing_update
    instance_kwarg = "listing"

    external_url = BlankAsNullURLField(
        read_only=True, allow_null=True, help_text="The listing's page on the marketplace; null until it has one."
    )
    effective = serializers.SerializerMethodField(
        help_text="Each value sent to the marketplace with the override, base value and channel rule behind it."
    )
    changed_since_push = serializers.BooleanField(
        read_only=True, help_text="A change the marketplace does not have yet ('Changes not pushed')."
    )
    changed_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When it was last changed.")
    changed_parts = serializers.ListField(
        child=serializers.ChoiceField(choices=["offers", "content"]),
        read_only=True,
        help_text='What changed: "offers" (price, stock) and/or "content" (the rest).',
    )
    pending = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Values sent to the marketplace and not confirmed yet, as text.",
    )
    pending_since = serializers.DateTimeField(read_only=True, allow_null=True)
    remote_status = serializers.ChoiceField(
        choices=RemoteStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="The marketplace's own status of the item, normalised; empty until it has been read.",
    )
    remote_issues = serializers.JSONField(read_only=True, help_text="The marketplace's issues with the item.")
    channel_payload = serializers.JSONField(read_only=True, help_text="What the marketplace last answered.")
    bullet_points = bullet_points_field()
    score = serializers.DecimalField(
        source="latest_score.total_score",
        max_digits=5,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="The newest listing score 0–100 (null: not scored yet); details at /api/v1/listings/{id}/score/.",
    )

    class Meta:
        model = Listing
        fields = LISTING_FIELDS
        read_only_fields = READ_ONLY
        validators: list = []

    @extend_schema_field(EffectiveSerializer)
    def get_effective(self, listing: Listing) -> dict[str, dict[str, Any]]:
        return effective_data(listing)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            for name in ("product", "variant", "channel"):
                fields[name].read_only = True  # a listing does not move; create another one
        return fields


class ReadinessIssueSerializer(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField()
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["blocking", "warning"])
    fix = serializers.CharField(required=False, help_text="How to resolve it, when the message does not say.")


class ReadinessSerializer(serializers.Serializer):
    listing = serializers.IntegerField()
    is_ready = serializers.BooleanField(help_text="True when no issue is blocking.")
    issues = ReadinessIssueSerializer(many=True)


class ListingTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[], help_text="Target status; the state machine decides if allowed.")
    reason = StrictCharField(required=False, allow_blank=True, max_length=500, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        self.fields["status"].choices = ListingStatus.choices  # type: ignore[attr-defined]


class ListingAssignSerializer(serializers.Serializer):
    products = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=10_000
    )
    channels = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=100
    )


class ListingAssignResultSerializer(serializers.Serializer):
    products = serializers.IntegerField()
    channels = serializers.IntegerField()
    created = serializers.IntegerField()
    skipped = serializers.IntegerField()
    skipped_existing = serializers.IntegerField()
    skipped_archived = serializers.IntegerField()
    skipped_missing = serializers.IntegerField()
    changeset = serializers.IntegerField(help_text="The bulk_assign changeset that can undo it (0: nothing created).")


class ListingBulkCreateSerializer(serializers.Serializer):
    policy = serializers.ChoiceField(choices=BULK_POLICY_CHOICES, default=BULK_REJECT_ALL)
    items = ListingSerializer(many=True, min_length=1, max_length=100)  # type: ignore[call-arg]


class ListingBulkUpdateItemSerializer(serializers.Serializer):
    id = StrictIntegerField(min_value=1, max_value=MAX_ID)
    title = StrictCharField(max_length=500, allow_null=True, allow_blank=True, required=False)
    description = StrictCharField(allow_null=True, allow_blank=True, required=False)
    price = StrictDecimalField(max_digits=12, decimal_places=2, allow_null=True, required=False)
    compare_at_price = StrictDecimalField(max_digits=12, decimal_places=2, allow_null=True, required=False)
    quantity = StrictIntegerField(min_value=0, max_value=2**31 - 1, allow_null=True, required=False)
    bullet_points = bullet_points_field()
    search_terms = StrictCharField(max_length=250, allow_null=True, allow_blank=True, required=False)
    short_description = StrictCharField(allow_null=True, allow_blank=True, required=False)
    seo_title = StrictCharField(max_length=SEO_TITLE_MAX_LENGTH, allow_null=True, allow_blank=True, required=False)
    seo_description = StrictCharField(
        max_length=SEO_DESCRIPTION_MAX_LENGTH, allow_null=True, allow_blank=True, required=False
    )


class ListingBulkUpdateSerializer(serializers.Serializer):
    policy = serializers.ChoiceField(choices=BULK_POLICY_CHOICES, default=BULK_REJECT_ALL)
    items = ListingBulkUpdateItemSerializer(many=True, min_length=1, max_length=100)  # type: ignore[call-arg]


class ListingBulkItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=BULK_ITEM_STATUSES)
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]
    data = ListingSerializer(allow_null=True)  # type: ignore[assignment]


class ListingBulkResultSerializer(serializers.Serializer):
    policy = serializers.ChoiceField(choices=BULK_POLICY_CHOICES)
    applied = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = ListingBulkItemResultSerializer(many=True)


PUBLISH_MAX_LISTINGS = 1000  # a few pages of the staff list; larger selections publish per channel by filter


class ListingPublishSerializer(serializers.Serializer):
    listings = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=PUBLISH_MAX_LISTINGS,
        help_text="Ids of the listings to publish, on any of the caller's channels.",
    )


class ListingPublishChannelSerializer(serializers.Serializer):
    channel = serializers.IntegerField()
    listings = serializers.ListField(child=serializers.IntegerField(), help_text="The channel's listings asked for.")
    job = SyncJobSerializer(allow_null=True, help_text="The publish job started on this channel, or null.")
    error = ErrorSerializer(allow_null=True, help_text="Why this channel refused (e.g. paused), or null.")


class ListingPublishResultSerializer(serializers.Serializer):
    started = serializers.IntegerField(help_text="Channels on which a publish job started.")
    refused = serializers.IntegerField(help_text="Channels that refused; the others are not affected.")
    results = ListingPublishChannelSerializer(many=True, help_text="One entry per channel, channels by name.")


class ListingDeactivateSerializer(serializers.Serializer):
    """Body of POST /listings/{id}/deactivate/ (optional): what the marketplace does (docs/sync.md#deactivation)."""

    mode = serializers.ChoiceField(
        choices=[("delist", "delist"), ("pause", "pause"), ("delete", "delete")],
        default="delist",
        help_text="delist: inactive on the marketplace, status delisted; pause: inactive there, status paused; "
        "delete: removed there, status delisted and the external id forgotten.",
    )


class ListingPublishChangesSerializer(serializers.Serializer):
    listings = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        min_length=1,
        max_length=PUBLISH_MAX_LISTINGS,
        help_text="Ids of the listings whose changes to publish.",
    )
    filters = serializers.DictField(
        required=False,
        help_text="Instead of ids: every listing matching these list filters (e.g. {'channel': 3, 'q': 'TSHIRT'}).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("listings" in attrs) == ("filters" in attrs):
            raise serializers.ValidationError("Give either `listings` (ids) or `filters`, not both.")
        return attrs


class ListingPublishChangesChannelSerializer(serializers.Serializer):
    channel = serializers.IntegerField()
    listings = serializers.ListField(child=serializers.IntegerField(), help_text="The channel's listings asked for.")
    offers_job = SyncJobSerializer(allow_null=True, help_text="The price/stock update started, or null.")
    content_job = SyncJobSerializer(allow_null=True, help_text="The push of content changes started, or null.")
    error = serializers.CharField(allow_blank=True, help_text="Why this channel sent nothing, or empty.")


class ListingPublishChangesResultSerializer(serializers.Serializer):
    started = serializers.IntegerField(help_text="Channels on which changes went out.")
    results = ListingPublishChangesChannelSerializer(many=True)

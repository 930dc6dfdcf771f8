"""`/api/v1/keywords/?listing=&source=&is_tracked=&is_primary=`: a listing's keywords (docs/analytics.md#keywords).
Writes go through analytics.services.keywords; a keyword differing from an existing one only in case or spacing
is that row (200 with it), never a second one."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import channel_scoped
from analytics.keyword_filters import KeywordFilterSet
from analytics.keyword_selectors import keyword_list
from analytics.models import Keyword
from analytics.report_schedule_selectors import amazon_channels_visible
from analytics.report_schedule_views import SCHEDULE_AREA
from analytics.services import keywords as services
from analytics.services.keyword_reports import KEYWORD_REPORTS, keyword_report_pull_queue
from channels.models import Channel
from common.api.errors import ErrorSerializer
from common.api.serializers import ServiceSerializerMixin, StrictPrimaryKeyRelatedField
from listings.models import Listing

READ_ONLY = [
    "keyword_normalized", "search_frequency_rank", "impression_share", "click_share", "conversion_share",
    "report_date", "last_updated", "created_at",
]  # fmt: skip


class KeywordSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    update_service = services.keyword_update
    instance_kwarg = "row"
    listing = StrictPrimaryKeyRelatedField(queryset=Listing.objects.all())
    search_frequency_rank = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Amazon's Search Frequency Rank: 1 = the most searched term. A rank, not a search volume.",
    )

    class Meta:
        model = Keyword
        fields = ["id", "listing", *services.KEYWORD_FIELDS, *READ_ONLY]
        read_only_fields = READ_ONLY
        validators: list = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        listing: Any = fields["listing"]
        listing.queryset = channel_scoped(Listing.objects.all(), self._user())
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            listing.read_only = True  # a keyword stays with its listing
        return fields

    def create(self, validated_data: dict[str, Any]) -> Keyword:
        keyword, self.was_created = services.keyword_add_or_merge(user=self._user(), **validated_data)
        return keyword


class KeywordReportPullSerializer(serializers.Serializer):
    """Which keyword report of last week to pull, for an Amazon channel you may use."""

    channel = StrictPrimaryKeyRelatedField(
        queryset=Channel.objects.none(),  # the user's Amazon channels: set per request
        error_messages={
            "does_not_exist": "Unknown Amazon channel, or not one you may use.",
            "incorrect_type": "Give the channel's id as a number.",
        },
    )
    report = serializers.ChoiceField(choices=list(KEYWORD_REPORTS.items()))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = amazon_channels_visible(user)  # type: ignore[attr-defined]


class KeywordReportPullQueuedSerializer(serializers.Serializer):
    channel = serializers.IntegerField()
    report = serializers.CharField()
    message = serializers.CharField()


class KeywordViewSet(viewsets.ModelViewSet):
    """Keywords per listing, with search volume (a count of searches), Search Frequency Rank (a rank: 1 = most
    searched), ranks and shares from Amazon's reports. Filter with `listing`, `source`, `is_tracked`,
    `is_primary`. Bad input answers 400 naming the field (e.g. a keyword of only punctuation)."""

    required_role_area = "listings"
    serializer_class = KeywordSerializer
    filterset_class = KeywordFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return channel_scoped(keyword_list(), self.request.user, "listing__channel_id").order_by(
            "listing_id", "-is_primary", "-is_tracked", "keyword_normalized"
        )

    @extend_schema(responses={201: KeywordSerializer, 200: KeywordSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a keyword (201); one that normalises like an existing keyword of the listing answers 200 with it."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        created = getattr(serializer, "was_created", True)
        return Response(serializer.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_destroy(self, instance: Keyword) -> None:
        services.keyword_delete(row=instance, user=self.request.user)

    def get_required_role_area(self, request: Request) -> str:
        return SCHEDULE_AREA if self.action == "pull" else self.required_role_area

    @extend_schema(
        request=KeywordReportPullSerializer,
        responses={
            202: KeywordReportPullQueuedSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Unknown or non-Amazon `channel`; bad `report`."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="The channel is paused, or a pull of it is already queued or running; nothing was queued.",
            ),
        },
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="pull", filterset_class=None, pagination_class=None)
    def pull(self, request: Request) -> Response:
        """Pull now: queue last week's Search Terms or Search Query Performance report for an Amazon channel,
        read in the background into the keywords (202 with the message). Nothing is pulled in the request; a
        paused channel is a 409 with nothing queued."""
        body = KeywordReportPullSerializer(data=request.data, user=request.user)
        body.is_valid(raise_exception=True)
        channel, report = body.validated_data["channel"], body.validated_data["report"]
        message = keyword_report_pull_queue(channel=channel, report=report, user=request.user)
        return Response({"channel": channel.pk, "report": report, "message": message}, status=status.HTTP_202_ACCEPTED)

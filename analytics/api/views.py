"""GET /api/v1/analytics/daily/?channel=&from=&to= and GET /api/v1/listings/{id}/score/ (docs/api.md,
docs/analytics.md#api)."""

from datetime import date

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import channel_scoped
from analytics.forms import DailyStatsQueryForm
from analytics.models import SCORE_FIELDS
from analytics.reports import daily_stats_cached
from analytics.scoring import SUB_SCORES
from analytics.services.scores import listing_score_get
from listings.models import Listing

from .serializers import DailyStatsResponseSerializer, DailyStatsSerializer, ListingScoreSerializer

EMPTY_MESSAGE = "Give a value or leave the parameter out."


class DailyStatsView(APIView):
    """Daily shop figures per channel for the days `from`..`to` (inclusive, default the last 30; at most
    ANALYTICS_MAX_RANGE_DAYS). `channel` narrows to one channel; without it, every channel you may use.
    Bad dates, `from` after `to`, a longer range or an unknown channel: 400 naming the field."""

    extra_error_statuses = {"*": ("400",)}

    @extend_schema(
        parameters=[
            OpenApiParameter("channel", OpenApiTypes.INT, description="Channel id; empty: every channel."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (YYYY-MM-DD), default today."),
        ],
        responses={200: DailyStatsResponseSerializer},
    )
    def get(self, request: Request) -> Response:
        # The page's form treats an empty field as "not given"; in the API an empty value is a mistake.
        empty = {name: [EMPTY_MESSAGE] for name in ("channel", "from", "to") if request.query_params.get(name) == ""}
        if empty:
            raise serializers.ValidationError(empty)
        form = DailyStatsQueryForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise serializers.ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        first: date = form.cleaned_data["from"]
        last: date = form.cleaned_data["to"]
        rows = daily_stats_cached(form.channels(), first, last)
        return Response({"from": first, "to": last, "results": DailyStatsSerializer(rows, many=True).data})


class ListingScoreView(APIView):
    """`GET /api/v1/listings/{id}/score/`: the listing's newest score, computed now if it has none
    (docs/analytics.md#listing-score). 404 for an unknown listing or one on a channel you may not use."""

    required_role_area = "listings"

    @extend_schema(responses={200: ListingScoreSerializer}, operation_id="listings_score_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        listing = get_object_or_404(channel_scoped(Listing.objects.all(), request.user, "channel_id"), pk=pk)
        score = listing_score_get(listing)
        breakdown = score.score_breakdown or {}
        hits = [
            {"sub_score": name, **hit} for name in SUB_SCORES for hit in (breakdown.get(name) or {}).get("hits", [])
        ]
        data = {
            "listing_id": score.listing_id,
            "time": score.time,
            **{name: getattr(score, name) for name in SCORE_FIELDS},
            "gate": breakdown.get("gate", {}),
            "hits": hits,
            "score_breakdown": breakdown,
            "scoring_version": score.scoring_version,
            "listing_version_id": score.listing_version_id,
        }
        return Response(ListingScoreSerializer(data).data)

"""Competitors API: `/api/v1/competitors/` (with `POST …/{id}/observe/`), `/api/v1/competitor-observations/`
(`?competitor=`), `/api/v1/alerts/` (PATCH `status`) (docs/competitors.md#api)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import channel_scoped
from competitors import services
from competitors.filters import AlertFilterSet, CompetitorFilterSet, CompetitorObservationFilterSet
from competitors.selectors import alert_list, competitor_list, observation_list

from .serializers import (
    AlertSerializer,
    CompetitorObservationSerializer,
    CompetitorSerializer,
    ObserveResultSerializer,
)


class CompetitorViewSet(viewsets.ModelViewSet):
    """Tracked competitor items (Amazon ASIN, optionally one seller; Etsy listing id) with their latest state
    and threat score."""

    required_role_area = "listings"
    serializer_class = CompetitorSerializer
    filterset_class = CompetitorFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return channel_scoped(competitor_list(), self.request.user, "channel_id")

    def perform_destroy(self, instance: Any) -> None:
        services.competitor_delete(competitor=instance, user=self.request.user)

    @extend_schema(request=None, responses={200: ObserveResultSerializer})
    @action(detail=True, methods=["post"])
    def observe(self, request: Request, pk: str | None = None) -> Response:
        """Observe now: one observation through the marketplace; a refusal answers 400 with its message."""
        competitor = self.get_object()
        observation = services.competitor_observe(competitor=competitor)
        competitor.refresh_from_db()
        data = {"competitor": CompetitorSerializer(competitor, context=self.get_serializer_context()).data,
                "observation": CompetitorObservationSerializer(observation).data}  # fmt: skip
        return Response(data)


class CompetitorObservationViewSet(viewsets.ReadOnlyModelViewSet):
    """What each observation saw; `has_offer` false means no offer (prices null, never 0)."""

    required_role_area = "listings"
    serializer_class = CompetitorObservationSerializer
    filterset_class = CompetitorObservationFilterSet

    def get_queryset(self) -> Any:
        return channel_scoped(observation_list(), self.request.user, "competitor__channel_id")


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Competitor alerts, one per competitor and type within the window; PATCH `status` (viewed, actioned,
    dismissed) and `action_taken`."""

    required_role_area = "listings"
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return channel_scoped(alert_list(), self.request.user, "competitor__channel_id")

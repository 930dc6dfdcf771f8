"""Price rules API: CRUD, `POST /api/v1/price-rules/preview/` and `POST /api/v1/price-rules/apply/`."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import channel_scoped
from common.errors import ApplicationError
from listings.api.filters import ListingApiFilterSet
from listings.models import Listing
from pricing import rule_services
from pricing.rule_models import PriceRule
from pricing.rule_selectors import price_rule_list
from pricing.rules import RuleSpec

from .rule_serializers import PreviewRequestSerializer, PreviewResponseSerializer, PriceRuleSerializer


class PriceRuleViewSet(viewsets.ModelViewSet):
    """Price rules (docs/pricing.md#price-rules); preview and apply run them over a selection of listings."""

    required_role_area = "listings"
    serializer_class = PriceRuleSerializer
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return price_rule_list()

    def perform_destroy(self, instance: Any) -> None:
        rule_services.price_rule_delete(rule=instance, user=self.request.user)

    def _request(self, request: Request) -> tuple[list[RuleSpec], QuerySet[Listing], Any]:
        body = PreviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "rule" in data:
            try:
                rules = [rule_services.rule_spec_from_data(data["rule"])]
            except ApplicationError as exc:
                raise serializers.ValidationError({"rule": exc.extra.get("errors", exc.message)}) from exc
        else:
            found = {rule.pk: rule for rule in PriceRule.objects.filter(pk__in=data["rule_ids"])}
            missing = sorted(set(data["rule_ids"]) - set(found))
            if missing:
                raise serializers.ValidationError({"rule_ids": f"Unknown rule id(s): {missing}."})
            rules = [RuleSpec.of(rule) for rule in found.values()]
        listings = channel_scoped(Listing.objects.all(), request.user, "channel_id")
        if "listings" in data:
            listings = listings.filter(pk__in=data["listings"])
        else:
            filterset = ListingApiFilterSet(data["filters"], queryset=listings, request=request)
            if not filterset.is_valid():
                raise serializers.ValidationError({"filters": filterset.errors})
            listings = filterset.qs
        price = (data.get("what_if") or {}).get("competitor_price")
        return rules, listings, price

    @extend_schema(request=PreviewRequestSerializer, responses={200: PreviewResponseSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        """A row per listing: `current_price`, `proposed_price`, `rule`, `guards` (in order), margins before and
        after, the suggestion and the 30-day replay. Changes nothing."""
        rules, listings, price = self._request(request)
        rows = rule_services.price_rules_preview(rules=rules, listings=listings, competitor_price=price)
        return Response({"results": [row.as_dict() for row in rows]})

    @extend_schema(request=PreviewRequestSerializer, responses={200: PreviewResponseSerializer})
    @action(detail=False, methods=["post"])
    def apply(self, request: Request) -> Response:
        """Apply what preview shows for the same request; answers the rows (with the replay left out)."""
        rules, listings, price = self._request(request)
        rows = rule_services.price_rules_apply(
            rules=rules, listings=listings, competitor_price=price, user=request.user
        )
        return Response({"results": [row.as_dict() for row in rows]}, status=status.HTTP_200_OK)

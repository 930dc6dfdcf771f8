"""Automation rules API: `/api/v1/automation-rules/` (CRUD), `POST …/{id}/dry-run/` (what would fire now, on
which listings and why; writes nothing) and `GET …/{id}/evaluations/` (the log; filter `outcome`)
(docs/automation.md#api)."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import channel_scoped
from listings.models import Listing
from workflow import rule_services
from workflow.choices import EvaluationOutcome
from workflow.rule_selectors import evaluation_list, rule_list

from .rule_serializers import (
    AutomationRuleSerializer,
    DryRunRequestSerializer,
    DryRunResponseSerializer,
    RuleEvaluationSerializer,
)


class AutomationRuleViewSet(viewsets.ModelViewSet):
    """Rules that watch listings and act behind guards (cooldown, daily cap, pending period, loop guard)."""

    required_role_area = "listings"
    serializer_class = AutomationRuleSerializer
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return rule_list()

    def perform_destroy(self, instance: Any) -> None:
        rule_services.automation_rule_delete(rule=instance, user=self.request.user)

    @extend_schema(request=DryRunRequestSerializer, responses={200: DryRunResponseSerializer})
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request: Request, pk: str | None = None) -> Response:
        """Decide as the real run would, on every listing (or `listings`), and change nothing. At most 5,000
        listings (the first by id) are decided on in one call: `listings_evaluated` of `listings_total`."""
        rule = self.get_object()
        body = DryRunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        visible = channel_scoped(Listing.objects.all(), request.user, "channel_id")
        wanted = body.validated_data.get("listings")
        if wanted is not None:
            missing = sorted(set(wanted) - set(visible.filter(pk__in=wanted).values_list("pk", flat=True)))
            if missing:
                raise serializers.ValidationError({"listings": f"Unknown listing id(s): {missing}."})
        ids = list(visible.values_list("pk", flat=True)) if wanted is None else wanted
        scope, total = rule_services.dry_run_scope(ids)
        decisions = rule_services.rules_dry_run(rule=rule, listing_ids=scope)
        rows = [d.as_dict() for d in decisions]
        fire = sum(1 for d in decisions if d.outcome == EvaluationOutcome.MATCHED)
        return Response(
            {"rule": rule.pk, "would_fire": fire, "listings_evaluated": len(scope), "listings_total": total,
             "decisions": rows}
        )  # fmt: skip

    @extend_schema(
        parameters=[OpenApiParameter("outcome", OpenApiTypes.STR, enum=EvaluationOutcome.values)],
        responses={200: RuleEvaluationSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def evaluations(self, request: Request, pk: str | None = None) -> Response:
        """The rule's evaluation log, newest first (paged)."""
        rule = self.get_object()
        rows = evaluation_list(rule)
        outcome = request.query_params.get("outcome")
        if outcome:
            if outcome not in EvaluationOutcome.values:
                raise serializers.ValidationError(
                    {"outcome": f"Unknown outcome {outcome!r}; one of {', '.join(EvaluationOutcome.values)}."}
                )
            rows = rows.filter(outcome=outcome)
        page = self.paginate_queryset(rows)
        data = RuleEvaluationSerializer(page if page is not None else rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

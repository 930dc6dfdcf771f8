"""Versions API (docs/catalog.md#versions): `/api/v1/{listings,products}/{id}/versions/[{n}/[rollback/]]` and
`/api/v1/changesets/[{id}/undo/]`. Rollback and undo call the same services as the history pages."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import channel_scoped
from catalog.models import Product
from common.api.serializers import MAX_ID, StrictIntegerField
from listings import services
from listings.models import Changeset, Listing, ListingVersion, ProductVersion
from listings.selectors import listing_version_content, listing_versions, product_versions, version_diff
from syncing.services import changeset_revert


class VersionBaseSerializer(serializers.Serializer):
    version_number = serializers.IntegerField(read_only=True)
    change_type = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)  # type: ignore[assignment]
    change_reason = serializers.CharField(read_only=True)
    changed_fields = serializers.ListField(child=serializers.CharField(), read_only=True)
    changeset = serializers.IntegerField(source="changeset_id", read_only=True, allow_null=True)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True, default=None, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class FieldDiffSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    old = serializers.CharField()
    new = serializers.CharField()


class VersionDetailSerializer(VersionBaseSerializer):
    content = serializers.DictField(help_text="The full content at this version.")
    diff = FieldDiffSerializer(many=True, help_text="What changed from the previous version.")


class RollbackSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why (required).", allow_blank=True)
    expected_version = serializers.IntegerField(
        required=False, help_text="The latest version you saw; a newer one makes this a 409 conflict."
    )
    skip_invalid = serializers.BooleanField(
        default=False, help_text="Restore what still can be and name the rest, instead of refusing."
    )


class RollbackResultSerializer(serializers.Serializer):
    version_number = serializers.IntegerField(allow_null=True, help_text="The new version; null if nothing differed.")
    skipped = serializers.DictField(child=serializers.CharField())


def _detail(version: ProductVersion | ListingVersion, previous: Any, content: dict[str, Any]) -> dict[str, Any]:
    data = dict(VersionBaseSerializer(version).data)
    data["content"] = content
    data["diff"] = [d.as_dict() for d in version_diff(previous, version)]
    return data


class _VersionsView(APIView):
    owner_model: Any = None

    def owner(self, request: Request, pk: int) -> Any:
        if self.owner_model is Listing:
            return get_object_or_404(channel_scoped(Listing.objects.select_related("product"), request.user), pk=pk)
        return get_object_or_404(Product, pk=pk)

    def versions(self, owner: Any) -> QuerySet[Any]:
        return listing_versions(owner) if self.owner_model is Listing else product_versions(owner)


class ListingVersionListView(_VersionsView):
    """`GET /api/v1/listings/{id}/versions/`: the listing's versions, newest first."""

    owner_model: Any = Listing
    required_role_area = "listings"

    @extend_schema(responses={200: VersionBaseSerializer(many=True)}, operation_id="listings_versions_list")
    def get(self, request: Request, pk: int) -> Response:
        return Response(VersionBaseSerializer(self.versions(self.owner(request, pk)), many=True).data)


class ProductVersionListView(ListingVersionListView):
    """`GET /api/v1/products/{id}/versions/`: the product's versions, newest first."""

    owner_model: Any = Product
    required_role_area = "catalog"

    @extend_schema(responses={200: VersionBaseSerializer(many=True)}, operation_id="products_versions_list")
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)


def _version_or_404(versions: QuerySet[Any], n: int) -> tuple[Any, Any]:
    version = versions.filter(version_number=n).first()
    if version is None:
        from rest_framework.exceptions import NotFound

        newest = versions.first()
        latest = f"the latest is {newest.version_number}" if newest else "there are no versions yet"
        raise NotFound(f"There is no version {n} ({latest}).")
    return version, versions.filter(version_number__lt=n).first()


class ListingVersionDetailView(_VersionsView):
    """`GET /api/v1/listings/{id}/versions/{n}/`: one version's full content and its diff from the previous."""

    owner_model: Any = Listing
    required_role_area = "listings"

    @extend_schema(responses={200: VersionDetailSerializer}, operation_id="listings_versions_retrieve")
    def get(self, request: Request, pk: int, n: int) -> Response:
        owner = self.owner(request, pk)
        version, previous = _version_or_404(self.versions(owner), n)
        content = listing_version_content(version) if self.owner_model is Listing else version.snapshot
        return Response(_detail(version, previous, content))


class ProductVersionDetailView(ListingVersionDetailView):
    """`GET /api/v1/products/{id}/versions/{n}/`."""

    owner_model: Any = Product
    required_role_area = "catalog"

    @extend_schema(responses={200: VersionDetailSerializer}, operation_id="products_versions_retrieve")
    def get(self, request: Request, pk: int, n: int) -> Response:
        return super().get(request, pk, n)


class ListingVersionRollbackView(_VersionsView):
    """`POST /api/v1/listings/{id}/versions/{n}/rollback/` with `reason`: a new `rollback` version."""

    owner_model: Any = Listing
    required_role_area = "listings"

    @extend_schema(
        request=RollbackSerializer,
        responses={201: RollbackResultSerializer},
        operation_id="listings_versions_rollback",
    )
    def post(self, request: Request, pk: int, n: int) -> Response:
        owner = self.owner(request, pk)
        body = RollbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rollback = (
            services.listing_version_rollback if self.owner_model is Listing else services.product_version_rollback
        )
        kwargs = {"listing" if self.owner_model is Listing else "product": owner}
        result = rollback(
            **kwargs,  # type: ignore[arg-type]
            version_number=n,
            reason=body.validated_data["reason"],
            user=request.user,
            expected_version=body.validated_data.get("expected_version"),
            skip_invalid=body.validated_data["skip_invalid"],
        )
        data = {"version_number": result.version.version_number if result.version else None, "skipped": result.skipped}
        return Response(data, status=status.HTTP_201_CREATED)


class ProductVersionRollbackView(ListingVersionRollbackView):
    """`POST /api/v1/products/{id}/versions/{n}/rollback/` with `reason`."""

    owner_model: Any = Product
    required_role_area = "catalog"

    @extend_schema(
        request=RollbackSerializer,
        responses={201: RollbackResultSerializer},
        operation_id="products_versions_rollback",
    )
    def post(self, request: Request, pk: int, n: int) -> Response:
        return super().post(request, pk, n)


class ChangesetSerializer(serializers.ModelSerializer):
    # plain strings in the schema: enums named "kind"/"status" already exist in other components
    kind = serializers.CharField(
        read_only=True, help_text="bulk_edit, import, rule, bulk_publish or bulk_assign (listings.choices)."
    )
    status = serializers.CharField(read_only=True, help_text="applied, undoing or undone.")
    created_by = serializers.CharField(source="created_by.get_username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Changeset
        fields = [
            "id",
            "kind",
            "description",
            "status",
            "import_batch_id",
            "created_by",
            "created_at",
            "undo_total",
            "undo_done",
            "undone_at",
            "undo_report",
        ]
        read_only_fields = fields


class UndoResultSerializer(serializers.Serializer):
    queued = serializers.BooleanField(help_text="True: a background job undoes it; follow the changeset's progress.")
    restored = serializers.IntegerField(
        help_text="Items restored; listings delisted or deleted for a bulk publish/assign."
    )
    conflicts = serializers.ListField(child=serializers.CharField(), help_text="Items changed since, not restored.")
    skipped = serializers.ListField(child=serializers.CharField())
    jobs = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="A bulk publish's undo: its delisting sync jobs."
    )


class UndoRequestSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        default=False,
        help_text="Required (true) to undo a bulk publish (delists) or a bulk assign (deletes its drafts); without it "
        "the answer is 409 `confirmation_required` whose `will` says what the undo would do.",
    )


class ChangesetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """`GET /api/v1/changesets/` (bulk operations, newest first) and `POST /api/v1/changesets/{id}/undo/`."""

    queryset = Changeset.objects.select_related("created_by").order_by("-id")
    serializer_class = ChangesetSerializer
    required_role_area = "catalog"

    @extend_schema(
        request=UndoRequestSerializer,
        responses={200: UndoResultSerializer, 202: UndoResultSerializer},
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: Any = None) -> Response:
        body = UndoRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = changeset_revert(
            changeset=self.get_object(), user=request.user, confirm=body.validated_data["confirm"]
        )
        data = {"queued": report.queued, **report.as_dict()}
        return Response(data, status=status.HTTP_202_ACCEPTED if report.queued else status.HTTP_200_OK)


class BaselineRequestSerializer(serializers.Serializer):
    products = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_empty=False,
        help_text="Only these product ids and their listings (default: every product).",
    )
    chunk_size = serializers.IntegerField(
        required=False, min_value=1, max_value=10_000, help_text="Products per transaction (default 1,000)."
    )

    def validate_products(self, value: list[int]) -> list[int]:
        missing = sorted(set(value) - set(Product.objects.filter(pk__in=value).values_list("pk", flat=True)))
        if missing:
            raise serializers.ValidationError(f"No product with id {', '.join(map(str, missing))}.")
        return value


class BaselineResultSerializer(serializers.Serializer):
    products = serializers.IntegerField(help_text="Product versions recorded.")
    listings = serializers.IntegerField(help_text="Listing versions recorded.")
    chunks = serializers.IntegerField()


class BaselineView(APIView):
    """`POST /api/v1/versions/baseline/`: what `manage.py record_baseline_versions` and the admin action do, through
    the same service (docs/catalog.md#baseline-versions); idempotent, a second call records nothing."""

    required_role_area = "catalog"

    @extend_schema(
        request=BaselineRequestSerializer, responses={200: BaselineResultSerializer}, operation_id="versions_baseline"
    )
    def post(self, request: Request) -> Response:
        body = BaselineRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.content_versions_baseline(
            user=request.user,
            product_ids=body.validated_data.get("products"),
            chunk_size=body.validated_data.get("chunk_size", services.BASELINE_CHUNK),
        )
        return Response({"products": result.products, "listings": result.listings, "chunks": result.chunks})

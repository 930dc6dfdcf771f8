"""Listing API: CRUD of overrides, bulk create/update/assign, and the publish/deactivate/retry/readiness actions."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import channel_scoped
from catalog.importing import workbooks
from catalog.importing.views import export_response
from common.api.bulk import bulk_apply
from common.api.errors import as_api_exception, error_body
from common.api.exports import export_action
from listings import services
from listings.choices import ChangesetKind
from listings.models import Listing
from listings.versions import content_change
from syncing import services as sync_services
from syncing.api.serializers import SyncJobSerializer
from syncing.selectors import listing_retryable_event_latest
from syncing.services import ChannelPublishResult, listings_changes_publish_grouped, listings_publish_grouped

from .filters import ListingApiFilterSet
from .serializers import (
    ListingAssignResultSerializer,
    ListingAssignSerializer,
    ListingBulkCreateSerializer,
    ListingBulkResultSerializer,
    ListingBulkUpdateSerializer,
    ListingDeactivateSerializer,
    ListingPublishChangesResultSerializer,
    ListingPublishChangesSerializer,
    ListingPublishResultSerializer,
    ListingPublishSerializer,
    ListingSerializer,
    ListingTransitionSerializer,
    ReadinessSerializer,
)


class ListingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Listings of products on channels. Publishing and deactivating run as background sync jobs (202 + job)."""

    queryset = Listing.objects.all()
    serializer_class = ListingSerializer
    filterset_class = ListingApiFilterSet
    required_role_area = "listings"

    def get_queryset(self) -> Any:
        # what `effective` reads, joined or prefetched: a page of listings costs the same few queries
        listings = Listing.objects.select_related("product", "variant", "channel", "latest_score").prefetch_related(
            "product__variants"
        )
        return channel_scoped(listings, self.request.user)

    @export_action
    def export(self, request: Request) -> Any:
        """Download the filtered listings (e.g. `?channel=ID`) as XLSX (default) or CSV: channel, SKU, status,
        overrides (blank = inherited), external id and URL, last push and error; only the caller's channels."""

        kind = request.query_params.get("format", "xlsx")
        queryset = self.filter_queryset(self.get_queryset())
        return export_response(kind, workbooks.listing_export_rows(queryset), "listings", "Listings")

    def _job_response(self, job: Any) -> Response:
        data = SyncJobSerializer(job, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: SyncJobSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: Any = None) -> Response:
        """Push the listing to its marketplace (create or update) in a background job."""
        listing = self.get_object()
        job = sync_services.listings_publish(channel=listing.channel, listing_ids=[listing.pk], user=request.user)
        return self._job_response(job)

    @extend_schema(request=ListingDeactivateSerializer, responses={202: SyncJobSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: Any = None) -> Response:
        """Take the listing off its marketplace in a background job (`mode`: delist, pause or delete). The
        status changes only once the marketplace confirmed; 409 `not_on_marketplace` when it has no external id."""
        body = ListingDeactivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        listing = self.get_object()
        job = sync_services.listings_deactivate(
            channel=listing.channel, listing_ids=[listing.pk], mode=body.validated_data["mode"], user=request.user
        )
        return self._job_response(job)

    @extend_schema(request=None, responses={202: SyncJobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: Any = None) -> Response:
        """Retry the listing's latest failed sync attempt (409 when there is none)."""
        listing = self.get_object()
        event = listing_retryable_event_latest(listing=listing)
        if event is None:
            error = exceptions.APIException(
                "This listing has no failed sync attempt to retry.", code="nothing_to_retry"
            )
            error.status_code = status.HTTP_409_CONFLICT
            raise error
        return self._job_response(sync_services.sync_event_retry(event=event, user=request.user))

    @extend_schema(request=None, responses={202: SyncJobSerializer})
    @action(detail=True, methods=["post"])
    def refresh(self, request: Request, pk: Any = None) -> Response:
        """Refresh from marketplace: read the listing's status, issues and values back now (202 + the job).

        409 when the listing was never published, its channel is paused or a refresh is already running.
        """
        return self._job_response(sync_services.listing_remote_refresh(listing=self.get_object(), user=request.user))

    @extend_schema(request=None, responses={202: SyncJobSerializer})
    @action(detail=True, methods=["post"], url_path="push-again")
    def push_again(self, request: Request, pk: Any = None) -> Response:
        """Push my value again: the local values a pull discarded ("marketplace wins") are published (202 + job)."""
        listing = self.get_object()
        return self._job_response(sync_services.listing_discarded_push_again(listing=listing, user=request.user))

    @extend_schema(request=None, responses={201: ListingSerializer(many=True)})
    @action(detail=True, methods=["post"], url_path="split-variants")
    def split_variants(self, request: Request, pk: Any = None) -> Response:
        """List each variant separately: replace this family listing by one draft listing per variant (201 + the
        listings created). 409 `on_marketplace` while the family is on the marketplace, `not_a_family` for a
        variant's listing, `no_variants` for a product without variants."""
        created = services.listing_variants_split(listing=self.get_object(), user=request.user)
        data = ListingSerializer(created, many=True, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ReadinessSerializer})
    @action(detail=True, methods=["get"])
    def readiness(self, request: Request, pk: Any = None) -> Response:
        """What stops (blocking) or weakens (warning) publishing this listing on its channel."""
        listing = self.get_object()
        issues = [issue.as_dict() for issue in services.listing_readiness(listing)]
        ready = not any(issue["severity"] == "blocking" for issue in issues)
        return Response({"listing": listing.pk, "is_ready": ready, "issues": issues})

    @extend_schema(request=ListingTransitionSerializer, responses={200: ListingSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: Any = None) -> Response:
        """Move the listing to another status by hand (e.g. park a draft); 409 when the state machine forbids it,
        and 409 `marketplace_status` for a status only the marketplace's answer sets (use `deactivate`)."""
        body = ListingTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        listing = services.listing_status_move(
            listing=self.get_object(),
            to_status=body.validated_data["status"],
            reason=body.validated_data["reason"],
            user=request.user,
        )
        listing.refresh_from_db()
        return Response(self.get_serializer(listing).data)

    # --- Bulk ---

    @extend_schema(request=ListingAssignSerializer, responses={200: ListingAssignResultSerializer})
    @action(detail=False, methods=["post"])
    def assign(self, request: Request) -> Response:
        """Create a draft listing for every product x channel pair that has none (existing/archived are skipped)."""
        body = ListingAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        counts = services.listings_bulk_assign(
            products=body.validated_data["products"], channels=body.validated_data["channels"], user=request.user
        )
        return Response(counts)

    @extend_schema(
        operation_id="v1_listings_publish_many",
        request=ListingPublishSerializer,
        responses={202: ListingPublishResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="publish", url_name="publish-many")
    def publish_many(self, request: Request) -> Response:
        """Publish listings of several channels: one background job per channel (202 + one result per channel).

        A channel that refuses (e.g. paused) does not stop the others; it carries its error. When every channel
        refuses, the answer is 409 with each channel's refusal in `errors`."""
        body = ListingPublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        wanted = list(dict.fromkeys(body.validated_data["listings"]))
        found = self.get_queryset().in_bulk(wanted)  # another channel's listing is unknown to a restricted user
        missing = [pk for pk in wanted if pk not in found]
        if missing:
            raise exceptions.ValidationError({"listings": f"Unknown listing id(s): {', '.join(map(str, missing))}."})
        results = listings_publish_grouped(listings=[found[pk] for pk in wanted], user=request.user)
        rows = [self._publish_row(result) for result in results]
        started = sum(1 for result in results if result.job is not None)
        if not started:
            raise self._publish_refused(rows)
        data = {"started": started, "refused": len(rows) - started, "results": rows}
        return Response(data, status=status.HTTP_202_ACCEPTED)

    def _publish_row(self, result: ChannelPublishResult) -> dict[str, Any]:
        error = None
        if result.error is not None:
            api_error = as_api_exception(result.error)
            error = error_body(api_error, getattr(api_error, "status_code", status.HTTP_400_BAD_REQUEST))
        job = SyncJobSerializer(result.job, context=self.get_serializer_context()).data if result.job else None
        return {"channel": result.channel.pk, "listings": result.listing_ids, "job": job, "error": error}

    @staticmethod
    def _publish_refused(rows: list[dict[str, Any]]) -> exceptions.APIException:
        """A 409 listing every channel's refusal as an error item on `listings`."""
        items = []
        for row in rows:
            error = row["error"]
            reason = " ".join(item["message"] for item in error["errors"]) or error["detail"]
            items.append(
                {"field": "listings", "code": error["code"], "message": f"Channel #{row['channel']}: {reason}"}
            )
        refused = exceptions.APIException(
            "No channel started publishing; see errors for each channel's reason.", code="nothing_published"
        )
        refused.status_code = status.HTTP_409_CONFLICT
        refused.extra = {"errors": items}  # type: ignore[attr-defined]
        return refused

    @extend_schema(request=ListingBulkCreateSerializer, responses={200: ListingBulkResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-create")
    def bulk_create(self, request: Request) -> Response:
        """Create up to 100 listings under an error policy (`reject_all` or `skip_failed`)."""
        body = ListingBulkCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        user = request.user

        def create(data: dict[str, Any]) -> tuple[str, Listing]:
            return "created", services.listing_create(user=user, **data)

        return self._bulk_response(body.validated_data, create)

    @extend_schema(request=ListingBulkUpdateSerializer, responses={200: ListingBulkResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-update")
    def bulk_update(self, request: Request) -> Response:
        """Change overrides of up to 100 listings under an error policy."""
        body = ListingBulkUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = [item["id"] for item in body.validated_data["items"]]
        listings = self.get_queryset().in_bulk(ids)  # another channel's listing is "not found" for a restricted user
        user = request.user

        def update(data: dict[str, Any]) -> tuple[str, Listing]:
            fields = dict(data)
            listing = listings.get(fields.pop("id"))
            if listing is None:
                raise exceptions.NotFound("No listing with this id.")
            return "updated", services.listing_update(listing=listing, user=user, **fields)

        # one changeset, so the whole bulk update can be undone (docs/catalog.md#versions)
        changeset = services.changeset_open(
            kind=ChangesetKind.BULK_EDIT, description=f"API bulk update of {len(ids)} listing(s)", user=user
        )
        with content_change(source=f"changeset #{changeset.pk}", changeset_id=changeset.pk):
            return self._bulk_response(body.validated_data, update)

    @extend_schema(
        operation_id="v1_listings_publish_changes",
        request=ListingPublishChangesSerializer,
        responses={202: ListingPublishChangesResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="publish-changes", url_name="publish-changes")
    def publish_changes(self, request: Request) -> Response:
        """ "Publish changes": send the changes not pushed yet of the chosen listings (ids, or every listing
        matching `filters`), one job per channel and part: price/stock updates, pushes for content changes.

        409 when none of them has a change to send."""
        body = ListingPublishChangesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scoped = self.get_queryset()
        if "filters" in body.validated_data:
            filterset = ListingApiFilterSet(data=body.validated_data["filters"], queryset=scoped, request=request)
            if not filterset.is_valid():
                raise exceptions.ValidationError({"filters": filterset.errors})
            ids = list(filterset.qs.filter(changed_since_push=True).values_list("pk", flat=True))
        else:
            wanted = list(dict.fromkeys(body.validated_data["listings"]))
            found = set(scoped.filter(pk__in=wanted).values_list("pk", flat=True))
            missing = [pk for pk in wanted if pk not in found]
            if missing:
                raise exceptions.ValidationError(
                    {"listings": f"Unknown listing id(s): {', '.join(map(str, missing))}."}
                )
            ids = wanted
        results = listings_changes_publish_grouped(listing_ids=ids, user=request.user)
        context = self.get_serializer_context()
        rows = [
            {
                "channel": r["channel"].pk,
                "listings": r["listing_ids"],
                "offers_job": SyncJobSerializer(r["jobs"]["offers"], context=context).data
                if r["jobs"].get("offers")
                else None,
                "content_job": SyncJobSerializer(r["jobs"]["content"], context=context).data
                if r["jobs"].get("content")
                else None,
                "error": r["error"],
            }
            for r in results
        ]
        started = sum(1 for r in results if not r["error"])
        if not started:
            refused = exceptions.APIException(
                "No changes to publish: none of these listings has a change the marketplace lacks.",
                code="nothing_to_publish",
            )
            refused.status_code = status.HTTP_409_CONFLICT
            raise refused
        return Response({"started": started, "results": rows}, status=status.HTTP_202_ACCEPTED)

    def _bulk_response(self, validated: dict[str, Any], apply_one: Any) -> Response:
        results, saved = bulk_apply(validated["items"], validated["policy"], apply_one)
        rows = self.get_queryset().in_bulk([obj.pk for obj in saved])
        for r in results:
            row = rows.get(r["id"]) if r["id"] is not None else None
            r["data"] = self.get_serializer(row).data if row else None
        failed = sum(1 for r in results if r["status"] == "failed")
        return Response({"policy": validated["policy"], "applied": len(saved), "failed": failed, "results": results})

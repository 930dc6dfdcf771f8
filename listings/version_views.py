"""History pages (docs/catalog.md#versions): a product's or a listing's versions with who, when, why and what
changed; a side-by-side diff of any two versions; rollback with a reason; the changesets list with undo."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from catalog.models import Product
from common.errors import ApplicationError
from listings import services
from listings.choices import ChangesetKind, ChangesetStatus
from listings.models import Changeset, Listing
from listings.selectors import changeset_undo_plan, listing_versions, product_versions, version_diff
from syncing.services import changeset_revert

HISTORY_PAGE_SIZE = 50


def _owner(kind: str, pk: int, user: Any) -> Any:
    if kind == "listing":
        return get_object_or_404(channel_scoped(Listing.objects.select_related("product", "channel"), user), pk=pk)
    return get_object_or_404(Product, pk=pk)


def _versions(kind: str, owner: Any) -> Any:
    return listing_versions(owner) if kind == "listing" else product_versions(owner)


def _urls(kind: str, pk: int) -> dict[str, str]:
    prefix = "listings:listing" if kind == "listing" else "listings:product"
    return {
        "history": reverse(f"{prefix}_history", args=[pk]),
        "compare": reverse(f"{prefix}_compare", args=[pk]),
        "rollback": reverse(f"{prefix}_rollback", args=[pk]),
        "back": reverse("listings:listing_detail", args=[pk])
        if kind == "listing"
        else reverse("catalog:product_detail", args=[pk]),
    }


class HistoryView(StaffReadMixin, View):
    """The History tab: versions newest first (50 a page), each with what changed from the one before."""

    kind = "product"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        owner = _owner(self.kind, pk, request.user)
        page = Paginator(_versions(self.kind, owner), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        # the version just below the page's last one, for its diff: one more query, whatever the page size
        below = _versions(self.kind, owner).filter(version_number__lt=rows[-1].version_number).first() if rows else None
        entries = [
            {"version": v, "diff": version_diff(rows[i + 1] if i + 1 < len(rows) else below, v)}
            for i, v in enumerate(rows)
        ]
        latest = page.paginator.count and (rows[0].version_number if page.number == 1 else None)
        context = {
            "kind": self.kind,
            "owner": owner,
            "page_obj": page,
            "entries": entries,
            "latest": latest,
            "urls": _urls(self.kind, pk),
            "can_edit": can_edit(request.user, "listings" if self.kind == "listing" else "catalog"),
        }
        return render(request, "listings/version_history.html", context)


class CompareView(StaffReadMixin, View):
    """Any two versions side by side (`?a=&b=`), changed words highlighted."""

    kind = "product"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        owner = _owner(self.kind, pk, request.user)
        versions = _versions(self.kind, owner)
        numbers = list(versions.values_list("version_number", flat=True)[:1000])
        context: dict[str, Any] = {"kind": self.kind, "owner": owner, "numbers": numbers, "urls": _urls(self.kind, pk)}
        a, b = request.GET.get("a"), request.GET.get("b")
        if a and b:
            try:
                older = versions.filter(version_number=int(a)).first()
                newer = versions.filter(version_number=int(b)).first()
            except ValueError:
                older = newer = None
            if older is None or newer is None:
                context["error"] = f"There is no version {a if older is None else b}; pick one from the lists."
            else:
                context.update(older=older, newer=newer, diff=version_diff(older, newer))
        return render(request, "listings/version_compare.html", context)


class RollbackView(StaffWriteMixin, View):
    """POST version_number, reason, expected_version (and skip_invalid): roll back and return to the history."""

    kind = "product"
    required_area = "catalog"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        owner = _owner(self.kind, pk, request.user)
        urls = _urls(self.kind, pk)
        expected = request.POST.get("expected_version") or None
        rollback = services.listing_version_rollback if self.kind == "listing" else services.product_version_rollback
        try:
            result = rollback(
                **{self.kind: owner},
                version_number=request.POST.get("version_number"),
                reason=request.POST.get("reason", ""),
                user=request.user,
                expected_version=int(expected) if expected and expected.isdigit() else None,
                skip_invalid=bool(request.POST.get("skip_invalid")),
            )
        except (ValidationError, ApplicationError) as exc:
            text = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
            messages.error(request, f"Rollback refused: {text}")
            return HttpResponseRedirect(urls["history"])
        made = f"version {result.version.version_number}" if result.version else "no new version (nothing differed)"
        skipped = f" Skipped: {'; '.join(f'{k}: {v}' for k, v in result.skipped.items())}." if result.skipped else ""
        messages.success(request, f"Rolled back to version {request.POST.get('version_number')}: {made}.{skipped}")
        return HttpResponseRedirect(urls["history"])


class ListingRollbackView(RollbackView):
    kind = "listing"
    required_area = "listings"


class ChangesetListView(StaffReadMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        page = Paginator(Changeset.objects.select_related("created_by").order_by("-id"), 50).get_page(
            request.GET.get("page")
        )
        context = {
            "page_obj": page,
            "can_edit": can_edit(request.user, "catalog"),
            "listing_undo_kinds": sorted(services.LISTING_UNDO_KINDS),
        }
        return render(request, "listings/changeset_list.html", context)


class ChangesetUndoView(StaffWriteMixin, View):
    """Undo of a changeset. A bulk publish or bulk assign first shows its confirmation step (GET): what the undo
    will delist or delete and what it leaves (docs/catalog.md#undoing-publishes-and-assignments)."""

    required_area = "catalog"
    SHOWN = 100  # listings named on the confirmation page; the rest are counted

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        changeset = get_object_or_404(Changeset, pk=pk)
        if changeset.kind not in services.LISTING_UNDO_KINDS or changeset.status != ChangesetStatus.APPLIED:
            return HttpResponseRedirect(reverse("listings:changeset_list"))
        plan = changeset_undo_plan(changeset)
        context = {
            "changeset": changeset,
            "plan": plan,
            "targets": plan.targets[: self.SHOWN],
            "more": max(0, len(plan.targets) - self.SHOWN),
        }
        return render(request, "listings/changeset_undo_confirm.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        changeset = get_object_or_404(Changeset, pk=pk)
        confirm = request.POST.get("confirm") == "yes"
        try:
            report = changeset_revert(changeset=changeset, user=request.user, confirm=confirm)
        except PermissionDenied as exc:
            messages.error(request, f"Changeset #{pk} not undone: {exc}")
            return HttpResponseRedirect(reverse("listings:changeset_list"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            if exc.extra.get("code") == "confirmation_required" and changeset.kind in services.LISTING_UNDO_KINDS:
                return HttpResponseRedirect(reverse("listings:changeset_undo", args=[pk]))
            return HttpResponseRedirect(reverse("listings:changeset_list"))
        left = f" Left as they were: {'; '.join(report.conflicts[:20])}." if report.conflicts else ""
        if report.queued:
            messages.info(request, f"Undoing changeset #{pk} in the background; this page shows its progress.")
        elif changeset.kind == ChangesetKind.BULK_PUBLISH:
            jobs = ", ".join(f"#{job}" for job in report.jobs) or "none"
            messages.success(
                request, f"Changeset #{pk} undone: delisting {report.restored} listing(s) (jobs {jobs}).{left}"
            )
        elif changeset.kind == ChangesetKind.BULK_ASSIGN:
            messages.success(request, f"Changeset #{pk} undone: {report.restored} draft listing(s) deleted.{left}")
        else:
            conflicts = f" Not restored (changed since): {'; '.join(report.conflicts)}." if report.conflicts else ""
            messages.success(request, f"Changeset #{pk} undone: {report.restored} item(s) restored.{conflicts}")
        return HttpResponseRedirect(reverse("listings:changeset_list"))

"""Staff pages of channels: list, detail (health, masked credentials, rules, category mapping), form, the
attribute value mapping editor and a "test connection" button. Writes call channels.services; the connection
test asks the connector."""

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import allowed_channel_ids, can_edit, channel_scoped
from catalog.models import AttributeDefinition, Category
from common.errors import ApplicationError
from common.views import add_service_errors, error_text
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.connectors import CONNECTORS
from syncing.connectors.base import ConnectorError
from syncing.models import SyncJob
from syncing.selectors import channel_sync_health, listings_in_error_count
from syncing.services.connection import channel_connection_test

from . import services
from .forms import CategoryBranchForm, ChannelForm
from .models import AttributeValueMapping, CategoryMapping, Channel, RemoteCategory
from .selectors import remote_category_warnings

AREA = "channels"
logger = logging.getLogger(__name__)


class ChannelListView(StaffReadMixin, ListView):
    template_name = "channels/channel_list.html"
    context_object_name = "channels"

    def get_queryset(self):
        return channel_scoped(Channel.objects.order_by("name"), self.request.user, "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        counts: dict[int, dict[str, int]] = {}
        for row in Listing.objects.order_by().values("channel_id", "status").annotate(n=Count("id")):
            counts.setdefault(row["channel_id"], {})[row["status"]] = row["n"]
        for channel in context["channels"]:
            by_status = counts.get(channel.pk, {})
            channel.listing_total = sum(by_status.values())
            channel.listing_live = by_status.get(ListingStatus.LIVE, 0)
            channel.listing_error = by_status.get(ListingStatus.ERROR, 0)
        context["can_add"] = can_edit(self.request.user, AREA)
        return context


def channel_for_user(request: HttpRequest, pk: int) -> Channel:
    """The channel `pk` if the user may use it, else 404 (a restricted user does not see other channels)."""
    return get_object_or_404(channel_scoped(Channel.objects.all(), request.user, "pk"), pk=pk)


def mapping_rows(channel: Channel, branch: Category | None = None) -> list[dict[str, Any]]:
    """The mapping editor's rows: every category in tree order, or only `branch` and its subcategories."""
    categories = Category.objects.order_by("path")
    mappings = CategoryMapping.objects.filter(channel=channel)
    if branch is not None:
        categories = categories.filter(path__startswith=branch.path)
        mappings = mappings.filter(category__path__startswith=branch.path)
    by_category = {m.category_id: m for m in mappings}
    return [{"category": c, "mapping": by_category.get(c.pk)} for c in categories]


def mapping_branch(request: HttpRequest, data: QueryDict) -> tuple[CategoryBranchForm, Category | None]:
    """The editor's "Show" choice from `data`; an unknown one is said on the page (all rows are shown then)."""
    form = CategoryBranchForm(data if data.get("branch") else None)
    if form.is_bound and not form.is_valid():
        messages.error(request, "That category no longer exists; showing every category.")
        return CategoryBranchForm(), None
    return form, form.cleaned_data.get("branch") if form.is_bound else None


class ChannelDetailView(StaffReadMixin, DetailView):
    template_name = "channels/channel_detail.html"
    context_object_name = "channel"

    def get_queryset(self):
        return channel_scoped(Channel.objects.all(), self.request.user, "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        channel = self.object
        context["health"] = channel_sync_health(channel=channel)
        context["credentials"] = channel.credentials_masked()
        context["branch_form"], branch = mapping_branch(self.request, self.request.GET)
        context["mappings"] = mapping_rows(channel, branch)
        context["branch"] = branch
        context["jobs"] = list(SyncJob.objects.filter(channel=channel).defer("listing_ids")[:10])
        context["allowed_categories"] = list(channel.allowed_categories.all())
        context["attribute_mapping_count"] = AttributeValueMapping.objects.filter(channel=channel).count()
        remote = RemoteCategory.objects.filter(channel=channel).order_by("path", "remote_id")
        # the picker's data (static/js/remote_category_picker.js), read from a json_script block
        context["remote_categories"] = [
            {"id": r.remote_id, "name": r.name, "path": r.path, "leaf": r.is_leaf, "depth": r.path.count(" > ")}
            for r in remote.only("remote_id", "name", "path", "is_leaf")
        ]
        context["remote_loaded_at"] = remote.order_by("-created_at").values_list("created_at", flat=True).first()
        context["can_edit"] = can_edit(self.request.user, AREA)
        context["can_sync"] = can_edit(self.request.user, "sync")  # "Pull now" (templates/channels/_pull_now.html)
        context["errors_count"] = listings_in_error_count(channel=channel)  # templates/channels/_retry_errors.html
        return context


class ChannelEditMixin(StaffWriteMixin):
    template_name = "channels/channel_form.html"
    object: Channel | None = None
    request: HttpRequest

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_form(ChannelForm(instance=self.object))

    def render_form(self, form: ChannelForm, status: int = 200) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form, "channel": self.object}, status=status)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ChannelForm(request.POST, instance=self.object)
        if form.is_valid():
            try:
                channel = self.save(form)
                messages.success(request, f"Saved channel {channel.name}.")
                return redirect("channels:channel_detail", pk=channel.pk)
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
        return self.render_form(form, status=400)

    def save(self, form: ChannelForm) -> Channel:
        fields = form.service_fields()
        categories = list(form.cleaned_data.get("allowed_categories") or [])
        if self.object is None:
            marketplace = fields.pop("marketplace")
            return services.channel_create(
                marketplace=marketplace,
                credentials=form.credentials(marketplace),
                allowed_categories=categories,
                user=self.request.user,
                **fields,
            )
        channel = Channel.objects.get(pk=self.object.pk)
        return services.channel_update(
            channel=channel,
            allowed_categories=categories,
            credentials=form.credentials(channel.marketplace),
            user=self.request.user,
            **fields,
        )


class ChannelCreateView(ChannelEditMixin, View):
    required_area = AREA

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """First the marketplace, then the form with that marketplace's own credential fields."""
        self.refuse_restricted(request)
        marketplace = request.GET.get("marketplace", "")
        if marketplace not in CONNECTORS:
            choices = [(code, connector.label) for code, connector in CONNECTORS.items()]
            context = {"marketplaces": choices, "unknown_marketplace": marketplace}
            return render(request, self.template_name, context, status=400 if marketplace else 200)
        return self.render_form(ChannelForm(initial={"marketplace": marketplace}))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.refuse_restricted(request)
        return super().post(request, *args, **kwargs)

    @staticmethod
    def refuse_restricted(request: HttpRequest) -> None:
        if allowed_channel_ids(request.user) is not None:
            raise PermissionDenied("You are limited to some channels; an admin adds new channels.")


class ChannelUpdateView(ChannelEditMixin, View):
    required_area = AREA

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.object = channel_for_user(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


def flash_mapping_changes(request: HttpRequest, kind: str, changed: int, refused: list[str]) -> None:
    if changed:
        messages.success(request, f"Saved {changed} {kind} mapping change(s).")
    elif not refused:
        messages.info(request, "No mapping changed.")
    for line in refused:
        messages.error(request, line)


class CategoryMappingSaveView(StaffWriteMixin, View):
    """The mapping editor: one row per category; a filled id maps it, a cleared id removes the mapping."""

    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for_user(request, pk)
        changed, refused, saved_ids = 0, [], []
        _, branch = mapping_branch(request, request.POST)
        for row in mapping_rows(channel, branch):
            category, mapping = row["category"], row["mapping"]
            key = f"ext_{category.pk}"
            if key not in request.POST:
                continue
            ext_id = request.POST.get(key, "").strip()
            ext_name = request.POST.get(f"extname_{category.pk}", "").strip()
            try:
                if not ext_id and mapping:
                    services.category_mapping_delete(mapping=mapping, user=request.user)
                    changed += 1
                elif ext_id and (
                    mapping is None
                    or (mapping.external_category_id, mapping.external_category_name) != (ext_id, ext_name)
                ):
                    services.category_mapping_set(
                        channel=channel,
                        category=category,
                        external_category_id=ext_id,
                        external_category_name=ext_name,
                        user=request.user,
                    )
                    changed += 1
                    saved_ids.append(ext_id)
            except (ValidationError, ApplicationError) as exc:
                refused.append(f"{category.name}: {error_text(exc)}")
        flash_mapping_changes(request, "category", changed, refused)
        for warning in remote_category_warnings(channel=channel, ids=saved_ids):
            messages.warning(request, f"Check the mapping: {warning}. It was saved as typed.")
        shown = f"?{urlencode({'branch': branch.pk})}" if branch else ""
        return redirect(reverse("channels:channel_detail", kwargs={"pk": pk}) + shown + "#mappings")


# --- Attribute value mapping ---

ATTRIBUTE_MAPPINGS_PER_PAGE = 100
NEW_ATTRIBUTE_ROWS = 3  # blank rows at the bottom of the editor for new mappings


class AttributeMappingListView(StaffReadMixin, View):
    """Our attribute values → the marketplace's spelling on one channel. Channel managers edit the rows in place
    (change, delete, add); everyone else reads them. Filter by attribute code or a value; 100 rows a page."""

    template_name = "channels/attribute_mapping_list.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for_user(request, pk)
        mappings = AttributeValueMapping.objects.filter(channel=channel).order_by("attribute_code", "our_value", "pk")
        codes = sorted(set(mappings.values_list("attribute_code", flat=True)))
        code, term = request.GET.get("attribute", "").strip().lower(), request.GET.get("q", "").strip()
        if code:
            mappings = mappings.filter(attribute_code=code)
        if term:
            mappings = mappings.filter(Q(our_value__icontains=term) | Q(marketplace_value__icontains=term))
        page = Paginator(mappings, ATTRIBUTE_MAPPINGS_PER_PAGE).get_page(request.GET.get("page"))
        known = sorted(set(AttributeDefinition.objects.values_list("code", flat=True)) | set(codes))
        context = {
            "channel": channel,
            "page_obj": page,
            "mappings": list(page.object_list),
            "codes": codes,
            "known_codes": known,
            "attribute": code,
            "q": term,
            "new_rows": range(NEW_ATTRIBUTE_ROWS),
            "can_edit": can_edit(request.user, AREA),
        }
        return render(request, self.template_name, context)


def _attribute_mapping_changes(request: HttpRequest, channel: Channel) -> tuple[int, list[str]]:
    """Apply the edited rows (`mv_<id>`, `del_<id>`) and the filled new rows through the services."""
    ids = [int(key[3:]) for key in request.POST if key.startswith("mv_") and key[3:].isdigit()]
    existing = {m.pk: m for m in AttributeValueMapping.objects.filter(channel=channel, pk__in=ids)}
    changed, refused = 0, []
    for mapping in existing.values():
        value = request.POST.get(f"mv_{mapping.pk}", "").strip()
        label = f"{mapping.attribute_code} '{mapping.our_value}'"
        try:
            if request.POST.get(f"del_{mapping.pk}"):
                services.attribute_value_mapping_delete(mapping=mapping, user=request.user)
            elif not value:
                raise ApplicationError("Enter the marketplace's value, or tick Delete to remove the mapping.")
            elif value != mapping.marketplace_value:
                services.attribute_value_mapping_set(
                    channel=channel,
                    attribute_code=mapping.attribute_code,
                    our_value=mapping.our_value,
                    marketplace_value=value,
                    user=request.user,
                )
            else:
                continue
            changed += 1
        except (ValidationError, ApplicationError) as exc:
            refused.append(f"{label}: {error_text(exc)}")
    for index in range(NEW_ATTRIBUTE_ROWS):
        code, ours, theirs = (
            request.POST.get(f"new_{part}_{index}", "").strip() for part in ("code", "ours", "theirs")
        )
        if not (code or ours or theirs):
            continue
        try:
            if not (code and ours and theirs):
                raise ApplicationError("Enter the attribute code, our value and the marketplace's value.")
            services.attribute_value_mapping_set(
                channel=channel, attribute_code=code, our_value=ours, marketplace_value=theirs, user=request.user
            )
            changed += 1
        except (ValidationError, ApplicationError) as exc:
            refused.append(f"New row {index + 1} ({code or '?'} '{ours}'): {error_text(exc)}")
    return changed, refused


class AttributeMappingSaveView(StaffWriteMixin, View):
    """The attribute value mapping editor's form: changed values are saved, ticked rows deleted, new rows added."""

    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for_user(request, pk)
        changed, refused = _attribute_mapping_changes(request, channel)
        flash_mapping_changes(request, "attribute value", changed, refused)
        kept = QueryDict(request.POST.get("next", "").lstrip("?"))  # the filters and page the editor was on
        query = urlencode({key: kept[key] for key in ("attribute", "q", "page") if kept.get(key)})
        url = reverse("channels:attribute_mapping_list", kwargs={"pk": pk})
        return redirect(f"{url}?{query}" if query else url)


class RemoteCategoriesLoadView(StaffWriteMixin, View):
    """ "Load marketplace categories" in the mapping editor: read the marketplace's tree into the picker's cache
    (docs/channels.md#marketplace-categories)."""

    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for_user(request, pk)
        try:
            count = services.remote_categories_load(channel=channel, user=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, f"Marketplace categories not loaded: {error_text(exc)}")
        else:
            messages.success(request, f"Loaded {count} marketplace categories from {channel.name}.")
        return redirect(reverse("channels:channel_detail", kwargs={"pk": pk}) + "#mappings")


class RemoteCategoryAttributesView(StaffReadMixin, View):
    """The attributes of one loaded leaf (`?id=`), as labelled fields with the mandatory ones marked: the HTML
    fragment the mapping editor's "Attributes" details show (static/js/remote_category_picker.js)."""

    required_area = AREA
    template_name = "channels/_remote_category_attributes.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for_user(request, pk)
        remote_id = request.GET.get("id", "").strip()
        context: dict[str, Any] = {"remote_id": remote_id, "attributes": [], "error": ""}
        status = 200
        if not remote_id:
            context["error"], status = "Pick a leaf category first.", 400
        else:
            try:
                context["attributes"] = services.remote_category_attributes(channel=channel, remote_id=remote_id)
            except ApplicationError as exc:
                context["error"], status = error_text(exc), 400
        return render(request, self.template_name, context, status=status)


class ChannelTestConnectionView(StaffWriteMixin, View):
    """Ask the marketplace whether the stored credentials work (one read-only call)."""

    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for_user(request, pk)
        try:
            compared = channel_connection_test(channel)
        except ConnectorError as exc:
            messages.error(request, f"Connection to {channel.name} failed: {exc}")
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, f"Connection to {channel.name} failed: {error_text(exc)}")
        except Exception:  # a diagnostic button must answer with a message, whatever broke
            logger.exception("connection test of channel %s failed", channel.pk)
            messages.error(request, f"Connection to {channel.name} failed: internal error (see the server log).")
        else:
            messages.success(request, f"Connected to {channel.name}: the credentials work; {compared}.")
        return redirect("channels:channel_detail", pk=pk)

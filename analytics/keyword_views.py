"""The keywords tab of a listing: its keywords, an add form, coverage of title, bullets and search terms,
suggestions with "add", and per-keyword actions (docs/analytics.md#keywords)."""

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from common.errors import ApplicationError
from common.views import add_service_errors, error_text
from listings.models import Listing

from .keyword_forms import KeywordActionForm, KeywordAddForm, KeywordRanksImportForm
from .models import Keyword
from .services import keywords as services
from .services.keyword_rank_imports import keyword_ranks_import

AREA = "listings"


def _listing(pk: int, user: Any) -> Listing:
    scoped = channel_scoped(Listing.objects.select_related("product", "product__category", "variant", "channel"), user)
    return get_object_or_404(scoped, pk=pk)


class ListingKeywordsView(StaffReadMixin, View):
    template_name = "analytics/listing_keywords.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_page(_listing(pk, request.user), KeywordAddForm())

    def render_page(self, listing: Listing, form: KeywordAddForm, status: int = 200) -> HttpResponse:
        content = services.listing_content(listing)
        context = {
            "listing": listing,
            "content": content,
            "keywords": list(Keyword.objects.filter(listing=listing)),
            "coverage": services.keyword_coverage(listing=listing, content=content),
            "suggestions": services.keyword_suggestions(listing=listing),
            "form": form,
            "ranks_form": KeywordRanksImportForm(),
            "can_edit": can_edit(self.request.user, AREA),
        }
        return render(self.request, self.template_name, context, status=status)


class ListingKeywordAddView(StaffWriteMixin, ListingKeywordsView):
    required_area = AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        listing = _listing(pk, request.user)
        form = KeywordAddForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                keyword, created = services.keyword_add_or_merge(
                    listing=listing, keyword=data["keyword"], source=data["source"], user=request.user,
                    is_primary=data["is_primary"], **({"search_volume": data["search_volume"]}
                                                      if data["search_volume"] is not None else {}),
                )  # fmt: skip
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                said = "Added" if created else "Already there, updated"
                messages.success(request, f"{said}: {keyword.keyword}.")
                return redirect("analytics:listing_keywords", pk=pk)
        return self.render_page(listing, form, status=400)


class ListingKeywordsExtractView(StaffWriteMixin, View):
    required_area = AREA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        listing = _listing(pk, request.user)
        added = services.keywords_extract(listing=listing, user=request.user)
        messages.success(request, f"{len(added)} keyword{'s' if len(added) != 1 else ''} taken from the content.")
        return redirect("analytics:listing_keywords", pk=pk)


class ListingKeywordRanksImportView(StaffWriteMixin, View):
    """Upload a rank-tracker file (docs/analytics.md#rank-tracker-files): the result, each refused row and each
    note are shown as messages on the tab."""

    required_area = AREA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        listing = _listing(pk, request.user)
        form = KeywordRanksImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "Choose a CSV or XLSX file to import.")
            return redirect("analytics:listing_keywords", pk=pk)
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            try:
                result = keyword_ranks_import(listing=listing, path=path, filename=upload.name, user=request.user)
            except (ValidationError, ApplicationError) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else error_text(exc)
                messages.error(request, f"{upload.name} was not imported: {text}")
                return redirect("analytics:listing_keywords", pk=pk)
        messages.success(request, f"Ranks imported from {upload.name}: {result.created} keyword(s) added, "
                                  f"{result.updated} updated, {len(result.errors)} row(s) refused.")  # fmt: skip
        for note in result.notes:
            messages.warning(request, note)
        for error in result.errors:
            messages.error(request, error)
        return redirect("analytics:listing_keywords", pk=pk)


class KeywordActionView(StaffWriteMixin, View):
    """Primary / not primary / track / stop tracking / delete one keyword."""

    required_area = AREA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        keyword = get_object_or_404(channel_scoped(Keyword.objects.all(), request.user, "listing__channel"), pk=pk)
        form = KeywordActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose primary, unprimary, track, untrack or delete.")
            return redirect("analytics:listing_keywords", pk=keyword.listing_id)
        action = form.cleaned_data["action"]
        try:
            if action == "delete":
                services.keyword_delete(row=keyword, user=request.user)
            elif action in ("primary", "unprimary"):
                services.keyword_primary_set(row=keyword, is_primary=action == "primary", user=request.user)
            else:
                services.keyword_tracked_set(row=keyword, is_tracked=action == "track", user=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"{keyword.keyword}: {dict(ACTION_DONE)[action]}.")
        return redirect("analytics:listing_keywords", pk=keyword.listing_id)


ACTION_DONE = [
    ("primary", "marked primary"),
    ("unprimary", "no longer primary"),
    ("track", "tracked"),
    ("untrack", "no longer tracked"),
    ("delete", "deleted"),
]

"""Price rule pages: the rule list and the rule editor with a live preview (docs/pricing.md#price-rules)."""

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from common.pagination import PagedListMixin
from listings.models import Listing

from . import rule_services
from .rule_forms import PreviewSelectionForm, PriceRuleForm
from .rule_models import PriceRule
from .rule_selectors import price_rule_list
from .rules import RuleSpec

PREVIEW_ROWS = 50  # listings shown in the editor's preview; the API previews any selection


class PriceRuleListView(StaffReadMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "pricing/rule_list.html"
    context_object_name = "rules"

    def get_queryset(self):
        return price_rule_list()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(can_edit=can_edit(self.request.user, "listings"), **kwargs)


class PriceRuleEditView(StaffWriteMixin, View):
    """GET shows the editor; POST with action=preview shows the preview of the unsaved rule (nothing saved),
    action=save saves it through the services."""

    required_area = "listings"
    template_name = "pricing/rule_form.html"

    def _render(self, form: PriceRuleForm, selection: PreviewSelectionForm, rows: Any, status: int = 200):
        context = {"form": form, "selection": selection, "rows": rows, "object": form.instance, "cap": PREVIEW_ROWS}
        return render(self.request, self.template_name, context, status=status)

    def _rule(self, pk: int | None) -> PriceRule | None:
        return get_object_or_404(PriceRule, pk=pk) if pk else None

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        return self._render(PriceRuleForm(instance=self._rule(pk)), PreviewSelectionForm(), None)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        rule = self._rule(pk)
        form = PriceRuleForm(request.POST, instance=rule)
        selection = PreviewSelectionForm(request.POST)
        if not form.is_valid() or not selection.is_valid():
            return self._render(form, selection, None, status=400)
        data = form.cleaned_data
        if request.POST.get("action") == "preview":
            spec = RuleSpec(
                rule.pk if rule else None,
                data["name"],
                data["applies_to"],
                data["scope_value"],
                data["rule_type"],
                data["config"],
                data["priority"],
            )
            listings = channel_scoped(Listing.objects.all(), request.user, "channel_id")
            if selection.cleaned_data["channel"]:
                listings = listings.filter(channel=selection.cleaned_data["channel"])
            if selection.cleaned_data["q"]:
                sku = selection.cleaned_data["q"]
                listings = listings.filter(Q(product__sku__icontains=sku) | Q(variant__sku__icontains=sku))
            ids = list(listings.order_by("pk").values_list("pk", flat=True)[:PREVIEW_ROWS])
            rows = rule_services.price_rules_preview(
                rules=[spec],
                listings=ids,
                competitor_price=selection.cleaned_data["competitor_price"],
                with_listings=True,  # the table names each listing
            )
            return self._render(form, selection, rows)
        fields = {name: data[name] for name in rule_services.PRICE_RULE_FIELDS}
        if rule is None:
            rule_services.price_rule_create(user=request.user, **fields)
        else:
            rule_services.price_rule_update(rule=rule, user=request.user, **fields)
        return redirect("pricing:rule_list")

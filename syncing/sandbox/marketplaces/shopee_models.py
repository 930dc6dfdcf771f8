"""Shopee tier variations and models: init_tier_variation, add_model, update_model, get_model_list, and the
per-model price and stock of update_price / update_stock (docs/marketplaces/shopee.md#variation-families).

Limits enforced (the reference's sample values and error table): at most 2 tiers, tier name <= 14 characters,
1-20 options per tier, option <= 20 characters, at most 50 models per item.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

MAX_TIERS = 2
TIER_NAME_MAX = 14
OPTIONS_MAX = 20
OPTION_MAX = 20
MODELS_MAX = 50


def _error(error: str, message: str, status: int = 200) -> Exception:
    from .shopee import ShopeeError

    return ShopeeError(error, message, status)


class ShopeeModels:
    """Mixed into ShopeeModule (which provides item_store, _find, _body, _ok, _check_price, _stock_of, now())."""

    next_model_id: int

    if TYPE_CHECKING:  # provided by ShopeeModule

        def _body(self, req: Any) -> dict[str, Any]: ...
        def _find(self, item_id: Any, shop_id: str) -> dict[str, Any]: ...
        def _ok(self, response: Any = None, created: bool = False) -> Any: ...
        def _check_price(self, price: Any) -> None: ...
        def _stock_of(self, data: Mapping[str, Any]) -> int | None: ...
        def now(self) -> float: ...

    def _check_tiers(self, tiers: Any) -> list[list[str]]:
        """The tier structure, or Shopee's error naming the limit broken."""
        if not isinstance(tiers, list) or not tiers:
            raise _error("product.error_param", "invalid field tier_variation: value must Not Null")
        if len(tiers) > MAX_TIERS:
            raise _error("product.error_param", f"invalid field tier_variation: at most {MAX_TIERS} tiers")
        options: list[list[str]] = []
        for tier in tiers:
            name = str((tier or {}).get("name") or "").strip()
            if not name or len(name) > TIER_NAME_MAX:
                raise _error(
                    "product.error_param", f"invalid field tier_variation.name: 1 to {TIER_NAME_MAX} characters"
                )
            values = [str((o or {}).get("option") or "").strip() for o in tier.get("option_list") or []]
            if not 1 <= len(values) <= OPTIONS_MAX:
                raise _error(
                    "product.error_param", f"invalid field tier_variation.option_list: 1 to {OPTIONS_MAX} options"
                )
            if any(not v or len(v) > OPTION_MAX for v in values):
                raise _error(
                    "product.error_param", f"invalid field tier_variation.option: 1 to {OPTION_MAX} characters"
                )
            if len(set(values)) != len(values):
                raise _error("product.error_param", "invalid field tier_variation.option: options must be unique")
            options.append(values)
        return options

    def _new_models(self, item: dict[str, Any], entries: Any, options: list[list[str]]) -> list[dict[str, Any]]:
        if not isinstance(entries, list) or not entries:
            raise _error("product.error_param", "invalid field model: value must Not Null")
        models = item.get("models") or {}
        if len(models) + len(entries) > MODELS_MAX:
            raise _error(
                "product.error_permission",
                f"Count of the variation should be under {MODELS_MAX}. Count of nested variations combinations "
                "should be under 3000",
            )
        taken = {tuple(m["tier_index"]) for m in models.values()}
        made = []
        for entry in entries:
            index = entry.get("tier_index")
            if (
                not isinstance(index, list)
                or len(index) != len(options)
                or not all(isinstance(i, int) and 0 <= i < len(options[n]) for n, i in enumerate(index))
            ):
                raise _error("product.error_param", "invalid field model.tier_index: out of the tier options")
            if tuple(index) in taken:
                raise _error("product.error_param", f"invalid field model.tier_index: {index} is used twice")
            taken.add(tuple(index))
            self._check_price(entry.get("original_price"))
            made.append(
                {
                    "item_id": item["item_id"],
                    "model_id": 0,
                    "tier_index": list(index),
                    "model_sku": str(entry.get("model_sku") or ""),
                    "original_price": float(entry["original_price"]),
                    "stock": self._stock_of(entry) or 0,
                }
            )
        for model in made:
            model["model_id"] = self.next_model_id
            self.next_model_id += 1
            models[model["model_id"]] = model
        item["models"] = models
        return made

    def _init_tier_variation(self, req: Any, shop_id: str) -> Any:
        data = self._body(req)
        item = self._find(data.get("item_id"), shop_id)
        if item.get("tier_variation"):
            raise _error("product.error_param", "invalid field item_id: the item already has tier variations")
        options = self._check_tiers(data.get("tier_variation"))
        made = self._new_models(item, data.get("model"), options)
        item["tier_variation"] = [
            {"name": str(t["name"]).strip(), "option_list": [{"option": o} for o in opts]}
            for t, opts in zip(data["tier_variation"], options, strict=True)
        ]
        item["update_time"] = int(self.now())
        answer = [{k: m[k] for k in ("tier_index", "model_id", "model_sku")} for m in made]
        return self._ok({"item_id": item["item_id"], "tier_variation": item["tier_variation"], "model": answer})

    def _tiers_of(self, item: Mapping[str, Any]) -> list[list[str]]:
        return [[o["option"] for o in t["option_list"]] for t in item.get("tier_variation") or []]

    def _add_model(self, req: Any, shop_id: str) -> Any:
        data = self._body(req)
        item = self._find(data.get("item_id"), shop_id)
        if not item.get("tier_variation"):
            raise _error("product.error_param", "invalid field item_id: init_tier_variation first")
        made = self._new_models(item, data.get("model_list"), self._tiers_of(item))
        item["update_time"] = int(self.now())
        return self._ok({"model": [{k: m[k] for k in ("tier_index", "model_id", "model_sku")} for m in made]})

    def _update_model(self, req: Any, shop_id: str) -> Any:
        data = self._body(req)
        item = self._find(data.get("item_id"), shop_id)
        entries = data.get("model") or []
        if not 1 <= len(entries) <= MODELS_MAX:
            raise _error("product.error_param", f"invalid field model: 1 to {MODELS_MAX} models")
        for entry in entries:
            model = (item.get("models") or {}).get(entry.get("model_id"))
            if model is None:
                raise _error("product.error_model_not_found", f"Model {entry.get('model_id')} not found.")
            if "model_sku" in entry:
                model["model_sku"] = str(entry["model_sku"])
        item["update_time"] = int(self.now())
        return self._ok()

    def _get_model_list(self, req: Any, shop_id: str) -> Any:
        item = self._find(req.arg("item_id"), shop_id)
        models = [
            {
                "model_id": m["model_id"],
                "tier_index": list(m["tier_index"]),
                "model_sku": m["model_sku"],
                "price_info": [
                    {"currency": "SGD", "original_price": m["original_price"], "current_price": m["original_price"]}
                ],
                "stock_info_v2": {"seller_stock": [{"location_id": "", "stock": m["stock"]}]},
            }  # fmt: skip
            for m in sorted((item.get("models") or {}).values(), key=lambda m: m["model_id"])
        ]
        return self._ok({"tier_variation": list(item.get("tier_variation") or []), "model": models})

    def model_target(self, item: dict[str, Any], model_id: Any) -> dict[str, Any]:
        """What update_price / update_stock change: the item itself (model_id 0, an item without models) or one
        of its models."""
        models = item.get("models") or {}
        if model_id in (0, None) and not models:
            return item
        if model_id in models:
            return models[model_id]
        if model_id in (0, None):
            raise _error("product.error_param", "invalid field model_id: the item has models; name one")
        raise _error("product.error_model_not_found", "Model not found.")

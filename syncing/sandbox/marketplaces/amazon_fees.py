"""Amazon Product Fees v0 `getMyFeesEstimates` (batch) and `getMyFeesEstimateForSKU` (docs/sandbox.md#amazon-fees,
docs/marketplaces/amazon.md#product-fees).

The batch takes and returns a bare JSON array; the single-SKU call takes `{"FeesEstimateRequest": …}` and answers
`{"payload": {"FeesEstimateResult": …}}`. Each result is matched to its request by `SellerInputIdentifier` (the
request's `Identifier`). The sandbox's fee schedule is a plain, deterministic stand-in for Amazon's: a referral
fee of 15 % of the listing price with a 0.30 minimum, and, for Amazon-fulfilled items, an FBA fee by the stored
listing's package weight. An unknown SKU, a price of 0 or less, or another marketplace is a `ClientError` result
(the call itself succeeds), as the vendor reports per-item failures.
"""

from __future__ import annotations

import re
import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

BATCH = "/products/fees/v0/feesEstimate"
FOR_SKU = re.compile(r"/products/fees/v0/listings/(?P<sku>[^/]+)/feesEstimate")
FOR_ASIN = re.compile(r"/products/fees/v0/items/(?P<asin>[A-Z0-9]{10})/feesEstimate")
BATCH_MAX = 20  # the model sets no maximum; the sandbox refuses more than 20 items per call
REFERRAL_PCT = Decimal("0.15")
REFERRAL_MIN = Decimal("0.30")
# FBA fulfilment fee by package weight in grams (upper bound inclusive, fee per unit); heavier: the last tier
FBA_TIERS: tuple[tuple[int, Decimal], ...] = (
    (113, Decimal("3.22")),
    (227, Decimal("3.40")),
    (340, Decimal("3.58")),
    (454, Decimal("3.77")),
    (907, Decimal("4.75")),
    (1361, Decimal("5.40")),
    (9072, Decimal("6.10")),
)
FBA_UNKNOWN_WEIGHT = Decimal("4.75")
CENT = Decimal("0.01")


class FeesError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def serve(module: Any, req: Any, seller_of: Any) -> Any:
    """The Amazon module's entry for the fee paths (None for any other path). `seller_of(req)` names the seller
    from the LWA token (raising the module's 403 error when it is missing or expired)."""
    single = FOR_SKU.fullmatch(req.path) or FOR_ASIN.fullmatch(req.path)
    if req.path != BATCH and single is None:
        return None
    operation = "getMyFeesEstimates" if single is None else "getMyFeesEstimateForSKU"
    rate_headers: dict[str, str] = {}
    try:
        if req.method != "POST":
            raise FeesError(405, "MethodNotAllowed", f"{req.method} is not supported here.")
        seller = seller_of(req)
        req.log.update(shop_id=seller, op=operation)
        wait, rate_headers = module.operation_gate(f"{seller}:{operation}")
        if wait > 0:
            raise FeesError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
        marketplace = module.sellers[seller]["marketplace_id"]
        body = req.json()
        if single is None:
            if not isinstance(body, list) or not body:
                raise FeesError(400, "InvalidInput", "The body must be a non-empty array of fee estimate requests.")
            if len(body) > BATCH_MAX:
                raise FeesError(400, "InvalidInput", f"At most {BATCH_MAX} fee estimate requests per call.")
            results = [_estimate(module, seller, marketplace, item) for item in body]
            return module._json(200, results, rate_headers)
        if not isinstance(body, dict) or not isinstance(body.get("FeesEstimateRequest"), dict):
            raise FeesError(400, "InvalidInput", "'FeesEstimateRequest' is required.")
        id_type, id_value = ("SellerSKU", single["sku"]) if "sku" in single.groupdict() else ("ASIN", single["asin"])
        item = {"IdType": id_type, "IdValue": id_value, "FeesEstimateRequest": body["FeesEstimateRequest"]}
        result = _estimate(module, seller, marketplace, item)
        return module._json(200, {"payload": {"FeesEstimateResult": result}}, rate_headers)
    except FeesError as exc:
        return module._json(exc.status, {"errors": [{"code": exc.code, "message": exc.message}]}, rate_headers)


def _estimate(module: Any, seller: str, marketplace: str, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise FeesError(400, "InvalidInput", "Each fee estimate request must be an object.")
    request = item.get("FeesEstimateRequest")
    if not isinstance(request, dict):
        raise FeesError(400, "InvalidInput", "'FeesEstimateRequest' is required in each item.")
    id_type, id_value = str(item.get("IdType", "")), str(item.get("IdValue", ""))
    price_block = request.get("PriceToEstimateFees") or {}
    listing_price = price_block.get("ListingPrice") or {}
    currency = str(listing_price.get("CurrencyCode", ""))
    fulfilled = bool(request.get("IsAmazonFulfilled"))
    identifier = {
        "MarketplaceId": str(request.get("MarketplaceId", "")),
        "SellerId": seller,
        "IdType": id_type,
        "IdValue": id_value,
        "IsAmazonFulfilled": fulfilled,
        "PriceToEstimateFees": price_block,
        "SellerInputIdentifier": str(request.get("Identifier", "")),
    }
    problem = ""
    listing = None
    try:
        price = Decimal(str(listing_price.get("Amount")))
    except ArithmeticError:
        price = Decimal(0)
    if id_type not in ("SellerSKU", "ASIN"):
        problem = "IdType must be ASIN or SellerSKU."
    elif identifier["MarketplaceId"] != marketplace:
        problem = f"MarketplaceId {identifier['MarketplaceId'] or '(none)'} is not the seller's marketplace."
    elif not price.is_finite() or price <= 0:
        problem = "ListingPrice.Amount must be greater than 0."
    elif id_type == "SellerSKU":
        listing = module.listings.get((seller, id_value))
        if listing is None:
            problem = f"The SKU {id_value} is not in the seller's catalog."
    if problem:
        return {
            "Status": "ClientError",
            "FeesEstimateIdentifier": identifier,
            "FeesEstimate": None,
            "Error": {"Type": "Sender", "Code": "InvalidParameterValue", "Message": problem, "Detail": []},
        }
    referral = max(price * REFERRAL_PCT, REFERRAL_MIN).quantize(CENT, rounding=ROUND_HALF_UP)
    details = [_fee("ReferralFee", referral, currency), _fee("VariableClosingFee", Decimal(0), currency)]
    total = referral
    if fulfilled:
        fba = _fba_fee(_weight_grams(listing))
        details.append(_fee("FBAFees", fba, currency))
        total += fba
    return {
        "Status": "Success",
        "FeesEstimateIdentifier": identifier,
        "FeesEstimate": {
            "TimeOfFeesEstimation": time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(module.now())),
            "TotalFeesEstimate": _money(total, currency),
            "FeeDetailList": details,
        },
        "Error": {"Type": "", "Code": "", "Message": "", "Detail": []},
    }


def _weight_grams(listing: dict[str, Any] | None) -> Decimal | None:
    values = ((listing or {}).get("attributes") or {}).get("item_package_weight") or []
    if not values or not isinstance(values[0], dict):
        return None
    try:
        value = Decimal(str(values[0].get("value")))
    except ArithmeticError:
        return None
    unit = str(values[0].get("unit", "grams"))
    return value * 1000 if unit == "kilograms" else value


def _fba_fee(grams: Decimal | None) -> Decimal:
    if grams is None:
        return FBA_UNKNOWN_WEIGHT
    for limit, fee in FBA_TIERS:
        if grams <= limit:
            return fee
    return FBA_TIERS[-1][1]


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"CurrencyCode": currency, "Amount": float(amount)}


def _fee(kind: str, amount: Decimal, currency: str) -> dict[str, Any]:
    money = _money(amount, currency)
    return {"FeeType": kind, "FeeAmount": money, "FeePromotion": _money(Decimal(0), currency), "FinalFee": money}

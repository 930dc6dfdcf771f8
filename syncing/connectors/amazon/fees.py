"""Product Fees v0 `getMyFeesEstimates`: per-unit fees at a price (docs/marketplaces/amazon.md#product-fees).

The batch body and answer are bare JSON arrays; results are matched to requests by `SellerInputIdentifier` (our
`Identifier`, here the SKU), not by position. A per-item `ClientError` / `ServiceError` comes back as an estimate
with `error` set; the call as a whole fails only for auth, throttling and server errors.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

BATCH_PATH = "/products/fees/v0/feesEstimate"
BATCH_MAX = 20  # the sandbox's limit; the vendor's model sets none (docs/marketplaces/amazon.md#product-fees)
FBA_FEE_TYPES = ("FBAFees", "FBAPerUnitFulfillmentFee", "FBAPerOrderFulfillmentFee", "FBAWeightBasedFee")


@dataclass(frozen=True)
class FeeQuery:
    sku: str
    price: Decimal
    currency: str
    fulfilled_by_amazon: bool = False


@dataclass(frozen=True)
class FeeEstimate:
    sku: str
    currency: str
    total: Decimal | None
    referral: Decimal | None
    fulfilment: Decimal | None
    closing: Decimal | None
    other: Decimal | None
    estimated_at: str  # as Amazon writes it ("Mon Oct 28 18:49:32 UTC 2019")
    error: str = ""


def fees_estimate(
    call_array: Callable[..., list[Any]], marketplace_id: str, queries: Sequence[FeeQuery]
) -> list[FeeEstimate]:
    """One estimate per query, in the queries' order, in batches of BATCH_MAX."""
    estimates: dict[str, FeeEstimate] = {}
    for start in range(0, len(queries), BATCH_MAX):
        batch = queries[start : start + BATCH_MAX]
        body = [_request(q, marketplace_id) for q in batch]
        for result in call_array("POST", BATCH_PATH, json=body):
            if isinstance(result, dict):
                estimate = _estimate(result)
                estimates[estimate.sku] = estimate
    missing = FeeEstimate("", "", None, None, None, None, None, "", error="Amazon returned no estimate for this SKU.")
    return [estimates.get(q.sku) or _named(missing, q) for q in queries]


def _named(estimate: FeeEstimate, query: FeeQuery) -> FeeEstimate:
    return FeeEstimate(query.sku, query.currency, None, None, None, None, None, "", error=estimate.error)


def _request(query: FeeQuery, marketplace_id: str) -> dict[str, Any]:
    return {
        "IdType": "SellerSKU",
        "IdValue": query.sku,
        "FeesEstimateRequest": {
            "MarketplaceId": marketplace_id,
            "IsAmazonFulfilled": query.fulfilled_by_amazon,
            "PriceToEstimateFees": {"ListingPrice": {"CurrencyCode": query.currency, "Amount": float(query.price)}},
            "Identifier": query.sku,
        },
    }


def _amount(money: Any) -> Decimal | None:
    if not isinstance(money, dict):
        return None
    try:
        return Decimal(str(money.get("Amount")))
    except (InvalidOperation, ValueError):
        return None


def _estimate(result: dict[str, Any]) -> FeeEstimate:
    identifier = result.get("FeesEstimateIdentifier") or {}
    sku = str(identifier.get("SellerInputIdentifier") or identifier.get("IdValue") or "")
    currency = str(((identifier.get("PriceToEstimateFees") or {}).get("ListingPrice") or {}).get("CurrencyCode", ""))
    if result.get("Status") != "Success" or not isinstance(result.get("FeesEstimate"), dict):
        error = result.get("Error") or {}
        message = str(error.get("Message") or error.get("Code") or result.get("Status") or "no estimate")
        return FeeEstimate(sku, currency, None, None, None, None, None, "", error=message)
    estimate = result["FeesEstimate"]
    parts: dict[str, Decimal] = {}
    for fee in estimate.get("FeeDetailList") or []:
        if isinstance(fee, dict):
            amount = _amount(fee.get("FinalFee")) if fee.get("FinalFee") is not None else _amount(fee.get("FeeAmount"))
            if amount is not None:
                parts[str(fee.get("FeeType", ""))] = parts.get(str(fee.get("FeeType", "")), Decimal(0)) + amount
    fulfilment = sum((parts.pop(kind) for kind in FBA_FEE_TYPES if kind in parts), Decimal(0))
    referral = parts.pop("ReferralFee", Decimal(0))
    closing = parts.pop("VariableClosingFee", Decimal(0)) + parts.pop("PerItemFee", Decimal(0))
    other = sum(parts.values(), Decimal(0))
    return FeeEstimate(
        sku=sku,
        currency=currency,
        total=_amount(estimate.get("TotalFeesEstimate")),
        referral=referral,
        fulfilment=fulfilment,
        closing=closing,
        other=other,
        estimated_at=str(estimate.get("TimeOfFeesEstimation", "")),
    )

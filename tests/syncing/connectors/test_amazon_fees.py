"""Product Fees v0 getMyFeesEstimates through the connector against the sandbox over HTTP
(docs/marketplaces/amazon.md#product-fees)."""

from decimal import Decimal

import requests

from syncing.connectors.amazon.fees import FeeQuery

AMAZON = {"currency": "USD", "language": "en", "country": "US"}


def _amazon(connect, make_payload, *skus_and_grams):
    amazon = connect("amazon", **AMAZON)
    for sku, grams in skus_and_grams:
        amazon.push_listing(make_payload(sku=sku, currency="USD", category_id="DRINKING_CUP", weight_grams=grams))
    return amazon


def test_estimates_per_sku_with_referral_minimum_and_fba_by_weight(connect, make_payload, sandbox):
    # given two of our SKUs on Amazon: a 400 g mug and a 2 kg kettle
    amazon = _amazon(connect, make_payload, ("MUG-1", 400), ("KETTLE-1", 2000))

    # when fees are estimated for them (the kettle sent by the seller, the mug by Amazon), plus a cheap mug price
    estimates = amazon.fees_estimate(
        [
            FeeQuery("KETTLE-1", Decimal("59.99"), "USD"),
            FeeQuery("MUG-1", Decimal("12.50"), "USD", fulfilled_by_amazon=True),
        ]
    )

    # then each comes back under its own SKU, in our order, with its parts
    kettle, mug = estimates
    assert (kettle.sku, kettle.error) == ("KETTLE-1", "")
    assert kettle.referral == Decimal("9")  # 15 % of 59.99, rounded to the cent
    assert kettle.fulfilment == Decimal("0")  # not fulfilled by Amazon
    assert kettle.total == Decimal("9")
    assert mug.referral == Decimal("1.88")
    assert mug.fulfilment == Decimal("3.77")  # the 454 g tier
    assert mug.total == Decimal("5.65")
    assert mug.currency == "USD"
    assert "UTC" in mug.estimated_at
    # and the call was one batch POST with a bare array body
    posts = [e for e in sandbox.log("amazon") if e["path"] == "/products/fees/v0/feesEstimate"]
    assert len(posts) == 1
    assert posts[0]["body"].startswith("[")


def test_per_item_refusals_are_named_and_do_not_fail_the_call(connect, make_payload, sandbox):
    amazon = _amazon(connect, make_payload, ("MUG-1", 400))
    unknown, free, other = amazon.fees_estimate(
        [
            FeeQuery("NOPE-1", Decimal("10"), "USD"),
            FeeQuery("MUG-1", Decimal("0"), "USD"),
            FeeQuery("MUG-1-B", Decimal("1.50"), "USD"),
        ]
    )
    assert unknown.error == "The SKU NOPE-1 is not in the seller's catalog."
    assert unknown.total is None
    assert free.error == "ListingPrice.Amount must be greater than 0."
    assert other.error == "The SKU MUG-1-B is not in the seller's catalog."


def test_more_than_twenty_skus_go_in_batches_of_twenty(connect, make_payload, sandbox):
    amazon = _amazon(connect, make_payload, ("MUG-1", 100))
    queries = [FeeQuery("MUG-1" if n == 0 else f"X-{n}", Decimal("2.00"), "USD") for n in range(45)]
    estimates = amazon.fees_estimate(queries)
    assert len(estimates) == 45
    assert estimates[0].referral == Decimal("0.30")  # the referral minimum beats 15 % of 2.00
    posts = [e for e in sandbox.log("amazon") if e["path"] == "/products/fees/v0/feesEstimate"]
    assert len(posts) == 3  # 20 + 20 + 5


def test_the_sandbox_refuses_bad_bodies_in_the_vendor_error_shape(connect, make_payload, sandbox):
    amazon = _amazon(connect, make_payload, ("MUG-1", 400))
    token = amazon.client.access_token
    url = f"{sandbox.url('amazon')}/products/fees/v0/feesEstimate"
    headers = {"x-amz-access-token": token}
    too_many = requests.post(url, json=[{"IdType": "SellerSKU"}] * 21, headers=headers, timeout=5)
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["message"] == "At most 20 fee estimate requests per call."
    not_array = requests.post(url, json={"IdType": "SellerSKU"}, headers=headers, timeout=5)
    assert not_array.status_code == 400
    no_token = requests.post(url, json=[], timeout=5)
    assert no_token.status_code == 403
    # the single-SKU form answers inside `payload`
    single = requests.post(
        f"{sandbox.url('amazon')}/products/fees/v0/listings/MUG-1/feesEstimate",
        json={
            "FeesEstimateRequest": {
                "MarketplaceId": "ATVPDKIKX0DER",
                "IsAmazonFulfilled": False,
                "PriceToEstimateFees": {"ListingPrice": {"CurrencyCode": "USD", "Amount": 20}},
                "Identifier": "one",
            }
        },
        headers=headers,
        timeout=5,
    )
    result = single.json()["payload"]["FeesEstimateResult"]
    assert result["Status"] == "Success"
    assert result["FeesEstimate"]["TotalFeesEstimate"] == {"CurrencyCode": "USD", "Amount": 3.0}
    assert result["FeesEstimateIdentifier"]["SellerInputIdentifier"] == "one"

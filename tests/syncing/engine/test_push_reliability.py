"""Push on change with real `qcluster` processes against the sandbox: a cluster killed while a coalesced price
update is in flight loses no change, and the last value edited wins (docs/sync.md, "Push on change")."""

import pytest

from .test_reliability import Scenario, migrated_template, scenario  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


def _remote_prices(sandbox) -> dict[str, float]:
    return {sku["SellerSku"]: float(sku["price"]) for item in sandbox.items("lazada") for sku in item["skus"]}


def test_cluster_killed_mid_price_update_loses_no_change(scenario: Scenario, sandbox):  # noqa: F811 - the fixture
    # given 8 live listings
    created = scenario.create(8)
    ids = created["listing_ids"]
    job_id = scenario.run("publish", channel_id=created["channel_id"], listing_ids=ids)["job_id"]
    scenario.start()
    assert scenario.wait_job_done(job_id, timeout=120)["succeeded"] == 8
    # when a price edit is being sent (the marketplace answers slowly) and the whole cluster is killed
    sandbox.set_faults("lazada", latency_ms=2500, path_contains="price_quantity")
    scenario.run("edit_prices", listing_ids=ids, price="30.00")
    scenario.wait_for(
        lambda: scenario.query(
            "SELECT COUNT(*) FROM syncing_syncevent WHERE operation = 'offers' AND outcome = 'in_progress'"
        )[0][0],
        60,
        "a price update in flight",
    )
    scenario.kill_cluster()
    # and the price is edited again while no worker runs
    scenario.run("edit_prices", listing_ids=ids, price="31.00")
    marked = scenario.query("SELECT COUNT(*) FROM listings_listing WHERE changed_since_push = ?", True)[0][0]
    assert marked == 8  # the marks live in the database, not in the dead workers
    sandbox.clear_faults("lazada")
    scenario.start()
    # then every listing ends with the last price on the marketplace, no mark and nothing pending left. The batch
    # redelivered from the killed cluster may still be confirming its (equal) send when the new one has cleared the
    # marks, so "nothing pending" is waited for with the rest rather than read once after them.
    scenario.wait_for(
        lambda: (
            set(_remote_prices(sandbox).values()) == {31.0}
            and not scenario.query("SELECT COUNT(*) FROM listings_listing WHERE changed_since_push = ?", True)[0][0]
            and not scenario.query("SELECT COUNT(*) FROM listings_listing WHERE pending_since IS NOT NULL")[0][0]
        ),
        120,
        "the last prices on the marketplace, nothing pending",
    )
    assert set(_remote_prices(sandbox).values()) == {31.0}

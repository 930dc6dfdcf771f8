"""Every connector reads back what the marketplace did to an item (sandbox over HTTP): the normalised status, the
raw one, the issues with their fix, the update time and the marketplace's ids; and reads only what changed since
a moment (docs/sync.md#remote-status, docs/marketplaces/<code>.md#incremental-pull)."""

from datetime import UTC, datetime, timedelta

import pytest

from syncing.connectors.base import REMOTE_STATUSES, NotFound

from .markets import MARKETS

# What each marketplace can do to an item by itself (the sandbox refuses the others, as the marketplace has none).
STATES = {
    "shopify": ("inactive", "deleted"),
    "etsy": ("inactive", "deleted"),
    "lazada": ("rejected", "suppressed", "inactive", "deleted"),
    "shopee": ("rejected", "suppressed", "inactive", "deleted"),
    "tiktok": ("rejected", "suppressed", "inactive", "deleted"),
    "amazon": ("rejected", "suppressed", "inactive", "deleted"),
}
REVIEWED = [m for m in MARKETS if m.code in ("lazada", "shopee", "tiktok", "amazon")]
# The id the marketplace assigns and the connector must report (besides its own external id).
ID_KEYS = {
    "shopify": "variant_ids",
    "etsy": "listing_id",
    "lazada": "sku_ids",
    "shopee": "item_id",
    "tiktok": "sku_ids",
    "amazon": "asin",
}


def _read(connector, external_id):
    try:
        return connector.get_listing(external_id)
    except NotFound:
        return None


@pytest.mark.parametrize("state", ["rejected", "suppressed", "inactive", "deleted"])
def test_marketplace_side_state_is_read_back(market, conn, payload, sandbox, state):
    if state not in STATES[market.code]:
        pytest.skip(f"{market.code} has no {state} state")
    created = conn.push_listing(payload())
    before = conn.get_listing(created.external_id)
    assert before.status == "live"
    assert before.marketplace_ids.get(ID_KEYS[market.code])
    sandbox.advance_clock(5)
    sandbox.set_remote_state(market.code, created.external_id, state, reasons=["Main image shows a watermark"])
    remote = _read(conn, created.external_id)
    if state == "deleted":
        assert remote is None or remote.status == "deleted"
        return
    assert remote is not None
    assert (remote.status, bool(remote.raw_status)) == (state, True)
    assert remote.updated_at is not None
    assert before.updated_at is not None
    assert remote.updated_at > before.updated_at
    if state in ("rejected", "suppressed"):
        assert any("watermark" in issue["message"] for issue in remote.issues), remote.issues
        assert all(issue["fix"] for issue in remote.issues)
    if market.code == "amazon" and state == "suppressed":
        assert remote.issues[0]["enforcement"] == "LISTING_SUPPRESSED"


@pytest.mark.parametrize("market", REVIEWED, ids=lambda m: m.code, indirect=True)
def test_review_rejects_with_the_marketplace_reasons(market, conn, payload, sandbox):
    sandbox.set_review(market.code, 60, "reject", reasons=["Brand is not authorised"])
    created = conn.push_listing(payload())
    assert created.status == "in_review"
    assert conn.get_listing(created.external_id).status == "in_review"
    sandbox.advance_clock(61)
    remote = conn.get_listing(created.external_id)
    assert remote.status == "rejected"
    assert "Brand is not authorised" in " ".join(issue["message"] for issue in remote.issues)


def test_unknown_raw_status_is_reported_as_unknown(connect, make_payload, sandbox):
    lazada = connect("lazada")
    created = lazada.push_listing(make_payload())
    sandbox.edit_item("lazada", created.external_id, status="Frozen-By-Ops")
    remote = lazada.get_listing(created.external_id)
    assert (remote.status, remote.raw_status) == ("unknown", "Frozen-By-Ops")
    assert remote.status in REMOTE_STATUSES


def test_pull_reads_only_items_updated_since(market, conn, payload, sandbox):
    # given three items, then (an hour later on the marketplace's clock) one edited there
    ids = [conn.push_listing(payload(sku=f"MUG-00{n}")).external_id for n in range(3)]
    sandbox.advance_clock(3600)
    sandbox.edit_item(market.code, ids[1], **market.drift)
    since = datetime.fromtimestamp(sandbox.sandbox.clock.now(), tz=UTC) - timedelta(minutes=10)
    # when the connector pulls what changed since ten minutes ago
    seen, cursor = [], None
    for _ in range(20):
        page = conn.pull_listings(cursor, updated_since=since)
        seen += [item.external_id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    # then only the edited item comes back, and a full pull still sees all three
    assert seen == [ids[1]]
    full, cursor = [], None
    for _ in range(20):
        page = conn.pull_listings(cursor)
        full += [item.external_id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert set(ids) <= set(full)


@pytest.mark.parametrize(
    "market", [m for m in MARKETS if m.code in ("lazada", "shopee", "tiktok")], ids=lambda m: m.code, indirect=True
)
def test_incremental_pull_also_reads_deletions(market, conn, payload, sandbox):
    kept, gone = (conn.push_listing(payload(sku=f"MUG-00{n}")).external_id for n in range(2))
    since = datetime.fromtimestamp(sandbox.sandbox.clock.now(), tz=UTC) + timedelta(seconds=30)
    sandbox.advance_clock(60)
    sandbox.set_remote_state(market.code, gone, "deleted")
    seen, cursor = {}, None
    for _ in range(20):
        page = conn.pull_listings(cursor, updated_since=since)
        seen.update({item.external_id: item.status for item in page.items})
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == {gone: "deleted"}
    assert kept not in seen


def test_etsy_incremental_pull_makes_three_list_calls_and_leaves_expired_to_the_full_pull(
    connect, make_payload, sandbox
):
    # given five Etsy listings, then an hour later one edited, one deactivated and one sold out there
    etsy = connect("etsy")
    market = next(m for m in MARKETS if m.code == "etsy")
    ids = [etsy.push_listing(make_payload(**{**market.payload, "sku": f"MUG-00{n}"})).external_id for n in range(5)]
    sandbox.advance_clock(3600)
    sandbox.edit_item("etsy", ids[0], **market.drift)
    sandbox.set_remote_state("etsy", ids[1], "inactive")
    sandbox.edit_item("etsy", ids[2], quantity=0)
    since = datetime.fromtimestamp(sandbox.sandbox.clock.now(), tz=UTC) - timedelta(minutes=10)
    before = len(_list_calls(sandbox))

    # when the connector pulls what changed since ten minutes ago
    seen, cursor = {}, None
    for _ in range(20):
        page = etsy.pull_listings(cursor, updated_since=since)
        seen.update({item.external_id: item.status for item in page.items})
        cursor = page.next_cursor
        if cursor is None:
            break

    # then the three changes come back from at most ⌈3 / 100⌉ + 2 list calls (active, inactive, sold out; a call
    # refused for an expired token and repeated after the refresh is one call)
    calls = _list_calls(sandbox)[before:]
    assert len(calls) <= 3
    assert [c["query"]["state"] for c in calls] == ["active", "inactive", "sold_out"][: len(calls)]
    assert set(seen) == {ids[0], ids[1], ids[2]}
    assert seen[ids[1]] == "inactive"
    # and a cursor naming a state the incremental walk does not read is refused, not misread
    with pytest.raises(ValueError, match="Not an Etsy cursor"):
        etsy.pull_listings("expired:0", updated_since=since)


def _list_calls(sandbox):
    return [
        e
        for e in sandbox.log("etsy")
        if e["method"] == "GET" and e["path"].endswith("/listings") and e["status"] == 200
    ]

"""Property-based tests of the ledger (docs/orders.md#tests): random order events, replayed and reordered."""

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Product
from inventory.choices import Bucket, Reason
from inventory.models import StockMovement
from inventory.services import stock_follow, stock_for_sku
from inventory.state import LineState, line_targets
from tests.catalog.factories import ProductFactory

OPENING = 100

# An event changes the line's cumulative counters; counters never decrease (the ingest keeps the maximum).
EVENTS = st.sampled_from(["place", "pay", "cancel_part", "cancel_order", "ship_part", "ship_all", "refund",
                          "refund_restock", "replay"])  # fmt: skip


def step(state: LineState, event: str, n: int) -> LineState:
    q = state.quantity
    if event == "pay":
        return LineState(**{**state.__dict__, "reserved": True})
    if event == "cancel_part":
        return LineState(**{**state.__dict__, "cancelled": min(q - state.shipped, state.cancelled + n)})
    if event == "cancel_order":
        return LineState(**{**state.__dict__, "order_cancelled": True})
    if event == "ship_part":
        return LineState(**{**state.__dict__, "shipped": min(q - state.cancelled, state.shipped + n)})
    if event == "ship_all":
        return LineState(**{**state.__dict__, "shipped": q - state.cancelled})
    if event in ("refund", "refund_restock"):
        refunded = min(q, state.refunded + n)
        restocked = state.restocked + (refunded - state.refunded if event == "refund_restock" else 0)
        return LineState(**{**state.__dict__, "refunded": refunded, "restocked": min(restocked, refunded)})
    return state  # place / replay: the same state again


def sums(stock):
    rows = StockMovement.objects.filter(stock=stock).values("bucket").annotate(t=Sum("delta"))
    return {row["bucket"]: row["t"] for row in rows}


@pytest.mark.slow
@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    quantity=st.integers(1, 5),
    events=st.lists(st.tuples(EVENTS, st.integers(1, 3)), min_size=1, max_size=12),
    reorder=st.randoms(use_true_random=False),
)
def test_ledger_follows_any_sequence_of_order_events(quantity, events, reorder):
    Product.objects.filter(sku="PROP-1").delete()
    ProductFactory(sku="PROP-1", quantity=OPENING)
    stock = stock_for_sku("PROP-1")
    state = LineState(quantity=quantity, reserved=False)
    states = [state]
    for event, n in events:
        state = step(state, event, n)
        states.append(state)
    # Deliver the states as a marketplace might: in order, then a shuffled replay of all of them (duplicates and
    # older states late), then the final state once more.
    shuffled = list(states)
    reorder.shuffle(shuffled)
    stored = None
    for delivered in [*states, *shuffled, state]:
        stored = fold(stored, delivered)
        stock_follow(stock=stock, source_type="test.line", source_id="1", targets=line_targets(stored))
        stock.refresh_from_db()
        assert stock.committed >= 0
        assert sums(stock).get(Bucket.COMMITTED, 0) == stock.committed
        assert sums(stock).get(Bucket.ON_HAND, 0) == stock.on_hand

    final = line_targets(state)
    assert stock.committed == final.committed
    assert stock.on_hand == OPENING - final.shipped + final.restocked
    # PrestaShop's bug: restock + cancel can never put more back than was taken out.
    assert stock.on_hand <= OPENING
    assert final.restocked <= final.shipped
    keys = list(StockMovement.objects.filter(stock=stock).values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
    restocks = StockMovement.objects.filter(stock=stock, reason=Reason.REFUND_RESTOCK).aggregate(t=Sum("delta"))["t"]
    assert (restocks or 0) == final.restocked
    assert Product.objects.get(sku="PROP-1").quantity == max(stock.available, 0)


def fold(stored: LineState | None, arrived: LineState) -> LineState:
    """The maximum of every counter over what has arrived so far (as the ingest stores a line)."""
    if stored is None:
        return arrived
    return LineState(
        quantity=arrived.quantity,
        reserved=stored.reserved or arrived.reserved,
        order_cancelled=stored.order_cancelled or arrived.order_cancelled,
        cancelled=max(stored.cancelled, arrived.cancelled),
        shipped=max(stored.shipped, arrived.shipped),
        refunded=max(stored.refunded, arrived.refunded),
        restocked=max(stored.restocked, arrived.restocked),
    )


def test_restock_never_exceeds_shipped_and_cancel_after_refund_puts_nothing_back():
    # Partial refund with restock of a shipped unit, then cancel the order: on hand 100 -> 99 -> 100, never 101.
    state = LineState(quantity=2, reserved=True, shipped=1, refunded=1, restocked=1, order_cancelled=True)
    targets = line_targets(state)
    assert (targets.committed, targets.shipped, targets.restocked) == (0, 1, 1)
    unshipped_refund = line_targets(LineState(quantity=2, reserved=True, refunded=2, restocked=2))
    assert (unshipped_refund.committed, unshipped_refund.shipped, unshipped_refund.restocked) == (0, 0, 0)

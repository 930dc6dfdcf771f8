"""What an order line's state asks of the stock buckets (docs/orders.md#the-ledger).

Stock movements for orders derive from the line's *state*, never from the event that brought it: the targets
below are computed from the line's counters, and the ledger is moved by the difference between a target and what
the ledger already holds for that line. Replays, duplicates and events out of order therefore converge.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class LineState:
    """One order line as far as stock cares. Counters are cumulative units (never decrease)."""

    quantity: int
    reserved: bool  # the order reserves stock (paid, or placed where the marketplace reserves at placement)
    order_cancelled: bool = False
    cancelled: int = 0
    shipped: int = 0
    refunded: int = 0
    restocked: int = 0  # of the refunded units, those that went back to stock


@dataclass(frozen=True)
class StockTargets:
    committed: int  # units this line holds in `committed`
    shipped: int  # units this line took out of `on_hand`
    restocked: int  # units this line put back into `on_hand`


def line_targets(state: LineState) -> StockTargets:
    """The buckets' share of one line. Shipped units leave on_hand once; only shipped units can be restocked
    (a refunded unit that never shipped never left the shelf), so a restock can never exceed what shipped."""
    quantity = max(state.quantity, 0)
    shipped = min(max(state.shipped, 0), quantity)
    live = quantity - min(max(state.cancelled, 0), quantity)
    refunded_unshipped = max(0, min(state.refunded, quantity) - shipped)
    open_units = max(0, live - shipped - refunded_unshipped)
    committed = open_units if state.reserved and not state.order_cancelled else 0
    restocked = min(max(state.restocked, 0), shipped)
    return StockTargets(committed=committed, shipped=shipped, restocked=restocked)

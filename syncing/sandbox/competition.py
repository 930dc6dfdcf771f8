"""Competing sellers that move on a seeded schedule (docs/sandbox.md#competitors).

Every PERIOD of sandbox time is one step. At step 0 (from the module's reset) each competing offer sits at its
seeded base price; at later steps its price is the base times a factor and it may be out of stock, both picked
from a hash of (seed, key, step), so a run is repeatable: advance the clock (`POST /_control/clock`) to move
everyone at once. An offer set through the control API (`POST /_control/competitor`) is pinned: the schedule
leaves it where it was put.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

PERIOD = 3600.0  # sandbox seconds between two moves
MOVES = (-0.08, -0.04, -0.02, 0.0, 0.0, 0.0, 0.03, 0.06)  # price factors - 1, picked per (key, step)
OUT_OF_STOCK_ONE_IN = 11  # about one offer in eleven is out of stock at a step after 0
RANK_MOVES = (-0.3, -0.1, 0.0, 0.1, 0.25)  # sales rank factors - 1


class Schedule:
    """The step clock and the seeded moves of one marketplace's competing sellers."""

    def __init__(self, now: Callable[[], float], seed: int = 0, period: float = PERIOD) -> None:
        self.now, self.seed, self.period = now, seed, period
        self.started = now()

    def step(self) -> int:
        return max(0, int((self.now() - self.started) // self.period))

    def _hash(self, key: str, step: int) -> int:
        return int(hashlib.sha256(f"{self.seed}:{key}:{step}".encode()).hexdigest()[:8], 16)

    def price(self, key: str, base: float) -> float:
        step = self.step()
        if step == 0:
            return base
        return round(base * (1 + MOVES[self._hash(key, step) % len(MOVES)]), 2)

    def in_stock(self, key: str) -> bool:
        step = self.step()
        return step == 0 or self._hash(key, step) % OUT_OF_STOCK_ONE_IN != 0

    def rank(self, key: str, base: int) -> int:
        step = self.step()
        if step == 0:
            return base
        return max(1, int(base * (1 + RANK_MOVES[self._hash("rank:" + key, step) % len(RANK_MOVES)])))


def number(data: dict, name: str, *, integer: bool = False, minimum: float = 0) -> float | int | None:
    """`data[name]` as a number >= minimum (None when absent); a bad value is a ValueError naming the field."""
    if data.get(name) is None:
        return None
    value = data[name]
    try:
        if isinstance(value, bool):
            raise ValueError
        out = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ValueError(f"'{name}' must be a number.") from None
    if integer and float(value) != out:
        raise ValueError(f"'{name}' must be a whole number.")
    if out < minimum:
        raise ValueError(f"'{name}' must be at least {minimum:g}.")
    return out

"""The sandbox clock: wall time for signature windows, scaled sandbox time for lifetimes and reviews."""

import threading
import time


class Clock:
    """Sandbox time = wall time at start + elapsed wall time x `speed` + manual offset.

    Token lifetimes and review delays are measured in sandbox time, so a test can expire a 4-hour Shopee token
    either with `advance(4 * 3600)` or by running the clock faster. Signature timestamp windows are checked
    against `wall()`: connectors stamp requests with the real time and know nothing about the sandbox clock.
    """

    def __init__(self, speed: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._anchor_wall = time.time()
        self._anchor_now = self._anchor_wall
        self._speed = float(speed)

    def wall(self) -> float:
        return time.time()

    def now(self) -> float:
        with self._lock:
            return self._anchor_now + (time.time() - self._anchor_wall) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("Clock speed must be positive.")
        with self._lock:
            wall = time.time()
            self._anchor_now = self._anchor_now + (wall - self._anchor_wall) * self._speed
            self._anchor_wall = wall
            self._speed = float(speed)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._anchor_now += float(seconds)

    def reset(self) -> None:
        with self._lock:
            self._anchor_wall = time.time()
            self._anchor_now = self._anchor_wall
            self._speed = 1.0

"""Reconnect delays: capped decorrelated jitter, reset as soon as a connection is proven."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class Backoff:
    """Decorrelated-jitter backoff with a short cap.

    The first retry after a good connection waits ``uniform(0, base)``; each further one
    ``min(cap, uniform(base, 3 * previous))``, so repeated flaps spread out without the
    long waits of plain exponential growth. ``proven()`` resets it: a socket that got
    subscribed and carried a heartbeat or an event is good, however short it lived.
    ``reset_if_healthy`` still resets after ``healthy_after_s`` connected, for streams
    that cannot tell when they are proven.
    """

    def __init__(
        self,
        base_s: float = 0.25,
        cap_s: float = 5.0,
        healthy_after_s: float = 60.0,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if base_s <= 0 or cap_s <= 0:
            raise ValueError("backoff base and cap must be positive")
        self.base_s = base_s
        self.cap_s = max(cap_s, base_s)
        self.healthy_after_s = healthy_after_s
        self.attempt = 0
        self._previous = 0.0
        self._rng = rng or random.Random()
        self._clock = clock
        self._connected_at: float | None = None

    def next_delay(self) -> float:
        """Count one more failure and return how long to wait before the next try."""
        self.attempt += 1
        self._connected_at = None
        if self.attempt == 1:
            delay = self._rng.uniform(0.0, self.base_s)
        else:
            upper = max(self.base_s, 3 * self._previous)
            delay = min(self.cap_s, self._rng.uniform(self.base_s, upper))
        self._previous = max(delay, self.base_s)
        return delay

    def reset(self) -> None:
        """Forget past failures."""
        self.attempt = 0
        self._previous = 0.0

    def connected(self) -> None:
        """Note that a connection just succeeded (the clock for health starts now)."""
        self._connected_at = self._clock()

    def proven(self) -> bool:
        """The connection carried real traffic: reset now. True if there was anything to reset."""
        had = self.attempt > 0
        self.reset()
        return had

    def reset_if_healthy(self) -> bool:
        """Reset the attempt count if the current connection has been healthy long enough."""
        if self._connected_at is None:
            return False
        if self._clock() - self._connected_at >= self.healthy_after_s:
            had = self.attempt > 0
            self.reset()
            return had
        return False

"""Reconnect delays: exponential growth, full jitter, a cap, and reset after health."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class Backoff:
    """Full-jitter exponential backoff (delay drawn from [0, min(cap, base * 2**n)]).

    ``reset_if_healthy`` forgets past failures once a connection has lived long enough.
    """

    def __init__(
        self,
        base_s: float = 1.0,
        cap_s: float = 60.0,
        healthy_after_s: float = 60.0,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if base_s <= 0 or cap_s <= 0:
            raise ValueError("backoff base and cap must be positive")
        self.base_s = base_s
        self.cap_s = cap_s
        self.healthy_after_s = healthy_after_s
        self.attempt = 0
        self._rng = rng or random.Random()
        self._clock = clock
        self._connected_at: float | None = None

    def ceiling(self, attempt: int) -> float:
        """The largest delay of the given attempt (1-based)."""
        exponent = min(max(attempt - 1, 0), 62)  # avoid float overflow for huge attempts
        return float(min(self.cap_s, self.base_s * (2**exponent)))

    def next_delay(self) -> float:
        """Count one more failure and return how long to wait before the next try."""
        self.attempt += 1
        self._connected_at = None
        return self._rng.uniform(0.0, self.ceiling(self.attempt))

    def connected(self) -> None:
        """Note that a connection just succeeded (the clock for health starts now)."""
        self._connected_at = self._clock()

    def reset_if_healthy(self) -> bool:
        """Reset the attempt count if the current connection has been healthy long enough."""
        if self._connected_at is None:
            return False
        if self._clock() - self._connected_at >= self.healthy_after_s:
            self.attempt = 0
            return True
        return False

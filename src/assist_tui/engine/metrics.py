"""Engine-wide counters and rates, cheap to read at frame rate (governance metrics too)."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from assist_tui.engine.latency import LatencyHistogram


class RateMeter:
    """Events per second over a sliding window of one-second buckets."""

    def __init__(self, window_s: int = 5, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._buckets: deque[tuple[int, int]] = deque()

    def add(self, n: int = 1) -> None:
        second = int(self._clock())
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1] = (second, self._buckets[-1][1] + n)
        else:
            self._buckets.append((second, n))
        self._trim(second)

    def _trim(self, now: int) -> None:
        while self._buckets and self._buckets[0][0] <= now - self.window_s:
            self._buckets.popleft()

    def rate(self) -> float:
        now = int(self._clock())
        self._trim(now)
        # The current second is partial: count whole seconds plus the elapsed fraction.
        total = sum(n for _, n in self._buckets)
        span = (self.window_s - 1) + (self._clock() - now)
        return total / span if span > 0 else 0.0


@dataclass
class EngineMetrics:
    events: int = 0
    utterance_updates: int = 0
    finals: int = 0
    duplicates: int = 0
    confidence_clamps: int = 0
    dropped_late: int = 0
    late: int = 0
    interruptions: int = 0
    hits: int = 0
    insights: int = 0
    redactions: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    stage_errors: Counter[str] = field(default_factory=Counter)  # engine/stage_guard.py
    confidence_total: float = 0.0
    nlp_seconds: float = 0.0
    nlp_batches: int = 0
    nlp_max_batch_s: float = 0.0
    own_latency: LatencyHistogram = field(default_factory=lambda: LatencyHistogram(10_000))
    latency: LatencyHistogram = field(default_factory=lambda: LatencyHistogram(10_000))
    rate: RateMeter = field(default_factory=RateMeter)

    @property
    def mean_confidence(self) -> float | None:
        return self.confidence_total / self.finals if self.finals else None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

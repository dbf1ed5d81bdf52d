"""Latency: how long after the speech an event arrived; bounded histograms of it."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from assist_tui.model import UtteranceUpdate


def speech_latency_ms(update: UtteranceUpdate) -> float | None:
    """Receive time minus when the words were spoken (end of the utterance so far).

    Uses session start + offset + duration when known (the speech itself), else the
    platform's event time. None when the stream gives neither, or when they cannot be
    worked with (a time out of range, one without a zone): this stage never raises.
    """
    try:
        if update.session_start is not None and update.offset_ms is not None:
            spoken = update.session_start + timedelta(
                milliseconds=update.offset_ms + (update.duration_ms or 0)
            )
        elif update.event_time is not None:
            spoken = update.event_time
        else:
            return None
        value = (update.received_at - spoken).total_seconds() * 1000.0
    except (OverflowError, ValueError, TypeError, OSError):
        # Translators bound these; a model built elsewhere may not have been.
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class LatencySummary:
    count: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    under_threshold: float  # share of samples under the warn threshold, 0..1


class LatencyHistogram:
    """The last ``window`` samples for percentiles, plus running totals for the mean."""

    def __init__(self, window: int = 2000, threshold_ms: float = 500.0) -> None:
        self.samples: deque[float] = deque(maxlen=window)
        self.threshold_ms = threshold_ms
        self.count = 0
        self.total_ms = 0.0
        self.under = 0
        self._summary: LatencySummary | None = None  # cached until the next sample

    def add(self, value_ms: float) -> None:
        self._summary = None
        value = max(value_ms, 0.0)  # clock skew can make it negative: count it as instant
        self.samples.append(value)
        self.count += 1
        self.total_ms += value
        if value < self.threshold_ms:
            self.under += 1

    def summary(self) -> LatencySummary | None:
        """Percentiles of the window; computed once per change (a UI asks every frame)."""
        if self._summary is not None:
            return self._summary
        if not self.samples:
            return None
        ordered = sorted(self.samples)

        def pct(p: float) -> float:
            index = min(len(ordered) - 1, max(0, math.ceil(p * len(ordered)) - 1))
            return ordered[index]

        self._summary = LatencySummary(
            count=self.count,
            mean_ms=self.total_ms / self.count,
            p50_ms=pct(0.50),
            p95_ms=pct(0.95),
            p99_ms=pct(0.99),
            under_threshold=self.under / self.count,
        )
        return self._summary

"""Latency thresholds per stream source, and our own processing time apart from it.

The Notifications API publishes transcripts in groups within about 35 s of speech
(GENESYS.md): its delay is the platform's, measured in seconds, and nothing is dropped
as late by default. The seed dialects stream each utterance at once: their delay is in
milliseconds and ``drop_ms`` applies. What assist-tui itself adds (receive to processed)
is measured separately, so a slow platform never hides a slow engine, or the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass

from assist_tui.config import LatencySettings


@dataclass(frozen=True)
class LatencyPolicy:
    source: str
    label: str  # what the delay is, on screen
    warn_ms: float  # a final later than this is marked late
    drop_ms: float | None  # later than this is dropped (None: never)
    own_warn_ms: float  # our own processing above this is flagged


def policy_for(settings: LatencySettings, source: str) -> LatencyPolicy:
    if source == "notifications":
        return LatencyPolicy(
            source,
            "platform delay",
            settings.notifications_warn_ms,
            settings.drop_ms if settings.drop_on_notifications else None,
            settings.own_warn_ms,
        )
    return LatencyPolicy(
        source, "stream delay", settings.warn_ms, settings.drop_ms, settings.own_warn_ms
    )

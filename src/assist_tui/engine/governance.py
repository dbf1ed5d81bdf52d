"""The governance figures (seeds 002/003) of an engine: latency, confidence, counts, health;
one dictionary for ``run --headless``, ``tail`` and the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine


def governance_of(engine: AssistEngine) -> dict[str, Any]:
    """The figures, rounded for people and scripts."""
    m = engine.metrics
    latency = m.latency.summary()
    stream = engine.stream.stats if engine.stream is not None else None
    return {
        "events_per_second": round(m.rate.rate(), 1),
        "events": m.events,
        "finals": m.finals,
        "average_latency_ms": round(latency.mean_ms, 1) if latency else None,
        "latency_p95_ms": round(latency.p95_ms, 1) if latency else None,
        "share_under_warn": round(latency.under_threshold, 3) if latency else None,
        "average_confidence": round(m.mean_confidence, 3) if m.mean_confidence else None,
        "confidence_clamps": m.confidence_clamps,
        "stage_errors": dict(m.stage_errors),
        "dropped_late": m.dropped_late,
        "rejected_frames": dict(m.rejected),
        "duplicates_dropped": m.duplicates + (stream.duplicates_dropped if stream else 0),
        "reconnects": engine.reconnects,
        "stream_gaps": engine.gaps.count,
        "gap_seconds": round(engine.gaps.seconds, 1),
        "backfilled": engine.gaps.backfilled,
        "interruptions": m.interruptions,
        "keyword_hits": m.hits,
        "insights": m.insights,
        "source": engine.platform.source,
        "redactions": dict(m.redactions),
        "audit_counts": dict(engine.audit.counts),
    }

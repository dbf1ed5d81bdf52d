"""Latency read per source: on the Notifications source with the platform's timing, the
platform's delay is measured against its own threshold, nothing is dropped as late, and
our own processing time is kept apart (per conversation and overall)."""

from __future__ import annotations

from pathlib import Path

from assist_tui.config import LatencySettings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.latency_policy import policy_for
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.snapshot import take_view

from .conftest import emulator_settings, wait_until
from .test_engine_e2e import ended, running_engine


def test_thresholds_per_source() -> None:
    settings = LatencySettings(drop_ms=800)
    notifications = policy_for(settings, "notifications")
    assert notifications.warn_ms == 40000 and notifications.drop_ms is None
    assert notifications.label == "platform delay"
    seed = policy_for(settings, "transcription")
    assert seed.warn_ms == 500 and seed.drop_ms == 800
    both = policy_for(LatencySettings(drop_ms=800, drop_on_notifications=True), "notifications")
    assert both.drop_ms == 800


async def test_platform_timing_is_not_late_and_ours_is_shown_apart(
    tmp_path: Path, matcher: KeywordMatcher
) -> None:
    settings = emulator_settings(timing="platform", group_window_s=1.0, status_interval_s=0.5)
    async with EmulatorServer(settings) as server:
        call = server.emulator.director.prepare("cancellation-retention")
        async with running_engine(
            server, tmp_path, matcher, [call], latency={"drop_ms": 800.0}
        ) as engine:
            server.emulator.director.start(call, speed=20)
            await wait_until(lambda: ended(engine, call))
            state = engine.conversations[call.conversation_id]
            await wait_until(lambda: state.finals == len(call.finals_sent))
            view = take_view(engine, call.conversation_id)
    gauges = view.gauges
    assert gauges is not None and gauges.latency is not None
    # Grouped finals wait for their group: well past the seed dialects' 500 ms...
    assert gauges.latency.p95_ms > 500
    # ...yet none is late or dropped on this source.
    assert engine.metrics.dropped_late == 0 and engine.metrics.late == 0
    assert gauges.latency_label == "platform delay" and gauges.warn_ms == 40000
    # Our own time is measured apart, per conversation and overall.
    assert gauges.own_latency is not None and gauges.all_own_latency is not None
    assert gauges.own_latency.count == state.own_latency.count > 0

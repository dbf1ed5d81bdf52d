"""``assist-tui run --headless``: the whole engine without the UI, a status line every
few seconds. For servers, scripts and tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from typing import TextIO

from assist_tui.audit.opening import open_store
from assist_tui.cli_checks import require_known
from assist_tui.config import Settings, store_paths
from assist_tui.engine import recording
from assist_tui.engine.engine import AssistEngine
from assist_tui.headless_board import alert_lines, board_json, board_segment
from assist_tui.platform import open_platform
from assist_tui.sinks.outbox import Outbox
from assist_tui.stop_signals import forget_signals, stop_on_signals


def status_line(engine: AssistEngine, label: str) -> str:
    m = engine.metrics
    health = engine.health.state.value if engine.health else "starting"
    lat = m.latency.summary()
    p95 = f"{lat.p95_ms:.0f} ms" if lat else "-"
    under = f"{lat.under_threshold * 100:.0f}%" if lat else "-"
    live = sum(1 for s in engine.conversations.values() if s.ended_at is None)
    paused = sum(1 for s in engine.conversations.values() if s.paused)
    webhook = ""
    if engine.deliverer is not None:
        webhook = f" | webhook {engine.deliverer.delivered} ok {engine.deliverer.failed} failed"
    pushes = engine.pusher.outcomes.get("delivered", 0)
    return (
        f"{label} {health} | live {live} paused {paused} | {m.rate.rate():.1f} ev/s"
        f" | finals {m.finals} hits {m.hits} pushes {pushes}{webhook}"
        f" | latency p95 {p95} <{engine.latency_policy.warn_ms:.0f}ms {under}"
        f" | rejected {m.rejected_total}"
        f" | reconnects {engine.reconnects}"
        f" | gaps {engine.gaps.count} ({engine.gaps.seconds:.1f} s missing,"
        f" {engine.gaps.backfilled} backfilled)"
        + (f" | stage errors {sum(m.stage_errors.values())}" if m.stage_errors else "")
        + board_segment(engine)
    )


async def run_headless(
    settings: Settings,
    *,
    conversations: list[str] | None = None,
    interval_s: float = 5.0,
    duration_s: float | None = None,
    out: TextIO = sys.stdout,
) -> int:
    audit_path, outbox_path = store_paths(settings)
    stop = stop_on_signals()
    audit = open_store(audit_path, settings.audit)
    outbox = Outbox(outbox_path)
    recorder: recording.Recorder | None = None
    try:
        async with open_platform(settings) as platform:
            await require_known(platform.session.api, conversations or [])
            engine = AssistEngine(
                settings, platform, audit=audit, outbox=outbox, conversations=conversations or None
            )
            recorder = recording.attach(engine, settings.record, platform.source)  # replay FILE
            print(f"assist-tui engine: {platform.label}; audit {audit_path}", file=out, flush=True)
            runner = asyncio.create_task(engine.run(), name="engine")

            async def report() -> None:
                while True:
                    await asyncio.sleep(interval_s)
                    print(status_line(engine, platform.label.split()[0]), file=out, flush=True)
                    for line in alert_lines(engine):
                        print(line, file=out, flush=True)
                    for notice in engine.notices:
                        print(f"note: {notice}", file=out, flush=True)
                    engine.notices.clear()

            reporter = asyncio.create_task(report())
            waiter = asyncio.create_task(stop.wait())
            try:
                await asyncio.wait(
                    [runner, waiter], timeout=duration_s, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                for task in (reporter, waiter, runner):
                    task.cancel()
                for task in (reporter, waiter):
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            with contextlib.suppress(asyncio.CancelledError):
                await runner  # re-raises a crash of the engine
            print(status_line(engine, "final:"), file=out, flush=True)
            print("governance: " + json.dumps(engine.governance()), file=out, flush=True)
            print("board: " + board_json(engine), file=out, flush=True)
    finally:
        if recorder is not None:
            recorder.close()
        audit.close()
        outbox.close()
        forget_signals()
    return 0

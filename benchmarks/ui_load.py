"""Dashboard under load: key-press to repaint and frame time while events pour in.

An emulator process generates synthetic conversations at 1,000 and then 5,000
events/s; the real dashboard (engine in its worker) follows them all. For each load it
measures, after a warm-up: key-press to repaint (a cursor key posted to the app, until
the table's cursor has moved and the next screen update has run), the time of each frame
(the 12 Hz refresh that reads engine state), and the time to the first frame. Pilot's
own press/pause wait for a fully idle app, which a busy dashboard never is, so the key
is posted directly and its effect polled every millisecond.

The emulator stands in for Genesys Cloud, which runs on other machines. By default it
runs at the engine process's niceness, so on a small machine it takes the CPU the
dashboard leaves, as the demo's emulator (inside the engine process) does;
``--emulator-nice 0`` makes it compete with the dashboard as an equal instead.

    .venv/bin/python benchmarks/ui_load.py [--presses 300] [--emulator-nice 0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from _emulator import CLIENT_ID, CLIENT_SECRET, start_emulator
from textual import events

from assist_tui.config import Settings
from assist_tui.engine.host import ENGINE_NICENESS
from assist_tui.ui.app import AssistApp
from assist_tui.ui.panes import ConversationTable


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


async def measure(url: str, sink: str, presses: int, warmup_s: float) -> dict[str, float]:
    settings = Settings.model_validate(
        {
            "genesys": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "api_base_url": url,
                "login_base_url": url,
            },
            "webhook": {"url": f"{sink}/emulator/knowledge"},
            "stream": {"heartbeat_interval_s": 30},
            "nlp": {"trained_pipeline": ""},
        }
    )
    app = AssistApp(settings, export_dir=Path(tempfile.mkdtemp()))
    key_ms: list[float] = []
    async with app.run_test(size=(150, 42)) as pilot:
        while len(app.rows) < 5:
            await pilot.pause(0.1)
        await pilot.pause(warmup_s)
        assert app.view is not None
        events_before = app.view.events
        began = time.perf_counter()
        table = app.query_one(ConversationTable)
        for i in range(presses):
            row = table.cursor_row
            started = time.perf_counter()
            app.post_message(events.Key("down" if i % 2 == 0 else "up", None))
            while table.cursor_row == row and time.perf_counter() - started < 10:
                await asyncio.sleep(0.001)
            # Then until the compositor has painted what the key changed.
            compositor = app.screen._compositor
            while compositor._dirty_regions and time.perf_counter() - started < 10:
                await asyncio.sleep(0.001)
            key_ms.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)
        rate = (app.view.events - events_before) / (time.perf_counter() - began)
        frames = [s * 1000 for s in list(app.frame_seconds)[-2000:]]
        first = (app.first_frame_s or float("nan")) * 1000
    return {
        "rate": rate,
        "key_p50": pct(key_ms, 0.5),
        "key_p99": pct(key_ms, 0.99),
        "frame_p50": pct(frames, 0.5),
        "frame_p99": pct(frames, 0.99),
        "frame_mean": statistics.fmean(frames) if frames else float("nan"),
        "first_frame": first,
        "over_50": sum(1 for k in key_ms if k > 50),
        "worst": sorted(key_ms)[-3:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--rates", default="1000,5000")
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument(
        "--emulator-nice",
        type=int,
        default=ENGINE_NICENESS,
        help="niceness of the emulator processes (default: the engine's)",
    )
    args = parser.parse_args()
    os.environ.setdefault("ASSIST_TUI_LOG_DIR", tempfile.mkdtemp(prefix="assist-ui-log-"))
    os.environ.setdefault("ASSIST_TUI_DATA_DIR", tempfile.mkdtemp(prefix="assist-ui-data-"))
    print(f"emulator niceness {args.emulator_nice}, engine niceness {ENGINE_NICENESS}")
    print("offered ev/s | handled ev/s | key->repaint p50 / p99 | frame p50 / p99 | first frame")
    for rate in (float(r) for r in args.rates.split(",")):
        emulator, url = start_emulator(args.conversations, rate, args.emulator_nice)
        sink, sink_url = start_emulator(0, 0, args.emulator_nice)
        try:
            r = asyncio.run(measure(url, sink_url, args.presses, args.warmup))
        finally:
            for process in (emulator, sink):
                process.terminate()
                process.wait(timeout=15)
        print(
            f"{rate:12.0f} | {r['rate']:12.0f} | {r['key_p50']:7.1f} / {r['key_p99']:6.1f} ms"
            f" | {r['frame_p50']:5.1f} / {r['frame_p99']:5.1f} ms | {r['first_frame']:6.0f} ms"
        )
        worst = ", ".join(f"{w:.0f}" for w in r["worst"])
        print(f"{'':12} | {r['over_50']} of {args.presses} presses over 50 ms; worst {worst} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

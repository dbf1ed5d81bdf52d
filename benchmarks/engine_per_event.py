"""Engine cost per transcription event, socket-free, beside a bare ``json.loads`` loop.

The frames are the load emulator's own (emulator/frame_mix.py): ``--conversations``
synthetic calls played round robin, partials and finals in their real mix, session ends
included; only ``v2.conversations.{id}.transcription`` frames are kept. In one run the
script times, over the same frames:

- bare:   ``json.loads`` of each frame;
- decode: the frame decoder (size check, bounded JSON, envelope, validation, translation);
- engine: decode, then ``AssistEngine.process`` of every event (frame guard, latency,
  redaction, conversation state, quality, audit, outbox record, call-board stages), with
  the engine's own NLP worker (spaCy, finals only) running between slices as in a live
  run, and the audit flushed to SQLite at the end. This is the per-event figure.
- "before": decode and engine again with every fast path off (engine/fast_paths.py: the
  validating decoder, json, the full redaction reading, spaCy on every final, Python's
  default collector), the code paths as they were, same frames, same run.

    .venv/bin/python benchmarks/engine_per_event.py [--frames 20000] [--conversations 500]

Each figure is the best of ``--repeat`` passes (a fresh engine each pass), in CPU time
of this process. The machine's speed drifts from run to run, so the figure to compare
with issue 16's target (80 µs where json.loads took 12: 6.67 times) is the ratio: each
pass's engine time over the bare loop's run just before it, the median over the passes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from assist_tui.audit.store import AuditStore
from assist_tui.config import GenesysSettings, Settings
from assist_tui.emulator.frame_mix import load_frames
from assist_tui.engine import fast_paths, gc_policy
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.rules import load_rules
from assist_tui.genesys.notification_frames import decode_frame
from assist_tui.genesys.session import GenesysSession
from assist_tui.model import utc_now
from assist_tui.platform import Platform

MAX_BYTES = 1 << 22
# CPU time of this process: on a machine shared with other work, wall time would count
# the time others ran; everything measured here runs on this one thread.
CLOCK = time.process_time
SLICE = 64  # frames between yields to the loop, where the NLP worker runs


def transcription_frames(count: int, conversations: int) -> list[str]:
    """``count`` transcription frames of the emulator's load mix (queue events left out)."""
    wanted = count
    while True:
        every = load_frames(wanted, conversations)
        frames = [f for f in every if '.transcription","' in f[:120]]
        if len(frames) >= count:
            return frames[:count]
        wanted += count - len(frames) + conversations


def bare(frames: list[str]) -> float:
    started = CLOCK()
    for raw in frames:
        json.loads(raw)
    return CLOCK() - started


def decode_only(frames: list[str]) -> float:
    now = utc_now()
    started = CLOCK()
    for raw in frames:
        decode_frame(raw, max_bytes=MAX_BYTES, received_at=now)
    return CLOCK() - started


async def engine_pass(
    frames: list[str], matcher: KeywordMatcher, data: Path, *, fast: bool = True
) -> tuple[float, AssistEngine]:
    settings = Settings.model_validate(
        {
            "nlp": {"trained_pipeline": ""},
            "push": {"enabled": False},
            "webhook": {"url": "http://127.0.0.1:9/knowledge"},  # outbox records, not posted
        }
    )
    # Never contacted: the engine only needs a platform to exist.
    session = GenesysSession(GenesysSettings(api_base_url="http://127.0.0.1:9"))
    audit = AuditStore(data / "audit.sqlite3")
    engine = AssistEngine(
        settings, Platform(session, "BENCH", settings.stream), audit=audit, matcher=matcher
    )
    engine.webhook_url = settings.webhook.url
    if fast:
        gc_policy.apply()  # as AssistEngine.run() does
    worker = asyncio.create_task(engine._nlp_worker())
    queue = engine._nlp_queue
    started = CLOCK()
    for index, raw in enumerate(frames):
        decoded = decode_frame(raw, max_bytes=MAX_BYTES, received_at=utc_now())
        for event in decoded.events:
            await engine.process(event)
        if index % SLICE == 0:
            await asyncio.sleep(0)
    while not queue.empty():
        await asyncio.sleep(0)
    await asyncio.sleep(0)  # the last batch's hits
    audit.flush()
    spent = CLOCK() - started
    worker.cancel()
    audit.close()
    return spent, engine


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-before",
        dest="before",
        action="store_false",
        help="skip the passes with every fast path off (engine/fast_paths.py)",
    )
    args = parser.parse_args()
    os.environ.setdefault("ASSIST_TUI_LOG_DIR", tempfile.mkdtemp(prefix="assist-bench-log-"))

    frames = transcription_frames(args.frames, args.conversations)
    finals = sum('"isFinal":true' in f for f in frames)
    ends = sum('"SESSION_ENDED"' in f for f in frames)
    matcher = KeywordMatcher(load_rules(), trained_pipeline=None)

    best = dict.fromkeys(("bare", "decode", "engine", "decode_before", "engine_before"), 1e9)
    engine = None
    ratios: list[float] = []  # each pass's engine time over the bare loop's beside it
    for _ in range(args.repeat):
        bare_s = bare(frames)
        best["bare"] = min(best["bare"], bare_s)
        best["decode"] = min(best["decode"], decode_only(frames))
        with tempfile.TemporaryDirectory(prefix="assist-bench-") as tmp:
            spent, engine = asyncio.run(engine_pass(frames, matcher, Path(tmp)))
        best["engine"] = min(best["engine"], spent)
        ratios.append(spent / bare_s)
        if args.before:
            with fast_paths.disabled(matcher):
                best["decode_before"] = min(best["decode_before"], decode_only(frames))
                with tempfile.TemporaryDirectory(prefix="assist-bench-") as tmp:
                    spent, _ = asyncio.run(engine_pass(frames, matcher, Path(tmp), fast=False))
                best["engine_before"] = min(best["engine_before"], spent)
    assert engine is not None
    n = len(frames)
    size = sum(len(f) for f in frames) / n
    m = engine.metrics
    print(
        f"frames                  : {n} transcription frames of {args.conversations} calls "
        f"({n - finals - ends} partials, {finals} finals, {ends} ends; {size:.0f} bytes avg)"
    )
    rows = [("bare", "bare json.loads"), ("decode", "decode only"), ("engine", "decode + engine")]
    if args.before:
        rows += [
            ("decode_before", "decode only, before"),
            ("engine_before", "decode + engine, before"),
        ]
    for name, label in rows:
        print(f"{label:24}: {best[name] * 1e6 / n:7.1f} µs/event")
    print(
        f"engine finals {m.finals}, hits {m.hits}, duplicates {m.duplicates}, "
        f"NLP {m.nlp_seconds * 1e6 / n:.1f} µs/event of it, "
        f"stage errors {sum(m.stage_errors.values())}"
    )
    # The machine's speed drifts between runs (json.loads alone has run at 11 to 24
    # µs/event here): the target is a ratio, 80 µs where json.loads took 12.
    print(
        f"engine / json.loads     : {statistics.median(ratios):7.2f} x, median of "
        f"{len(ratios)} passes ({min(ratios):.2f}-{max(ratios):.2f}; target 80/12 = 6.67)"
    )
    per_event = best["engine"] / n
    print(f"one core follows        : {1 / per_event / 2:7.0f} conversations at 2 events/s each")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

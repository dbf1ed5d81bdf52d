"""A shift through the engine: calls that start, talk and end over time, with the board's
linger letting ended calls leave. Resident memory must stay under 300 MB with a flat curve
(issue 14): the engine frees a call's state when it leaves the board.

    .venv/bin/python benchmarks/shift.py [--calls 2000] [--concurrent 40] [--turns 12]

Simulated time (events carry their own times; the board's tick is driven with them), so a
shift of hours runs in a minute or two. No sockets: events go to ``engine.process``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from assist_tui.audit.store import AuditStore
from assist_tui.config import GenesysSettings, Settings
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.rules import load_rules
from assist_tui.genesys.session import GenesysSession
from assist_tui.model import (
    ConversationEnded,
    ConversationStarted,
    Speaker,
    UtteranceUpdate,
    Word,
)
from assist_tui.platform import Platform

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
LINES = [
    (Speaker.AGENT, "Thanks for calling, this call is recorded for quality, how can I help"),
    (Speaker.CUSTOMER, "I have a problem with my last bill and I am not happy about it"),
    (Speaker.AGENT, "I'm sorry to hear that, let me pull up the account for you now"),
    (Speaker.CUSTOMER, "It says I owe forty dollars more than last month which is wrong"),
    (Speaker.AGENT, "I see a late fee there, I can waive it for you today"),
    (Speaker.CUSTOMER, "Great, thank you, that is really helpful"),
]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def call_events(n: int, start: datetime, turns: int) -> list[object]:
    cid = f"shift-{n:05d}"
    events: list[object] = [ConversationStarted(conversation_id=cid, started_at=start)]
    offset = 0
    for i in range(turns):
        speaker, text = LINES[(i + n) % len(LINES)]
        words, t = [], offset
        for w in text.split():
            words.append(Word(text=w, confidence=0.9, offset_ms=t, duration_ms=300))
            t += 340
        events.append(
            UtteranceUpdate(
                conversation_id=cid,
                speaker=speaker,
                utterance_id=f"{cid}-{i}",
                text=text,
                words=tuple(words),
                confidence=0.9,
                is_final=True,
                offset_ms=offset,
                duration_ms=t - offset,
                received_at=start + timedelta(milliseconds=t + 400),
            )
        )
        offset = t + 800
    events.append(
        ConversationEnded(
            conversation_id=cid,
            reason="disconnect",
            received_at=start + timedelta(milliseconds=offset + 1000),
        )
    )
    return events


async def shift(calls: int, concurrent: int, turns: int, tmp: Path) -> None:
    settings = Settings.model_validate(
        {"nlp": {"trained_pipeline": ""}, "push": {"enabled": False}, "alerts": {"linger_s": 120}}
    )
    session = GenesysSession(GenesysSettings(api_base_url="http://127.0.0.1:9"))
    engine = AssistEngine(
        settings,
        Platform(session, "DEMO", settings.stream),
        audit=AuditStore(tmp / "audit.sqlite3"),
        matcher=KeywordMatcher(load_rules(), trained_pipeline=None),
    )
    call_s = turns * 5  # each call lasts about this long in simulated time
    gap = timedelta(seconds=call_s / concurrent)  # starts spaced so ~concurrent are live
    print(f"{'calls':>6} {'on board':>8} {'ended kept':>10} {'RSS MB':>7}")
    started = time.perf_counter()
    peak = 0.0
    samples = []
    for n in range(calls):
        now = T0 + gap * n
        for event in call_events(n, now, turns):
            await engine.process(event)  # type: ignore[arg-type]
        while not engine._nlp_queue.empty():  # no NLP worker here: its queue is drained
            engine._nlp_queue.get_nowait()
        engine.board.tick(now)
        if n % 50 == 0:
            engine.audit.flush()
        if n % 200 == 0 or n == calls - 1:
            mb = rss_mb()
            peak = max(peak, mb)
            samples.append(mb)
            print(f"{n:6} {len(engine.conversations):8} {len(engine.board.ended):10} {mb:7.1f}")
    engine.audit.flush()
    half = samples[len(samples) // 2 :]
    print(
        f"{calls} calls in {time.perf_counter() - started:.0f} s; "
        f"simulated shift {gap * calls}; peak RSS {peak:.0f} MB; "
        f"second half {min(half):.0f}-{max(half):.0f} MB"
    )
    await session.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrent", type=int, default=40)
    parser.add_argument("--turns", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(shift(args.calls, args.concurrent, args.turns, Path(tmp)))


if __name__ == "__main__":
    main()

"""The call board's stages (sentiment, talk analytics, rules and alerts) per final, in µs:
the target is at most 100 µs together on this machine (issue 14).

    .venv/bin/python benchmarks/stages_cost.py [--finals 20000] [--calls 50]

Finals are realistic turns with word timings, spread over ``--calls`` calls, through the
built-in alert rules; nothing is audited to disk (a store in a temp dir, flushed at the end).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from assist_tui.audit.store import AuditStore
from assist_tui.engine.alert_rules import load_alert_rules
from assist_tui.engine.stages.alerts import AlertStage
from assist_tui.engine.stages.sentiment import SentimentStage
from assist_tui.engine.stages.talk import TalkStage
from assist_tui.model import Speaker, UtteranceUpdate, Word

TURNS = [
    (Speaker.AGENT, "Thank you for calling, this call is recorded for quality. How can I help?"),
    (Speaker.CUSTOMER, "I was charged twice this month and honestly I'm really annoyed."),
    (Speaker.AGENT, "I'm sorry about that, let me look into the duplicate charge for you."),
    (Speaker.CUSTOMER, "If this keeps happening I will cancel my account."),
    (Speaker.AGENT, "I understand. I can offer you a credit and waive the fee this month."),
    (Speaker.CUSTOMER, "Okay, that's helpful, thank you for sorting it out."),
]
T0 = datetime(2026, 3, 2, 14, 30, tzinfo=timezone.utc)


def finals(n: int, calls: int) -> list[UtteranceUpdate]:
    rng = random.Random(7)
    out = []
    offsets = [0] * calls
    for i in range(n):
        c = i % calls
        speaker, text = TURNS[(i // calls) % len(TURNS)]
        words, t = [], offsets[c]
        for w in text.split():
            d = rng.randint(180, 420)
            words.append(Word(text=w, confidence=0.9, offset_ms=t, duration_ms=d))
            t += d + rng.randint(20, 120)
        out.append(
            UtteranceUpdate(
                conversation_id=f"call-{c}",
                speaker=speaker,
                utterance_id=f"u{i}",
                text=text,
                words=tuple(words),
                confidence=0.9,
                is_final=True,
                offset_ms=offsets[c],
                duration_ms=t - offsets[c],
                received_at=T0 + timedelta(milliseconds=t),
            )
        )
        offsets[c] = t + rng.randint(-600, 1500) if t > 600 else t + 200
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--finals", type=int, default=20000)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    events = finals(args.finals, args.calls)
    with tempfile.TemporaryDirectory() as tmp:
        audit = AuditStore(Path(tmp) / "audit.sqlite3")
        sentiment, talk = SentimentStage(), TalkStage()
        alerts = AlertStage(load_alert_rules(), audit)
        spent = {"sentiment": 0.0, "talk": 0.0, "alerts": 0.0}
        clock = time.perf_counter
        for u in events:
            a = clock()
            sentiment.on_final(u, u.text)
            b = clock()
            talk.on_final(u)
            c = clock()
            alerts.on_final(u, u.text, sentiment.calls.get(u.conversation_id), 300.0)
            d = clock()
            spent["sentiment"] += b - a
            spent["talk"] += c - b
            spent["alerts"] += d - c
        tick_start = clock()
        for cid in list(alerts.calls):
            alerts.tick(cid, T0 + timedelta(minutes=5), talk.calls.get(cid), False)
        tick_us = (clock() - tick_start) * 1e6 / max(1, len(alerts.calls))
        audit.flush()
        audit.close()
    n = len(events)
    total = sum(spent.values())
    for name, s in spent.items():
        print(f"{name:10} {s * 1e6 / n:7.1f} µs per final")
    print(f"{'together':10} {total * 1e6 / n:7.1f} µs per final ({n} finals, {args.calls} calls)")
    print(f"tick       {tick_us:7.1f} µs per call (rule windows, silence, overtalk)")
    print(f"alerts raised: {len(alerts.alerts)} (kept for the view, at most 200)")


if __name__ == "__main__":
    main()

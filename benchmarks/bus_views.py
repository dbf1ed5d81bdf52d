"""What a call's view costs on the bus: the serving engine encoding it (``call_view``:
row and gauges every time, the transcript only when it changed) and a dashboard decoding
it (the row alone for the board, the whole view for the call it shows).

A call of N final lines (one sentence each) is built in memory; no sockets, no NATS.

    .venv/bin/python benchmarks/bus_views.py --lines 50 500 --seconds 1
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from assist_tui.bus import codec
from assist_tui.bus.codec import CallView
from assist_tui.engine.conversation import ConversationState
from assist_tui.engine.snapshot import content_of, gauges_of, row_of
from assist_tui.model import Speaker, UtteranceUpdate, utc_now

SENTENCE = "I was charged twice for the same purchase last week and I would like it fixed"


def call_of(lines: int) -> ConversationState:
    state = ConversationState("c0ffee00-1234-4abc-9def-0123456789ab")
    state.queue_id = "billing"
    start = utc_now()
    for i in range(lines):
        update = UtteranceUpdate(
            conversation_id=state.conversation_id,
            speaker=Speaker.AGENT if i % 2 else Speaker.CUSTOMER,
            utterance_id=f"u-{i}",
            text=SENTENCE,
            confidence=0.9,
            is_final=True,
            offset_ms=i * 4000,
            duration_ms=3500,
            received_at=start + timedelta(seconds=4 * i),
        )
        state.apply(update, update.text, redacted=False)
    return state


def per_call_us(work: Callable[[], Any], seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        work()
        done += 1
    return (time.perf_counter() - started) / done * 1e6


def measure(lines: int, seconds: float) -> str:
    state = call_of(lines)
    content = codec.encode(codec.ConversationContent, content_of(state))

    def head_only() -> bytes:  # the transcript unchanged: cached, not encoded
        return (
            b'{"row":'
            + codec.encode(codec.ConversationRow, row_of(state))
            + b',"gauges":'
            + codec.encode(codec.ConversationGauges, gauges_of(state))
            + b',"content":'
            + content
            + b"}"
        )

    def whole() -> bytes:
        view = CallView(row_of(state), gauges_of(state), content_of(state))
        return codec.encode(CallView, view)

    value = head_only()  # laid out as the publisher puts it (the row first)
    assert codec.decode(CallView, value) == codec.decode(CallView, whole())
    return (
        f"{lines:4d} lines, view {len(value) / 1024:6.1f} KiB | engine: encode "
        f"{per_call_us(head_only, seconds):7.1f} us (transcript unchanged), "
        f"{per_call_us(whole, seconds):7.1f} us (changed) | dashboard: row "
        f"{per_call_us(lambda: codec.row_of_view(value), seconds):7.1f} us, "
        f"whole view {per_call_us(lambda: codec.decode(CallView, value), seconds):7.1f} us"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    for lines in args.lines:
        print(measure(lines, args.seconds))


if __name__ == "__main__":
    main()

"""What recording costs per event, in µs: the tap's recorder (encode and write a JSON line
to a private file) and the replay's decoding, against a bare ``json.loads`` of the same
lines in the same run.

    .venv/bin/python benchmarks/recording_cost.py [--events 20000] [--gzip]

Events are utterance updates with word timings, like the emulator's (about 1.2 kB a line).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from assist_tui.config import RecordSettings
from assist_tui.engine.recorded import Recording, decode
from assist_tui.engine.recording import Recorder, encode
from assist_tui.model import Speaker, UtteranceUpdate, Word

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=timezone.utc)
TEXT = "I was charged twice this month and honestly I am really annoyed about it"


def events(n: int) -> list[tuple[datetime, UtteranceUpdate]]:
    out = []
    for i in range(n):
        words = tuple(
            Word(text=w, confidence=0.9, offset_ms=300 * k, duration_ms=250)
            for k, w in enumerate(TEXT.split())
        )
        at = T0 + timedelta(milliseconds=50 * i)
        update = UtteranceUpdate(
            conversation_id=f"call-{i % 50}",
            speaker=Speaker.CUSTOMER,
            utterance_id=f"u{i}",
            text=TEXT,
            words=words,
            confidence=0.9,
            is_final=i % 3 == 0,
            received_at=at,
        )
        out.append((at, update))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args()
    items = events(args.events)
    n = len(items)
    with tempfile.TemporaryDirectory() as tmp:
        settings = RecordSettings(path=Path(tmp), gzip=args.gzip, max_file_mb=10_000)
        recorder = Recorder(settings, "notifications").start()
        started = time.perf_counter()
        for at, event in items:
            recorder(event, at)
        recorder.close()
        record_s = time.perf_counter() - started
        lines = [encode(e, at) for at, e in items]
        started = time.perf_counter()
        for line in lines:
            json.loads(line)
        loads_s = time.perf_counter() - started
        started = time.perf_counter()
        for line in lines:
            decode(line)
        decode_s = time.perf_counter() - started
        started = time.perf_counter()
        played = sum(1 for _ in Recording(Path(tmp)).events())
        read_s = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    assert played == n
    print(f"{n} events, {size / n:.0f} bytes each on disk (gzip {args.gzip})")
    print(f"record (encode + write):  {record_s / n * 1e6:6.1f} µs/event")
    print(f"bare json.loads:          {loads_s / n * 1e6:6.1f} µs/event")
    print(f"decode (json + validate): {decode_s / n * 1e6:6.1f} µs/event")
    print(f"read the file back:       {read_s / n * 1e6:6.1f} µs/event")


if __name__ == "__main__":
    main()

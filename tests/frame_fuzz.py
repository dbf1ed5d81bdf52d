"""Valid frames from the emulator's encoders, and a seeded mutator that breaks them the
ways the wire can: deep nesting, huge integers, bad times, wrong types, truncation,
unicode. Shared by the totality tests (a helper, not a test module)."""

from __future__ import annotations

import base64
import json
import random
from datetime import datetime, timezone
from typing import Any

from assist_tui.config import EmulatorSettings
from assist_tui.emulator import dialect_wire, platform_wire, wire
from assist_tui.emulator.core import Emulator

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
RAW = "\x00RAW\x00"  # stands for a raw JSON token spliced in after dumping


def valid_frames() -> dict[str, list[str]]:
    """Per entry point ("notifications" or a dialect name): frames as the emulator writes them."""
    emu = Emulator(EmulatorSettings(seed=5))
    call = emu.director.prepare("cancellation-retention")
    final = next(e for e in call.events if e.is_final and "cancel" in e.text.lower())
    partial = next(e for e in call.events if not e.is_final)
    pid = call.participant_ids[final.speaker]
    topic = wire.transcription_topic(call.conversation_id)
    return {
        "notifications": [
            wire.envelope(topic, wire.transcription_body(call, final, NOW)),
            wire.envelope(topic, wire.transcription_body(call, partial, NOW)),
            wire.envelope(topic, wire.session_ended_body(call, NOW, 90_000)),
            wire.envelope(wire.queue_topic("q-1"), platform_wire.queue_event(call, "connected")),
            wire.heartbeat(),
            wire.socket_closing("ch-1"),
        ],
        "transcription": [
            dialect_wire.transcription_segments(
                call, partial, audio=True, interrupted=True, participant_id=pid
            ),
            dialect_wire.transcription_text(call, final, pid),
            json.dumps({"type": "error", "code": 429, "message": "slow down"}),
        ],
        "transcripts": [dialect_wire.transcripts_frame(call, final, NOW)],
        "insights": [json.dumps(dialect_wire.insights_for(call, final)[0])],
        "conversations-stream": [dialect_wire.stream_transcript(call, final)],
    }


def _deep(depth: int, rng: random.Random) -> str:
    opener, closer = rng.choice((("[", "]"), ('{"a":', "}")))
    return opener * depth + "1" + closer * depth


# Raw JSON tokens (spliced in as text: json.dumps could not write most of them).
RAW_TOKENS: list[str] = [
    "1" + "0" * 15,  # offsetMs = 10^15
    "1" + "0" * 17,  # sessionStartTimeMs past year 9999
    "9" * 400,  # 400 digits: overflows datetime and float conversions
    "9" * 5000,  # past Python's int-from-string limit
    "-" + "9" * 30,
    "-1",
    "-86400000000",
    "1e308",
    "1e999",  # parses to inf
    "-1e999",
    "NaN",
    "Infinity",
    "-Infinity",
    "1.5",
    "0",
    '"2026-01-01T00:00:00"',  # no zone
    '"2026-01-01T00:00:00.123"',
    '"0001-01-01T00:00:00+14:00"',
    '"9999-12-31T23:59:59-14:00"',
    '"9999-12-31T23:59:59.999999Z"',
    '"2026-13-45T99:99:99Z"',
    '"not a time"',
    '""',
    '"\\ud800"',  # lone surrogate
    '"\\udfff tail"',
    '"\\ud83d\\ude00 emoji"',
    '"\\u0000nul"',
    '"\\u202eright-to-left"',
    '"' + "x" * 5000 + '"',
    "true",
    "false",
    "null",
    "[]",
    "{}",
    '{"x": [1, {"y": null}]}',
    "[1, 2, 3]",
]


def _nodes(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(tree, dict):
        for key, child in tree.items():
            found += _nodes(child, (*prefix, key))
    elif isinstance(tree, list):
        for index, child in enumerate(tree):
            found += _nodes(child, (*prefix, index))
    return found


class Mutator:
    """Seeded: the same seed gives the same frames, so a failure can be replayed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        # A valid frame's paths depend only on its text: walked once, not per mutation.
        self._paths: dict[str, list[tuple[Any, ...]]] = {}

    def token(self) -> str:
        rng = self.rng
        if rng.random() < 0.12:
            return _deep(rng.choice((33, 40, 200, 990, 1500, 5000, 100_000)), rng)
        return rng.choice(RAW_TOKENS)

    def frame(self, valid: str) -> str | bytes:
        rng = self.rng
        choice = rng.random()
        if choice < 0.08:  # truncated
            return valid[: rng.randrange(len(valid))]
        if choice < 0.12:  # bytes flipped, maybe no longer UTF-8
            data = bytearray(valid.encode())
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            return bytes(data)
        if choice < 0.14:  # base64 of the frame (binary frames of seed 002)
            return base64.b64encode(valid.encode())
        tree = json.loads(valid)
        paths = self._paths.get(valid)
        if paths is None:
            paths = self._paths[valid] = [p for p in _nodes(tree) if p]
        raws: list[str] = []
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            path = rng.choice(paths)
            node = tree
            try:
                for step in path[:-1]:
                    node = node[step]
                if rng.random() < 0.1:
                    del node[path[-1]]
                else:
                    node[path[-1]] = RAW
                    raws.append(self.token())
            except (KeyError, IndexError, TypeError):
                continue  # an earlier mutation removed the way there
        text = json.dumps(tree, ensure_ascii=rng.random() < 0.5)
        marker = json.dumps(RAW)
        for raw in raws:
            text = text.replace(marker, raw, 1)
        return text

"""Property tests for the four seed-dialect translators: arbitrary and mutated frames never
make ``decode`` raise, and every rejection carries a reason."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assist_tui.config import DialectSettings, EmulatorSettings
from assist_tui.emulator import dialect_wire
from assist_tui.emulator.core import Emulator
from assist_tui.genesys.dialect_stream import DIALECTS
from assist_tui.genesys.dialects.base import Decoded, Dialect
from assist_tui.model import RejectedFrame

from .test_frame_properties import _paths, json_values, mutate

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _valid_frames() -> dict[str, list[str]]:
    """Frames as the emulator writes them, from a scripted call."""
    emu = Emulator(EmulatorSettings(seed=11))
    call = emu.director.prepare("cancellation-retention")
    final = next(e for e in call.events if e.is_final and "cancel" in e.text.lower())
    partial = next(e for e in call.events if not e.is_final)
    pid = call.participant_ids[final.speaker]
    return {
        "transcription": [
            dialect_wire.transcription_segments(
                call, partial, audio=True, interrupted=True, participant_id=pid
            ),
            dialect_wire.transcription_text(call, final, pid),
            json.dumps({"type": "subscribed", "id": call.conversation_id, "participantId": pid}),
            json.dumps({"type": "error", "code": 429, "message": "slow down"}),
        ],
        "transcripts": [dialect_wire.transcripts_frame(call, final, NOW)],
        "insights": [json.dumps(dialect_wire.insights_for(call, final)[0])],
        "conversations-stream": [dialect_wire.stream_transcript(call, final)],
    }


VALID = _valid_frames()
SOURCES = sorted(DIALECTS)


def dialect(source: str) -> Dialect:
    return DIALECTS[source](DialectSettings())


def check(decoded: Decoded) -> None:
    for event in decoded.events:
        if isinstance(event, RejectedFrame):
            assert event.reason.strip() and event.size >= 0
            assert ":" in event.reason  # "<kind>: <why>", the kind is counted


@pytest.mark.parametrize("source", SOURCES)
def test_valid_frames_decode_without_rejection(source: str) -> None:
    parser = dialect(source)
    for raw in VALID[source]:
        decoded = parser.decode(raw, NOW)
        assert decoded.events or decoded.ack is not None
        assert not any(isinstance(e, RejectedFrame) for e in decoded.events)


def test_insight_frames_decode_from_base64_binary() -> None:
    raw = base64.b64encode(VALID["insights"][0].encode())
    decoded = dialect("insights").decode(raw, NOW)
    assert decoded.events and decoded.events[0].kind == "insight"


@settings(max_examples=150)
@given(st.sampled_from(SOURCES), st.binary(max_size=300))
def test_arbitrary_bytes(source: str, raw: bytes) -> None:
    check(dialect(source).decode(raw, NOW))


@settings(max_examples=150)
@given(st.sampled_from(SOURCES), st.text(max_size=300))
def test_arbitrary_text(source: str, raw: str) -> None:
    check(dialect(source).decode(raw, NOW))


@settings(max_examples=150)
@given(st.sampled_from(SOURCES), json_values)
def test_arbitrary_json(source: str, value: Any) -> None:
    check(dialect(source).decode(json.dumps(value), NOW))


CASES = [
    (source, index, path)
    for source, frames in VALID.items()
    for index, raw in enumerate(frames)
    for path in _paths(json.loads(raw))
    if path
]


@settings(max_examples=400)
@given(st.sampled_from(CASES), json_values, st.booleans(), st.booleans())
def test_mutated_valid_frames(
    case: tuple[str, int, tuple[Any, ...]], replacement: Any, delete: bool, as_binary: bool
) -> None:
    source, index, path = case
    text = mutate(json.loads(VALID[source][index]), path, replacement, delete)
    raw: str | bytes = base64.b64encode(text.encode()) if as_binary else text
    check(dialect(source).decode(raw, NOW))

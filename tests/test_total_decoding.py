"""Total decoding: every translator turns any input into events or a ``RejectedFrame``
with a reason, and the engine takes whatever they produce. 100,000+ mutated frames
through every entry point, a hypothesis test that shrinks, and one test per crash the
issue reported."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assist_tui.config import DialectSettings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.latency import speech_latency_ms
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.genesys import frame_limits
from assist_tui.genesys.dialect_stream import DIALECTS
from assist_tui.genesys.notification_frames import decode_frame
from assist_tui.model import RejectedFrame, StreamEvent, UtteranceUpdate

from .frame_fuzz import NOW, RAW_TOKENS, Mutator, valid_frames
from .test_engine_pipeline import bare_engine
from .test_transcription_topic import body, frame

VALID = valid_frames()
FRAMES_PER_ENTRY = {  # 100,000 in all
    "notifications": 40_000,
    "transcription": 15_000,
    "transcripts": 15_000,
    "insights": 15_000,
    "conversations-stream": 15_000,
}


def entry_point(name: str) -> Callable[[str | bytes], list[StreamEvent]]:
    if name == "notifications":
        return lambda raw: decode_frame(raw, max_bytes=65536, received_at=NOW).events
    dialect = DIALECTS[name](DialectSettings())
    return lambda raw: dialect.decode(raw, NOW).events


def check_events(events: list[StreamEvent], reasons: Counter[str]) -> None:
    for event in events:
        if isinstance(event, RejectedFrame):
            assert event.reason.strip() and ":" in event.reason and event.size >= 0
            reasons[event.reason.split(":", 1)[0]] += 1
        else:
            # What a translator lets through is usable: aware times, bounded offsets.
            for moment in ("event_time", "session_start", "received_at"):
                value = getattr(event, moment, None)
                assert value is None or value.tzinfo is not None
            offset = getattr(event, "offset_ms", None)
            assert offset is None or 0 <= offset <= frame_limits.MAX_OFFSET_MS


async def test_100k_mutated_frames_through_every_entry_point_and_the_engine(
    emulator: EmulatorServer,
    tmp_path: Path,
    matcher: KeywordMatcher,
) -> None:
    reasons: Counter[str] = Counter()
    passed = 0
    async with bare_engine(emulator, tmp_path, matcher) as engine:
        for index, (name, count) in enumerate(FRAMES_PER_ENTRY.items()):
            decode = entry_point(name)
            mutator = Mutator(seed=1000 + index)
            frames = VALID[name]
            for n in range(count):
                raw = mutator.frame(frames[n % len(frames)])
                events = decode(raw)  # nothing may escape: an exception fails the test
                check_events(events, reasons)
                for event in events:
                    if event.kind == "utterance":
                        # followed, so every stage (dedup, latency, redaction...) runs on it
                        engine.state(event.conversation_id)
                    await engine.process(event)
                    passed += 1
        engine.audit.flush()
        errors = dict(engine.metrics.stage_errors)
    # Each translator handled every frame itself: the catch-all was never needed...
    assert reasons["translator error"] == 0, reasons
    # ...and no stage needed its boundary for anything a translator let through.
    assert errors == {}
    # The mutations reached the bounds (the test exercises what it claims to).
    assert reasons["limit"] > 1000 and passed > 10_000


NASTY = st.sampled_from(RAW_TOKENS) | st.integers(33, 3000).map(lambda d: "[" * d + "]" * d)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(VALID)),
    st.integers(0, 5),
    st.data(),
)
def test_hypothesis_mutations_never_escape(name: str, index: int, data: st.DataObject) -> None:
    frames = VALID[name]
    tree = json.loads(frames[index % len(frames)])
    paths = _leaf_paths(tree)
    path = data.draw(st.sampled_from(paths))
    token = data.draw(NASTY)
    node = tree
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = "\x00RAW\x00"
    raw = json.dumps(tree).replace(json.dumps("\x00RAW\x00"), token, 1)
    cut = data.draw(st.none() | st.integers(0, len(raw)))
    events = entry_point(name)(raw if cut is None else raw[:cut])
    check_events(events, Counter())


def _leaf_paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(tree, dict):
        for key, child in tree.items():
            found += _leaf_paths(child, (*prefix, key))
    elif isinstance(tree, list):
        for i, child in enumerate(tree):
            found += _leaf_paths(child, (*prefix, i))
    return found


# -- the crashes the issue reported, one by one ----------------------------------------------


def decode(raw: str) -> list[StreamEvent]:
    return decode_frame(raw, max_bytes=65536, received_at=NOW).events


def only_update(events: list[StreamEvent]) -> UtteranceUpdate:
    [update] = events
    assert isinstance(update, UtteranceUpdate)
    return update


def rejected(events: list[StreamEvent]) -> str:
    [event] = events
    assert isinstance(event, RejectedFrame)
    return event.reason


def test_event_time_without_zone_is_read_as_utc_and_counted() -> None:
    wire = body()
    wire["eventTime"] = "2026-03-19T22:04:48.128"
    update = only_update(decode(frame(wire)))
    assert update.event_time == datetime(2026, 3, 19, 22, 4, 48, 128000, tzinfo=timezone.utc)
    assert "eventTime without zone read as UTC" in update.adjustments
    # the latency stage can work with it (it raised TypeError on main)
    del wire["sessionStartTimeMs"]
    assert speech_latency_ms(only_update(decode(frame(wire)))) is not None


def test_offset_of_ten_to_the_fifteen_is_dropped_with_a_reason() -> None:
    update = only_update(
        decode(
            frame(
                body(
                    alternatives=[
                        {"offsetMs": 10**15, "durationMs": 5, "transcript": "hi", "confidence": 0.9}
                    ]
                )
            )
        )
    )
    assert update.offset_ms is None
    assert any(a.startswith("offsetMs beyond") for a in update.adjustments)


@pytest.mark.parametrize("value", [-5, -(10**15)])
def test_negative_offsets_clamp_to_zero_with_a_reason(value: int) -> None:
    alternative = {"offsetMs": value, "durationMs": value, "transcript": "hi", "confidence": 0.9}
    update = only_update(decode(frame(body(alternatives=[alternative]))))
    assert update.offset_ms == 0 and update.duration_ms == 0
    assert "offsetMs negative clamped to 0" in update.adjustments


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400", "1.5"])
def test_non_finite_or_fractional_offsets_are_rejected(token: str) -> None:
    raw = frame(body()).replace('"offsetMs": 278620', f'"offsetMs": {token}', 1)
    reason = rejected(decode(raw))
    if token[-1].isalpha():  # not JSON at all: refused while parsing
        assert reason == f"limit: non-standard JSON constant {token}"
    else:  # inf (past 1e308) or a fraction is not a number of milliseconds
        assert reason.startswith("bad transcription event: transcripts.0.alternatives.0.offsetMs")


def test_latency_stage_is_total_on_models_built_without_bounds() -> None:
    base = {
        "conversation_id": "c",
        "utterance_id": "u",
        "text": "t",
        "confidence": 0.5,
        "is_final": True,
        "received_at": NOW,
    }
    huge = UtteranceUpdate.model_validate(
        {**base, "session_start": NOW, "offset_ms": 10**15, "duration_ms": 10**15}
    )
    assert speech_latency_ms(huge) is None
    naive = UtteranceUpdate.model_validate({**base, "event_time": datetime(2026, 1, 1)})
    assert speech_latency_ms(naive) is None
    edge = UtteranceUpdate.model_validate(
        {**base, "session_start": datetime.max.replace(tzinfo=timezone.utc), "offset_ms": 1}
    )
    assert speech_latency_ms(edge) is None


@pytest.mark.parametrize("depth", [33, 1000, 30_000])
def test_deep_nesting_is_rejected_not_a_recursion_error(depth: int) -> None:
    wire = body()
    raw = frame(wire).replace(
        '"anotherUnknownTopLevel": "ok"', '"deep": ' + "[" * depth + "]" * depth, 1
    )
    assert rejected(decode(raw)) == f"limit: nesting deeper than {frame_limits.MAX_DEPTH}"


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ("1" + "0" * 17, "dropped"),
        ("9" * 400, "rejected"),
        ("9" * 5000, "rejected"),
        ("-1", "dropped"),
    ],
)
def test_huge_session_start_is_dropped_or_rejected_never_overflow(value: str, outcome: str) -> None:
    raw = frame(body()).replace("1773957594383", value)
    events = decode(raw)
    if outcome == "rejected":
        assert rejected(events).startswith("limit: integer of")
    else:
        update = only_update(events)
        assert update.session_start is None
        assert "sessionStartTimeMs out of range dropped" in update.adjustments


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_every_dialect_rejects_400_digit_integers_deep_nesting_and_surrogates(name: str) -> None:
    parse = entry_point(name)
    valid = json.loads(VALID[name][0])
    for extra, reason in (
        ("9" * 400, "limit: integer of 400 digits"),
        ("[" * 2000 + "]" * 2000, "limit: nesting deeper than"),
        ('"\\ud800"', "limit: a string holds a lone surrogate"),
    ):
        raw = json.dumps({**valid, "extra": "\x00"}).replace('"\\u0000"', extra)
        assert rejected(parse(raw)).startswith(reason)


def test_transcription_dialect_times_without_zone_are_noted() -> None:
    parse = entry_point("transcription")
    valid = json.loads(VALID["transcription"][1])  # seed 003's text event
    valid["mediaTimestamp"] = "2026-01-01T00:00:05"
    update = only_update([e for e in parse(json.dumps(valid)) if e.kind == "utterance"])
    assert update.event_time == NOW + timedelta(seconds=5)
    assert "mediaTimestamp without zone read as UTC" in update.adjustments


def test_a_frame_that_still_breaks_a_translator_is_rejected_by_type_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assist_tui.genesys import transcription_fast, transcription_topic, transcription_typed

    def boom(*_: object, **__: object) -> object:
        raise KeyError("the caller's card number is 4111")

    # Without the fields that hold containers nothing reads, the typed path takes it.
    plain = frame(body()).replace(', "somethingNew": {"nested": true}', "")
    plain = plain.replace(', "futureField": [1, 2, 3]', "")
    assert transcription_typed.translate_typed(plain, NOW) is not None
    monkeypatch.setattr(transcription_typed, "_translate", boom)  # the typed path
    assert rejected(decode(plain)) == "translator error: KeyError"
    monkeypatch.setattr(transcription_typed, "translate_typed", lambda *_: None)
    monkeypatch.setattr(transcription_fast, "_translate", boom)  # the path by hand
    assert rejected(decode(frame(body()))) == "translator error: KeyError"
    monkeypatch.setattr(transcription_fast, "translate_plain", lambda *_: None)
    monkeypatch.setattr(transcription_topic, "translate", boom)  # the validating path
    assert rejected(decode(frame(body()))) == "translator error: KeyError"
    dialect = DIALECTS["transcripts"](DialectSettings())
    monkeypatch.setattr("assist_tui.genesys.dialects.transcripts.final_line", boom)
    [event] = dialect.decode(VALID["transcripts"][0], NOW).events
    assert isinstance(event, RejectedFrame) and event.reason == "translator error: KeyError"

"""The redaction shortcuts answer exactly as the full reading: ``ends_unfinished`` skips
the reading of a text with no digit and no number word, ``redact_group`` returns an update
untouched when no detector could find anything in its text or its words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assist_tui.emulator.frame_mix import load_frames
from assist_tui.engine.pii import hold, redactor
from assist_tui.engine.pii.hold import FinalHold, ends_unfinished
from assist_tui.engine.pii.lexicon import FILLERS, REPEAT, TEENS, TENS, UNITS
from assist_tui.engine.pii.redactor import Redactor, redact_group
from assist_tui.genesys.notification_frames import decode_frame
from assist_tui.model import Speaker, UtteranceUpdate, Word, utc_now

CORPUS = Path(__file__).parent / "data/pii_corpus.jsonl"
NUMBERISH = sorted({*UNITS, *TEENS, *TENS, *REPEAT, "hundred", "first", "at"})
PLAIN = ["the", "card", "is", "my", "thanks", "a", "I", "account", "K", "Kelvin", "İt"]
PIECES = [*NUMBERISH, *sorted(FILLERS), *PLAIN, "4111", "12", "3-4", "07/12", "x", "b"]
JOINERS = [" ", ", ", " - ", "-", ". ", "! ", " (", ") ", "  "]


# Built once, not on every draw: hypothesis validates a strategy each time one is made.
_WORD_LISTS = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=14)
_JOINER = st.sampled_from(JOINERS)
_UPPER = st.booleans()


@st.composite
def speech(draw: st.DrawFn) -> str:
    words = draw(_WORD_LISTS)
    out = ""
    for word in words:
        out += draw(_JOINER) + (word.upper() if draw(_UPPER) else word)
    return out


def _corpus_texts() -> list[str]:
    texts: list[str] = []
    for line in CORPUS.read_text("utf-8").splitlines():
        row = json.loads(line)
        texts += row["finals"] if "finals" in row else [row["text"]]
    return texts


def _emulator_updates() -> list[UtteranceUpdate]:
    frames = [f for f in load_frames(1500, 20, seed=5) if ".transcription" in f[:120]]
    now = utc_now()
    return [
        e
        for f in frames
        for e in decode_frame(f, max_bytes=1 << 20, received_at=now).events
        if isinstance(e, UtteranceUpdate)
    ]


@pytest.fixture
def full_reading() -> Iterator[None]:
    """The shortcuts switched off: every text is read."""
    may, nothing = hold.may_hold_number, redactor._nothing_to_find
    hold.may_hold_number = lambda text: True
    redactor._nothing_to_find = lambda texts, joined: False
    yield
    hold.may_hold_number, redactor._nothing_to_find = may, nothing


def _unfinished_both(text: str) -> tuple[bool, bool]:
    quick = ends_unfinished(text)
    may = hold.may_hold_number
    hold.may_hold_number = lambda t: True
    try:
        return quick, ends_unfinished(text)
    finally:
        hold.may_hold_number = may


def test_a_text_without_numbers_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_reading(text: str, own_from: int = 0) -> None:
        raise AssertionError("read")

    monkeypatch.setattr(hold, "read", no_reading)
    assert ends_unfinished("thanks for calling, how can I help") is False


def test_corpus_finals_end_alike() -> None:
    for text in _corpus_texts():
        quick, full = _unfinished_both(text)
        assert quick == full, text


@settings(max_examples=500)
@given(speech())
def test_any_speech_ends_alike(text: str) -> None:
    quick, full = _unfinished_both(text)
    assert quick == full


def _update(text: str, words: list[str] | None, final: bool, uid: str = "u1") -> UtteranceUpdate:
    return UtteranceUpdate(
        conversation_id="c",
        utterance_id=uid,
        speaker=Speaker.CUSTOMER,
        text=text,
        words=tuple(
            Word(text=w, confidence=0.9, offset_ms=i * 300, duration_ms=250)
            for i, w in enumerate(text.split() if words is None else words)
        ),
        confidence=0.9,
        is_final=final,
    )


def _redacted(updates: list[UtteranceUpdate], context: str, masked: bool) -> list[str]:
    out = redact_group(Redactor(), updates, context=context, masked=masked)
    return [repr(pair) for pair in out]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(speech(), min_size=1, max_size=3),
    st.none() | st.lists(st.sampled_from(PIECES), max_size=6),
    st.sampled_from(["", "my card number is", "four one one one"]),
    st.booleans(),
    st.booleans(),
)
def test_any_group_redacts_alike(
    texts: list[str], words: list[str] | None, context: str, final: bool, masked: bool
) -> None:
    updates = [_update(t, words, final, f"u{i}") for i, t in enumerate(texts)]
    quick = _redacted(updates, context, masked)
    nothing = redactor._nothing_to_find
    redactor._nothing_to_find = lambda texts, joined: False
    try:
        assert quick == _redacted(updates, context, masked)
    finally:
        redactor._nothing_to_find = nothing


def _through_hold(updates: list[UtteranceUpdate]) -> list[str]:
    held = FinalHold(Redactor(), 2.0, clock=lambda: 0.0)
    shown = [repr(pair) for u in updates for pair in held.offer(u)]
    return shown + [repr(pair) for pair in held.release()]


def test_emulator_updates_redact_alike() -> None:
    updates = _emulator_updates()
    assert len(updates) > 1000
    quick = _through_hold(updates)
    may, nothing = hold.may_hold_number, redactor._nothing_to_find
    hold.may_hold_number = lambda text: True
    redactor._nothing_to_find = lambda texts, joined: False
    try:
        assert quick == _through_hold(updates)
    finally:
        hold.may_hold_number, redactor._nothing_to_find = may, nothing


def test_full_reading_fixture_reads(full_reading: None) -> None:
    # The reference really is the full reading (else the comparisons prove nothing).
    assert hold.may_hold_number("no numbers here") is True
    assert redactor._nothing_to_find(["plain"], ["plain"]) is False


NATCS = Path(__file__).resolve().parents[1] / "src/assist_tui/emulator/data"


@settings(max_examples=800)
@given(speech() | st.text(max_size=40))
def test_the_byte_test_of_worth_reading_answers_as_the_word_split(text: str) -> None:
    """The byte-table test (ASCII text) says what the split into words says, for any text."""
    assert redactor._worth_reading(text) == redactor._worth_reading_by_words(text)


def test_worth_reading_answers_alike_on_real_speech() -> None:
    texts = _corpus_texts() + [u.text for u in _emulator_updates()]
    for name in ("banking-utterances.jsonl", "insurance-utterances.jsonl"):
        texts += [json.loads(x)["utterance"] for x in (NATCS / name).read_text().splitlines()]
    answers = [redactor._worth_reading(t) for t in texts]
    assert answers == [redactor._worth_reading_by_words(t) for t in texts]
    assert 0 < sum(answers) < len(answers)  # both kinds are there

"""Live analytics: talk time, ratio, silences, overtalk and interruptions from known word
timings; VADER sentiment on a labelled set; trend; the platform's score preferred."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assist_tui.engine.stages.sentiment import (
    TREND_THRESHOLD,
    CallSentiment,
    SentimentStage,
    trend_of,
)
from assist_tui.engine.stages.talk import TalkStage, spans_of
from assist_tui.model import PlatformSentiment, Speaker, UtteranceUpdate, Word

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=timezone.utc)
LABELLED = Path(__file__).parent / "data" / "sentiment_labelled.tsv"


def final(speaker: str, words: list[tuple[int, int]], n: int, **extra: object) -> UtteranceUpdate:
    return UtteranceUpdate(
        conversation_id="c",
        speaker=Speaker(speaker),
        utterance_id=f"u{n}",
        text=" ".join("w" for _ in words) or "x",
        words=tuple(
            Word(text="w", confidence=0.9, offset_ms=s, duration_ms=e - s) for s, e in words
        ),
        confidence=0.9,
        is_final=True,
        received_at=T0 + timedelta(milliseconds=max((e for _, e in words), default=0)),
        **extra,  # type: ignore[arg-type]
    )


def test_spans_merge_short_pauses_and_fall_back_to_the_utterance() -> None:
    assert spans_of(final("agent", [(0, 400), (500, 900), (2000, 2500)], 1)) == [
        (0, 900),
        (2000, 2500),
    ]
    bare = UtteranceUpdate(
        conversation_id="c",
        utterance_id="b",
        text="hi",
        confidence=1,
        is_final=True,
        offset_ms=100,
        duration_ms=700,
    )
    assert spans_of(bare) == [(100, 800)]


def test_talk_time_ratio_silence_overtalk_and_interruptions() -> None:
    talk = TalkStage()
    talk.on_final(final("agent", [(0, 1000), (1100, 3000)], 1))  # agent 0-3 s
    talk.on_final(final("customer", [(8000, 9000)], 2))  # 5 s of silence, then 1 s
    # The agent starts at 8.5 s while the customer speaks until 9 s: 0.5 s of overtalk,
    # and an interruption by the agent.
    call = talk.on_final(final("agent", [(8500, 10000)], 3))
    assert call.talk_ms == {"agent": 4500, "customer": 1000}
    assert call.ratio() == pytest.approx(4500 / 5500, abs=0.001)
    assert call.longest_silence_ms == 5000
    assert (call.overtalk_ms, call.overtalk_count) == (500, 1)
    assert call.interruptions == {"agent": 1}
    # The customer talks right over the agent's turn (the whole of 9-10 s).
    call = talk.on_final(final("customer", [(9200, 9900)], 4))
    assert call.overtalk_ms == 500 + 700
    assert call.overtalk_count == 2
    assert call.interruptions == {"agent": 1, "customer": 1}
    # The current silence runs from the last final heard, by the wall clock.
    assert call.silence_ms(T0 + timedelta(seconds=12)) == 12000 - 9900
    talk.forget("c")
    assert talk.calls == {}


def test_vader_sanity_on_a_labelled_set() -> None:
    stage = SentimentStage()
    rows = [
        line.split("\t", 1)
        for line in LABELLED.read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert len(rows) >= 20
    right = 0
    for label, text in rows:
        score = stage.score(text)
        guess = "pos" if score >= 0.05 else "neg" if score <= -0.05 else "neu"
        right += guess == label
    # VADER is a lexicon: a few misses are expected; most must be right.
    assert right / len(rows) >= 0.8, right


def test_trend_is_the_last_quarter_against_the_earlier_mean() -> None:
    assert trend_of([0.5, 0.4]) is None  # too few turns
    assert trend_of([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -0.4, -0.6]) == "down"
    assert trend_of([-0.5, -0.5, -0.5, 0.4]) == "up"
    assert trend_of([0.1, 0.2, 0.1, 0.1 + TREND_THRESHOLD / 2]) == "flat"


def test_per_speaker_and_the_platform_score_preferred() -> None:
    stage = SentimentStage()
    stage.on_final(final("customer", [(0, 10)], 1), "I hate this, it is awful")
    stage.on_final(final("agent", [(20, 30)], 2), "I am happy to help you, great")
    call = stage.calls["c"]
    means = dict(call.speaker_means())
    assert means["customer"] < -0.3 < 0.3 < means["agent"]
    own = call.overall
    assert own is not None
    stage.on_platform(PlatformSentiment(conversation_id="c", overall=-80))
    assert call.overall == -0.8
    assert CallSentiment().overall is None

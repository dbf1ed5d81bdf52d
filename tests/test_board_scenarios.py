"""The emulator's board scenarios raise what they are written to show, through the same
stages as the engine, on the emulator's own timeline of word timings."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from assist_tui.emulator.board_scenarios import BOARD_SCENARIOS
from assist_tui.emulator.playback import timeline
from assist_tui.engine.alert_rules import load_alert_rules
from assist_tui.engine.board_types import CallAnalytics
from assist_tui.engine.live_board import LiveBoard
from assist_tui.model import Speaker, UtteranceUpdate, Word

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=timezone.utc)


def play(name: str) -> tuple[CallAnalytics, set[str]]:
    board = LiveBoard(load_alert_rules())
    raised: set[str] = set()
    last = T0
    for event in timeline(BOARD_SCENARIOS[name].turns, random.Random(1)):
        if not event.is_final:
            continue
        at = T0 + timedelta(milliseconds=event.emit_ms)
        board.tick(at)  # the engine ticks every second meanwhile
        words = tuple(
            Word(text=w.text, confidence=0.9, offset_ms=w.offset_ms, duration_ms=w.duration_ms)
            for w in event.words
        )
        board.on_final(
            UtteranceUpdate(
                conversation_id=name,
                speaker=Speaker(event.speaker),
                utterance_id=event.utterance_id,
                text=event.text,
                words=words,
                confidence=event.confidence,
                is_final=True,
                received_at=at,
            )
        )
        last = at
    analytics = board.analytics(name)
    board.on_ended(name, last + timedelta(seconds=1))
    raised |= {a.rule_id for a in board.take_alerts()}
    return analytics, raised


@pytest.mark.parametrize(
    ("name", "expected", "not_expected"),
    [
        ("going-sour", {"sentiment-falling"}, {"recording-disclosure"}),
        ("long-silence", {"long-silence"}, {"recording-disclosure"}),
        ("talking-over", {"overtalk"}, {"recording-disclosure"}),
        ("no-disclosure", {"recording-disclosure"}, set()),
        ("missed-retention", {"retention-offer"}, {"recording-disclosure"}),
    ],
)
def test_each_scenario_raises_its_alert(
    name: str, expected: set[str], not_expected: set[str]
) -> None:
    _, raised = play(name)
    assert expected <= raised, raised
    assert not (not_expected & raised), raised


def test_going_sour_trends_down_and_talking_over_counts_overtalk() -> None:
    sour, _ = play("going-sour")
    assert sour.trend == "down"
    assert sour.sentiment is not None and sour.sentiment < 0
    a, _ = play("talking-over")
    assert a.overtalk_count >= 4 and a.overtalk_ms > 6000
    assert sum(n for _, n in a.interruptions) >= 4


def test_the_synthetic_load_varies_mood_and_timing() -> None:
    from assist_tui.emulator.corpus import synthetic_turns
    from assist_tui.engine.stages.sentiment import SentimentStage

    rng = random.Random(5)
    score = SentimentStage().score
    calls = [synthetic_turns(rng, customer_turns=6) for _ in range(60)]
    moods = [sum(score(t.text) for t in turns if t.speaker == "customer") / 6 for turns in calls]
    assert min(moods) < -0.1 and max(moods) > 0.1  # sour calls and pleasant ones
    assert any(t.overlap_ms > 0 for turns in calls for t in turns)  # talking over
    pauses = {t.pause_ms for turns in calls for t in turns}
    assert min(pauses) < 500 and max(pauses) > 2000  # timing varies
    assert synthetic_turns(random.Random(5), 6) == calls[0]  # still deterministic

"""Finals held across breaths: a card read over two finals is caught whole, the held final
is shown masked, and nothing held is lost (next final, timeout, conversation end, stop)."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import pytest

from assist_tui.audit.store import AuditStore
from assist_tui.config import GenesysSettings, Settings
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import KeywordMatcher, shared_matcher
from assist_tui.engine.pii.hold import FinalHold, ends_unfinished
from assist_tui.engine.redaction import Redactor
from assist_tui.engine.rules import load_rules
from assist_tui.engine.stages import transcript as transcript_module
from assist_tui.genesys.session import GenesysSession
from assist_tui.model import ConversationEnded, Speaker, UtteranceUpdate
from assist_tui.platform import Platform


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def final(
    uid: str, text: str, speaker: Speaker = Speaker.CUSTOMER, cid: str = "c"
) -> UtteranceUpdate:
    return UtteranceUpdate(
        conversation_id=cid, utterance_id=uid, text=text, confidence=0.9, is_final=True,
        speaker=speaker,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "unfinished"),
    [
        ("my card number is four one one one, one one one one", True),
        ("it's 4111 1111", True),
        ("four one one one, uh", True),  # a filler after the digits
        ("my card number is 4111 1111 1111 1111", False),  # a whole card
        ("it was 20 dollars", False),
        ("thanks for calling", False),
    ],
)
def test_what_counts_as_unfinished(text: str, unfinished: bool) -> None:
    assert ends_unfinished(text) is unfinished


def test_a_card_in_two_breaths_is_caught_whole_and_masked_meanwhile() -> None:
    hold = FinalHold(Redactor(), 2.0, clock=Clock())
    shown = hold.offer(final("u1", "my card number is four one one one, one one one one"))
    assert len(shown) == 1 and not shown[0][0].is_final  # shown as a partial...
    assert shown[0][0].text == "my card number is [NUMBER]"  # ...with its digits masked
    released = hold.offer(final("u2", "one one one one, one one one one thanks"))
    assert [(u.utterance_id, u.text, u.is_final) for u, _ in released] == [
        ("u1", "my card number is [CARD]", True),
        ("u2", "[CARD] thanks", True),
    ]
    assert hold.held == 0


def test_a_short_held_run_is_masked_too() -> None:
    hold = FinalHold(Redactor(), 2.0, clock=Clock())
    [(shown, _)] = hold.offer(final("u1", "it's four one one one"))
    assert shown.text == "it's [NUMBER]" and not shown.is_final


def test_the_other_speaker_does_not_release_and_a_duplicate_is_ignored() -> None:
    hold = FinalHold(Redactor(), 2.0, clock=Clock())
    hold.offer(final("u1", "it's 4111 1111"))
    agent = hold.offer(final("a1", "go ahead", Speaker.AGENT))
    assert [u.utterance_id for u, _ in agent] == ["a1"]
    assert hold.offer(final("u1", "it's 4111 1111")) == []
    assert hold.held == 1


def test_a_held_final_is_released_on_timeout() -> None:
    clock = Clock()
    hold = FinalHold(Redactor(), 2.0, clock=clock)
    hold.offer(final("u1", "my account number is four four one two"))
    clock.now += 1.0
    assert hold.expired() == []
    clock.now += 1.0
    [(released, _)] = hold.expired()
    assert released.is_final and released.text == "my account number is [ACCOUNT]"
    # a final arriving after the hold time is up is not held again
    hold.offer(final("u2", "one two three four"))
    clock.now += 5
    assert [u.utterance_id for u, _ in hold.offer(final("u3", "five six"))] == ["u2", "u3"]


def test_release_by_conversation_or_all() -> None:
    hold = FinalHold(Redactor(), 2.0, clock=Clock())
    hold.offer(final("u1", "four one one one", cid="a"))
    hold.offer(final("u2", "four one one one", cid="b"))
    assert [u.conversation_id for u, _ in hold.release("a")] == ["a"]
    assert [u.conversation_id for u, _ in hold.release()] == ["b"]
    assert hold.held == 0


def test_a_cue_from_the_previous_final_is_used() -> None:
    hold = FinalHold(Redactor(), 2.0, clock=Clock())
    hold.offer(final("a1", "and what's the sort code on that account?", Speaker.AGENT))
    [(released, _)] = hold.offer(final("u1", "forty, oh four, fifty one."))
    assert released.text == "[SORTCODE]."


@functools.cache
def matcher() -> KeywordMatcher:
    """Made on first use, not at import: every xdist worker imports this module."""
    return shared_matcher(load_rules())


def make_engine(tmp_path: Path, **redaction: object) -> AssistEngine:
    settings = Settings.model_validate(
        {"nlp": {"trained_pipeline": ""}, "push": {"enabled": False}, "redaction": redaction}
    )
    session = GenesysSession(GenesysSettings(api_base_url="http://127.0.0.1:9"))  # never used
    return AssistEngine(
        settings,
        Platform(session, "TEST", settings.stream),
        audit=AuditStore(tmp_path / "audit.sqlite3"),
        matcher=matcher(),
    )


def audited_texts(engine: AssistEngine) -> list[str]:
    engine.audit.flush()
    return [r.data["text"] for r in engine.audit.records(kinds=["final_utterance"])]


async def test_engine_audits_the_card_whole_and_shows_it_masked(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    await engine.process(final("u1", "the card is five five five five, double five five five"))
    line = engine.conversations["c"].lines["u1"]
    assert not line.is_final and "[NUMBER]" in line.text and "five" not in line.text
    assert audited_texts(engine) == []  # held: nothing reached the audit yet
    await engine.process(final("u2", "five five five five, four four four four"))
    assert audited_texts(engine) == ["the card is [CARD]", "[CARD]"]
    assert engine.conversations["c"].lines["u1"].is_final
    assert engine._nlp_queue.qsize() == 2  # both finals reach the NLP, redacted
    engine.audit.close()


async def test_engine_releases_held_finals_on_end_on_stop_and_on_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(tmp_path, hold_s=1.0)
    clock = Clock()
    engine.hold._clock = clock
    await engine.process(final("u1", "four one one one", cid="ends"))
    await engine.process(ConversationEnded(conversation_id="ends", reason="disconnect"))
    await engine.process(final("u2", "four one one one", cid="stops"))
    engine.release_held()  # what run() does when it stops
    assert audited_texts(engine) == ["four one one one", "four one one one"]

    monkeypatch.setattr(transcript_module, "HOLD_TICK_S", 0.01)
    await engine.process(final("u3", "my account number is one two three four", cid="ticks"))
    ticker = asyncio.create_task(engine._release_held_periodically())
    clock.now += 1.0
    while engine.hold.held:
        await asyncio.sleep(0.01)
    ticker.cancel()
    assert audited_texts(engine)[-1] == "my account number is [ACCOUNT]"
    engine.audit.close()

"""An unsubscribed conversation's state is parked and continues on a resubscribe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assist_tui.engine import parked
from assist_tui.engine.conversation import ConversationState
from assist_tui.model import Speaker, SubscriptionRejected, UtteranceUpdate


class FakeEngine:
    """The two engine calls parked.py wraps, with the engine's effect on ``conversations``."""

    def __init__(self) -> None:
        self.conversations: dict[str, ConversationState] = {}
        self.refuse: set[str] = set()

    async def subscribe(
        self, ids: list[str], *, actor: str = "supervisor"
    ) -> list[SubscriptionRejected]:
        for cid in ids:
            if cid not in self.refuse:
                self.conversations.setdefault(cid, ConversationState(cid))
        return [
            SubscriptionRejected(topic=f"v2.conversations.{cid}.transcription", reason="no")
            for cid in ids
            if cid in self.refuse
        ]

    async def unsubscribe(self, ids: list[str], *, actor: str = "supervisor") -> None:
        for cid in ids:
            self.conversations.pop(cid, None)


async def test_resubscribe_continues_the_parked_state_and_the_park_is_bounded() -> None:
    engine: Any = FakeEngine()
    await parked.subscribe(engine, ["a", "b"])
    old = engine.conversations["a"]
    old.lines["u1"] = object()  # something was said
    await parked.unsubscribe(engine, ["a"])
    assert "a" not in engine.conversations
    await parked.subscribe(engine, ["a"])
    assert engine.conversations["a"] is old
    # A refused subscribe leaves it parked no longer and makes no state.
    await parked.unsubscribe(engine, ["a"])
    engine.refuse = {"a"}
    assert await parked.subscribe(engine, ["a"])
    assert "a" not in engine.conversations
    for i in range(parked.PARKED_LIMIT + 5):
        await parked.subscribe(engine, [f"c{i}"])
        await parked.unsubscribe(engine, [f"c{i}"])
    assert len(parked._parked(engine)) == parked.PARKED_LIMIT


async def test_a_resubscribed_call_drops_its_stuck_partial_and_marks_the_hole() -> None:
    engine: Any = FakeEngine()
    await parked.subscribe(engine, ["a"])
    state = engine.conversations["a"]
    said = {"utterance_id": "u1", "conversation_id": "a", "speaker": Speaker.CUSTOMER}
    final = UtteranceUpdate(text="I got a quote.", is_final=True, confidence=0.9, **said)
    state.apply(final, final.text, False)
    unfinished = UtteranceUpdate(
        **{**said, "utterance_id": "u2", "speaker": Speaker.AGENT},
        text="I'd hate to",
        is_final=False,
        confidence=0.8,
    )
    state.apply(unfinished, unfinished.text, False)
    await parked.unsubscribe(engine, ["a"])
    await parked.subscribe(engine, ["a"])
    lines = list(engine.conversations["a"].lines.values())
    assert [line.utterance_id for line in lines[:1]] == ["u1"]  # the final stays
    assert "u2" not in engine.conversations["a"].lines  # its final never came: gone
    assert lines[-1].kind == "gap" and lines[-1].text.startswith("not followed ")
    assert "(unsubscribed): what was said then is not shown" in lines[-1].text
    assert engine.conversations["a"].partial_ids() == []


async def test_a_late_queue_event_never_brings_back_an_unsubscribed_call(
    tmp_path: Path,
) -> None:
    """Unsubscribed (or ended): a queue event of the call afterwards (its participants
    leaving) put it back on the board, empty; only a subscribe does now."""
    from types import SimpleNamespace

    from assist_tui.model import ConversationStarted
    from tests.scripted_engine import scripted_engine

    engine = await scripted_engine(tmp_path)
    engine.follower = SimpleNamespace(  # type: ignore[assignment]
        follow_all=True, accept=lambda cid: True, ended={"dropped": None}, following={}
    )
    await engine.process(ConversationStarted(conversation_id="dropped", queue_id="q"))
    await engine.process(ConversationStarted(conversation_id="new-call", queue_id="q"))
    assert "dropped" not in engine.conversations
    assert "new-call" in engine.conversations

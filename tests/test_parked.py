"""An unsubscribed conversation's state is parked and continues on a resubscribe."""

from __future__ import annotations

from typing import Any

from assist_tui.engine import parked
from assist_tui.engine.conversation import ConversationState
from assist_tui.model import SubscriptionRejected


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

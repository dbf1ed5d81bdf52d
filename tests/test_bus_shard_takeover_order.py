"""The order of a partition's takeover (bus/shard.py): its calls are followed only after
their views are read, and a call restored by a round that then failed is not restored
again. (Races the kill -9 test met under load, pinned here without timers.)"""

from __future__ import annotations

from typing import Any

from assist_tui.bus.partition import partition_of
from assist_tui.bus.shard import Shard
from assist_tui.genesys.errors import GenesysError
from assist_tui.model import LiveConversation

PARTITIONS = 4
CALL = "5f2c8d7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"


class Board:
    def forget(self, conversation_id: str) -> None:
        pass


class Follower:
    """What Shard reads of the engine's follower; ``rediscover`` follows accepted calls."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.following: dict[str, LiveConversation] = {}
        self.ended: dict[str, None] = {}
        self.fail_next = False
        self.before_follow: Any = None
        self.subscribed: set[str] = set()  # transcription topics on the channel

    async def rediscover(self) -> None:
        if self.fail_next:
            self.fail_next = False
            raise GenesysError("the platform is away")
        accept = self.engine.follow_filter
        fresh = [
            c
            for c in self.engine.live
            if c.conversation_id not in self.following
            and (accept is None or accept(c.conversation_id))
        ]
        for call in fresh:
            self.following[call.conversation_id] = call
        if fresh and self.before_follow is not None:
            await self.before_follow(fresh)
        self.subscribed |= {c.conversation_id for c in fresh}

    async def queue_event(self, call: LiveConversation) -> None:
        """What ConversationFollower does for a ConversationStarted it accepts."""
        accept = self.engine.follow_filter
        if call.conversation_id in self.following or not accept(call.conversation_id):
            return
        self.following[call.conversation_id] = call
        if self.before_follow is not None:
            await self.before_follow([call])


class Engine:
    def __init__(self) -> None:
        self.follow_filter: Any = None
        self.live = [LiveConversation(conversation_id=CALL, queue_id="q1")]
        self.conversations: dict[str, object] = {}
        self.board = Board()
        self.follower = Follower(self)

    async def live_conversations(self) -> list[LiveConversation]:
        return list(self.live)


async def test_a_gained_partitions_calls_are_followed_only_after_their_views_are_read() -> None:
    engine = Engine()
    seen_before_restore: list[bool] = []

    async def restore(calls: list[LiveConversation]) -> None:
        for call in calls:
            seen_before_restore.append(call.conversation_id in engine.follower.subscribed)
            engine.conversations[call.conversation_id] = object()  # its state, from the view

    shard = Shard(engine, PARTITIONS, restore=restore)  # type: ignore[arg-type]
    await shard.on_change({partition_of(CALL, PARTITIONS)}, set())
    # Held (its commands are answered here) but not yet followed: a queue event or a
    # rediscovery now would subscribe it before its view is read.
    assert shard.holds(CALL) and not shard.accepts(CALL)
    assert engine.follow_filter(CALL) is False
    await shard._apply()
    assert seen_before_restore == [False]  # its view read before its topic subscribed
    assert shard.accepts(CALL) and CALL in engine.follower.following
    assert shard.taken_over == 1


async def test_a_call_restored_by_a_failed_round_is_not_restored_again() -> None:
    engine = Engine()
    restored: list[str] = []

    async def restore(calls: list[LiveConversation]) -> None:
        for call in calls:
            restored.append(call.conversation_id)
            engine.conversations[call.conversation_id] = object()

    shard = Shard(engine, PARTITIONS, restore=restore)  # type: ignore[arg-type]
    await shard.on_change({partition_of(CALL, PARTITIONS)}, set())
    engine.follower.fail_next = True
    try:
        await shard._apply()
    except GenesysError:
        pass
    else:
        raise AssertionError("the round should have failed")
    await shard._apply()  # the retry
    await shard._apply()  # and a round with nothing new
    assert restored == [CALL]
    assert CALL in engine.follower.following


async def test_a_call_followed_through_a_queue_event_is_continued_first() -> None:
    engine = Engine()
    restored: list[str] = []

    async def restore(calls: list[LiveConversation]) -> None:
        for call in calls:
            assert call.conversation_id in engine.follower.following  # not yet subscribed
            restored.append(call.conversation_id)

    shard = Shard(engine, PARTITIONS, restore=restore)  # type: ignore[arg-type]
    await shard.on_change({partition_of(CALL, PARTITIONS)}, set())
    engine.live = []  # discovery does not list it yet
    await shard._apply()
    assert restored == []
    await engine.follower.queue_event(LiveConversation(conversation_id=CALL, queue_id="q1"))
    assert restored == [CALL]


async def test_a_partition_lost_stops_being_followed_at_once() -> None:
    engine = Engine()

    async def restore(calls: list[LiveConversation]) -> None:
        for call in calls:
            engine.conversations[call.conversation_id] = object()

    shard = Shard(engine, PARTITIONS, restore=restore)  # type: ignore[arg-type]
    partition = partition_of(CALL, PARTITIONS)
    await shard.on_change({partition}, set())
    await shard._apply()
    await shard.on_change(set(), {partition})
    assert not shard.accepts(CALL) and not shard.holds(CALL)

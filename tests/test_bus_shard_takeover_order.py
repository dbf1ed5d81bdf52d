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

    async def rediscover(self) -> None:
        if self.fail_next:
            self.fail_next = False
            raise GenesysError("the platform is away")
        accept = self.engine.follow_filter
        for call in self.engine.live:
            if accept is not None and accept(call.conversation_id):
                self.following[call.conversation_id] = call


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
            seen_before_restore.append(shard.accepts(call.conversation_id))
            engine.conversations[call.conversation_id] = object()  # its state, from the view

    shard = Shard(engine, PARTITIONS, restore=restore)  # type: ignore[arg-type]
    await shard.on_change({partition_of(CALL, PARTITIONS)}, set())
    # Held (its commands are answered here) but not yet followed: a queue event or a
    # rediscovery now would subscribe it before its view is read.
    assert shard.holds(CALL) and not shard.accepts(CALL)
    assert engine.follow_filter(CALL) is False
    await shard._apply()
    assert seen_before_restore == [False]
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
    assert restored == [CALL]
    assert CALL in engine.follower.following


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

"""Several engines share the org: this engine follows only the calls of the partitions it
holds (bus/leases.py), does every action once (bus/once.py), and hands calls over.

On a claim it subscribes the live calls of the new partitions (found by the engine's own
discovery) and gives each its transcript so far (``restore``, from the views KV); on a
release it lets go of those calls without ending them (the next owner continues them).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nats.aio.client import Client
from nats.js.kv import KeyValue

from assist_tui.bus.leases import LeaseKeeper, LeaseTimes, leases_bucket
from assist_tui.bus.once import DoneKeys, done_bucket
from assist_tui.bus.partition import DEFAULT_PARTITIONS, check_partitions, partition_of
from assist_tui.bus.shard_commands import share_of
from assist_tui.bus.subjects import Subjects, token
from assist_tui.bus.takeover import ViewsTakeover
from assist_tui.cancelling import cancel_and_wait
from assist_tui.engine import action_gate
from assist_tui.engine.engine import AssistEngine
from assist_tui.genesys.discovery import transcription_topic
from assist_tui.genesys.errors import GenesysError
from assist_tui.model import LiveConversation

if TYPE_CHECKING:
    from assist_tui.bus.commands import CommandResponder
    from assist_tui.bus.publisher import ViewPublisher

log = logging.getLogger(__name__)

Restore = Callable[[list[LiveConversation]], Awaitable[None]]  # calls taken: their transcript
# Views of calls in these partitions that are not live (these ids are) nor followed: gone.
Sweep = Callable[[set[int], set[str]], Awaitable[None]]


def new_engine_id() -> str:
    """A name for this engine on the bus: unique per process (a restart is a new engine)."""
    return token(f"engine-{uuid.uuid4().hex[:12]}")


@dataclass
class ShardSettings:
    partitions: int = DEFAULT_PARTITIONS
    times: LeaseTimes = field(default_factory=LeaseTimes)
    engine_id: str = field(default_factory=new_engine_id)

    def __post_init__(self) -> None:
        check_partitions(self.partitions)


class Shard:
    """Keeps the engine's followed calls in step with the partitions it holds."""

    def __init__(
        self,
        engine: AssistEngine,
        partitions: int,
        *,
        restore: Restore | None = None,
        sweep: Sweep | None = None,
        on_let_go: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.sweep = sweep
        self.partitions = partitions
        self.restore = restore
        # Told of each call handed over (the publisher keeps its view for the next owner).
        self.on_let_go = on_let_go
        self.held: set[int] = set()
        # Held partitions whose calls were taken over (their views restored): only these
        # are followed. A call of a partition just gained must not be subscribed by
        # discovery or a queue event before its view is read, or its transcript so far
        # would be lost from the board.
        self.ready: set[int] = set()
        self.handed_over = 0
        self.taken_over = 0
        self._pending = asyncio.Event()
        self._lost: set[int] = set()
        engine.follow_filter = self.accepts  # discovery skips calls of other partitions

    def holds(self, conversation_id: str) -> bool:
        """The call is in a partition this engine holds (it answers its commands)."""
        return partition_of(conversation_id, self.partitions) in self.held

    def accepts(self, conversation_id: str) -> bool:
        """The call may be followed: its partition is held and was taken over."""
        return partition_of(conversation_id, self.partitions) in self.ready

    async def on_change(self, gained: set[int], lost: set[int]) -> None:
        """From the lease keeper: never waits on the platform (renewals must go on)."""
        self.held = (self.held | gained) - lost
        self.ready -= lost
        self._lost |= lost
        self._pending.set()
        log.info("partitions: +%d -%d, holding %d", len(gained), len(lost), len(self.held))

    async def run(self) -> None:
        """Apply partition changes to the engine, one round at a time, once it is ready."""
        await self.engine.ready.wait()
        while True:
            await self._pending.wait()
            self._pending.clear()
            try:
                await self._apply()
            except GenesysError as exc:  # the platform is away: try again shortly
                log.warning("following the partitions' calls: %s", exc)
                await asyncio.sleep(1.0)
                self._pending.set()

    async def _apply(self) -> None:
        follower = self.engine.follower
        if follower is None:
            return
        lost, self._lost = self._lost, set()
        target = set(self.held)
        going = [c for c in follower.following if not self.holds(c)]
        if going:
            await self.let_go(going)
        before = set(follower.following)
        restored: list[LiveConversation] = []
        if self.restore is not None:
            # Each call's transcript so far first, then its live stream: lines stay in
            # order, and finals the stream repeats are duplicates of restored ones.
            live = await self.engine.live_conversations()
            restored = [
                c
                for c in live
                if partition_of(c.conversation_id, self.partitions) in target
                and c.conversation_id not in before
                and c.conversation_id not in follower.ended
                # restored by a round that then failed (the platform away): once is enough,
                # and a second reading would meet this engine's own view of it
                and c.conversation_id not in self.engine.conversations
            ]
            if restored:
                await self.restore(restored)
            if self.sweep is not None:
                # A call that ended while no engine followed it (NATS away, an engine
                # killed) left a view saying it is live: nobody else would remove it.
                await self.sweep(target, {c.conversation_id for c in live})
        self.ready = target & self.held  # (a partition lost meanwhile stays out)
        await follower.rediscover()  # subscribe the live calls of the partitions claimed
        coming = [c for c in follower.following if c not in before]
        for cid in {c.conversation_id for c in restored} - set(follower.following):
            # ended meanwhile (or not subscribed): not ours to show
            self.engine.conversations.pop(cid, None)
            self.engine.board.forget(cid)
        self.taken_over += len(coming)
        if lost or coming:
            log.info("followed calls: %d handed over, %d taken", len(going), len(coming))

    async def let_go(self, conversation_ids: list[str]) -> None:
        """Stop following calls of released partitions without ending them."""
        engine = self.engine
        stream = engine.stream
        if stream is None:
            return
        await stream.unsubscribe(transcription_topic(c) for c in conversation_ids)
        for cid in conversation_ids:
            if self.on_let_go is not None:
                self.on_let_go(cid)
            engine.platform_insights.unfollow(stream, cid)
            if engine.follower is not None:
                engine.follower.following.pop(cid, None)
            engine.release_held(cid)
            engine.conversations.pop(cid, None)
            engine.board.forget(cid)
            engine.audit.append(
                "handed_over",
                {"partition": partition_of(cid, self.partitions)},
                conversation=cid,
                actor="engine",
            )
            self.handed_over += 1


@dataclass
class Sharding:
    """What ``attach_sharding`` set up, for the caller's status and shutdown."""

    shard: Shard
    keeper: LeaseKeeper
    gate: DoneKeys
    tasks: list[asyncio.Task[None]]

    async def stop(self, *, graceful: bool = True) -> None:
        """Stop; a graceful stop hands every partition over at once."""
        await cancel_and_wait(self.tasks)  # nats-py may swallow a first cancel
        if graceful:
            await self.keeper.release_all()


async def attach_sharding(
    engine: AssistEngine,
    client: Client,
    names: Subjects,
    settings: ShardSettings,
    *,
    restore: Restore | None = None,
    sweep: Sweep | None = None,
    on_let_go: Callable[[str], None] | None = None,
) -> Sharding:
    """Make ``engine`` one of several: call before ``engine.run()``; the returned tasks
    claim partitions and follow their calls while the engine runs."""
    js = client.jetstream()
    leases = await leases_bucket(js, names.leases_bucket, settings.times)
    done = await done_bucket(js, names.done_bucket)
    shard = Shard(engine, settings.partitions, restore=restore, sweep=sweep, on_let_go=on_let_go)
    keeper = LeaseKeeper(
        leases, settings.engine_id, settings.partitions, shard.on_change, times=settings.times
    )
    gate = DoneKeys(
        done,
        settings.engine_id,
        is_live=keeper.book.is_live,
        client=client,
        bucket=names.done_bucket,
    )
    action_gate.install(engine, gate)
    tasks = [
        asyncio.create_task(keeper.run(), name="shard-leases"),
        asyncio.create_task(shard.run(), name="shard-follow"),
    ]
    return Sharding(shard, keeper, gate, tasks)


async def shard_serve(
    engine: AssistEngine,
    client: Client,
    names: Subjects,
    *,
    engine_id: str,
    partitions: int,
    views: KeyValue,
    publisher: ViewPublisher,
    responder: CommandResponder,
) -> Sharding:
    """``serve --shard``: this serving engine is one of several (bus/serve.py)."""
    takeover = ViewsTakeover(engine, views, names, partitions)
    sharding = await attach_sharding(
        engine,
        client,
        names,
        ShardSettings(partitions, engine_id=engine_id),
        restore=takeover,
        sweep=takeover.sweep,
        on_let_go=publisher.hand_over,
    )
    responder.share = functools.partial(share_of, owns=sharding.shard.holds, engine=engine)
    return sharding

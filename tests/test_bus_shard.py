"""Several engines share the org (in one process here; as killed processes in
test_bus_shard_kill.py): each follows only its partitions' calls, all calls are followed,
and when one engine stops without a word the other takes its calls over and continues."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import nats

from assist_tui.audit.store import AuditStore
from assist_tui.bus.leases import LeaseTimes
from assist_tui.bus.partition import partition_of
from assist_tui.bus.shard import Sharding, ShardSettings, attach_sharding
from assist_tui.bus.subjects import Subjects
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.platform import Platform
from assist_tui.sinks.outbox import Outbox

from .conftest import emulator_settings, fast_stream, session_for, wait_until
from .test_engine_e2e import engine_settings

TIMES = LeaseTimes(ttl_s=2.0, renew_s=0.5, tick_s=0.2)
PARTITIONS = 16


@dataclass
class Running:
    engine: AssistEngine
    sharding: Sharding
    task: asyncio.Task[None]

    @property
    def following(self) -> set[str]:
        follower = self.engine.follower
        return set(follower.following) if follower else set()

    def last_seq(self) -> int:
        self.engine.audit.flush()
        return max((r.seq for r in self.engine.audit.records()), default=0)

    def finals_after(self, seq: int) -> Counter[str]:
        self.engine.audit.flush()
        records = self.engine.audit.records(kinds=["final_utterance"], after_seq=seq)
        return Counter(r.conversation for r in records if r.conversation)


@contextlib.asynccontextmanager
async def engines(
    server: EmulatorServer,
    nats_url: str,
    tmp_path: Path,
    matcher: KeywordMatcher,
    count: int,
    first: int = 0,
) -> AsyncIterator[list[Running]]:
    client = await nats.connect(nats_url)
    running: list[Running] = []
    async with contextlib.AsyncExitStack() as stack:
        for n in range(first, first + count):
            settings = engine_settings(server, push={"target": "seed"})
            audit = AuditStore(tmp_path / f"audit-{n}.sqlite3")
            outbox = Outbox(tmp_path / f"outbox-{n}.sqlite3")
            stack.callback(outbox.close)
            stack.callback(audit.close)
            session = await stack.enter_async_context(session_for(server))
            engine = AssistEngine(
                settings,
                Platform(session, "TEST", fast_stream()),
                audit=audit,
                outbox=outbox,
                matcher=matcher,
            )
            sharding = await attach_sharding(
                engine,
                client,
                Subjects("demo"),
                ShardSettings(PARTITIONS, TIMES, engine_id=f"engine-{n}"),
            )
            running.append(Running(engine, sharding, asyncio.create_task(engine.run())))
        try:
            yield running
        finally:
            for r in running:
                await kill(r)
            await client.close()


async def kill(r: Running) -> None:
    """Stop without handing anything over: the leases are left to lapse."""
    await r.sharding.stop(graceful=False)
    r.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await r.task


async def test_two_engines_split_the_calls_and_one_takes_over(
    nats_server: str, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    async with EmulatorServer(emulator_settings(speed=1.0)) as server:
        load = server.run_load(conversations=10, rate=40)
        try:
            async with engines(server, nats_server, tmp_path, matcher, 2) as (a, b):

                def live() -> set[str]:
                    return {c.conversation_id for c in server.emulator.director.live()}

                await wait_until(lambda: live() and live() <= a.following | b.following)
                assert a.following and b.following
                assert a.following.isdisjoint(b.following)
                held_a = a.sharding.shard.held
                assert all(partition_of(c, PARTITIONS) in held_a for c in a.following)
                assert held_a.isdisjoint(b.sharding.shard.held)

                await kill(b)
                orphans = b.following & live()
                assert orphans
                seq = a.last_seq()
                # Every call b followed continues on a: followed, and new finals audited.
                await wait_until(lambda: orphans & live() <= a.following, timeout=15)
                await wait_until(
                    lambda: all(a.finals_after(seq)[c] for c in orphans & live()), timeout=15
                )
                assert a.sharding.shard.held == set(range(PARTITIONS))
                assert a.sharding.shard.taken_over >= len(orphans & live())
        finally:
            load.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await load
        posts = server.emulator.knowledge_received
        assert posts and set(posts.values()) == {1}  # no final posted twice


async def test_a_joining_engine_gets_its_share_of_the_calls(
    nats_server: str, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    async with EmulatorServer(emulator_settings(speed=1.0)) as server:
        load = server.run_load(conversations=10, rate=40)
        try:
            async with engines(server, nats_server, tmp_path, matcher, 1) as (a,):

                def live() -> set[str]:
                    return {c.conversation_id for c in server.emulator.director.live()}

                await wait_until(lambda: bool(live()) and live() <= a.following)
                async with engines(server, nats_server, tmp_path, matcher, 1, first=1) as (b,):
                    # a releases half its partitions (and lets go of their calls), b claims
                    # them and follows their calls; no call is followed by both.
                    await wait_until(
                        lambda: (
                            len(b.sharding.shard.held) == PARTITIONS // 2
                            and len(a.sharding.shard.held) == PARTITIONS // 2
                        )
                    )
                    await wait_until(
                        lambda: (
                            live() <= a.following | b.following
                            and a.following.isdisjoint(b.following)
                            and bool(b.following)
                        )
                    )
                    assert a.sharding.shard.handed_over > 0
                    a.engine.audit.flush()
                    handed = {r.conversation for r in a.engine.audit.records(kinds=["handed_over"])}
                    assert handed and handed.isdisjoint(a.following)
                    # b stops gracefully: its partitions come back to a at once.
                    await b.sharding.stop(graceful=True)
                    await wait_until(lambda: a.sharding.shard.held == set(range(PARTITIONS)), 5)
        finally:
            load.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await load

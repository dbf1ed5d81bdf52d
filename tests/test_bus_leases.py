"""Partition leases: the protocol step by step with an injected clock on an in-memory bucket
(same revision semantics as JetStream KV), then the real thing on a real nats-server."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import nats
import nats.js.errors
import pytest

from assist_tui.bus.lease_book import LeaseBook, lease_key
from assist_tui.bus.leases import LeaseKeeper, LeaseTimes, leases_bucket
from assist_tui.bus.partition import in_partitions, partition_of
from assist_tui.bus.subjects import Subjects
from tests.conftest import wait_until

P = 64
TIMES = LeaseTimes(ttl_s=6.0, renew_s=2.0, tick_s=0.5)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Entry:
    value: bytes
    revision: int


class MemoryKV:
    """create / update(last) / put / delete(last) / get with one revision counter, and
    every write shown at once to every keeper's book (as their watchers would)."""

    def __init__(self) -> None:
        self.data: dict[str, Entry | None] = {}  # None: a delete marker
        self.revision = 0
        self.keepers: list[LeaseKeeper] = []
        self.down = False

    def _write(self, key: str, value: bytes | None) -> int:
        if self.down:
            raise nats.errors.NoServersError
        self.revision += 1
        self.data[key] = Entry(value, self.revision) if value is not None else None
        owner = None
        if value is not None:
            owner = value.decode().split('"engine":"', 1)[1].split('"', 1)[0]
        for keeper in self.keepers:
            keeper.book.observe(key, owner, self.revision)
        return self.revision

    async def put(self, key: str, value: bytes) -> int:
        return self._write(key, value)

    async def create(self, key: str, value: bytes) -> int:
        if self.data.get(key) is not None:
            raise nats.js.errors.KeyWrongLastSequenceError
        return self._write(key, value)

    async def update(self, key: str, value: bytes, last: int | None = None) -> int:
        entry = self.data.get(key)
        if entry is None or entry.revision != last:
            raise nats.js.errors.KeyWrongLastSequenceError
        return self._write(key, value)

    async def delete(self, key: str, last: int | None = None) -> bool:
        entry = self.data.get(key)
        if last is not None and (entry is None or entry.revision != last):
            raise nats.js.errors.KeyWrongLastSequenceError
        self._write(key, None)
        return True

    async def get(self, key: str) -> Entry:
        entry = self.data.get(key)
        if entry is None:
            raise nats.js.errors.KeyNotFoundError
        return entry


class Cluster:
    def __init__(self, partitions: int = P) -> None:
        self.clock = Clock()
        self.kv = MemoryKV()
        self.partitions = partitions
        self.changes: dict[str, list[tuple[set[int], set[int]]]] = {}

    def engine(self, name: str) -> LeaseKeeper:
        self.changes[name] = []

        async def on_change(gained: set[int], lost: set[int]) -> None:
            self.changes[name].append((gained, lost))

        keeper = LeaseKeeper(
            self.kv,  # type: ignore[arg-type]
            name,
            self.partitions,
            on_change,
            times=TIMES,
            clock=self.clock,
        )
        # A newcomer's watcher first shows it what the bucket holds.
        for key, entry in self.kv.data.items():
            owner = entry.value.decode().split('"engine":"')[1].split('"')[0] if entry else None
            keeper.book.observe(key, owner, entry.revision if entry else self.kv.revision)
        self.kv.keepers.append(keeper)
        return keeper

    async def run(self, keepers: list[LeaseKeeper], seconds: float) -> None:
        """Advance the clock in ticks, every keeper ticking (in turn) at each."""
        steps = round(seconds / TIMES.tick_s)
        for _ in range(steps):
            self.clock.now += TIMES.tick_s
            for keeper in keepers:
                await keeper.tick()
            check_exclusive(keepers)


def check_exclusive(keepers: list[LeaseKeeper]) -> None:
    """No partition is held by two engines at the same moment."""
    seen: dict[int, str] = {}
    for keeper in keepers:
        for p in keeper.book.held():
            assert p not in seen, f"partition {p} held by {seen[p]} and {keeper.engine_id}"
            seen[p] = keeper.engine_id


def test_partition_is_stable_and_spread() -> None:
    assert partition_of("conv-1") == partition_of("conv-1")
    assert partition_of("3f1c0d9a-6a1e-4e5c-9d55-0a8d2e9b1c11", 64) == 20  # blake2b, not hash()
    ids = [f"c{i}" for i in range(6400)]
    counts = [0] * P
    for cid in ids:
        counts[partition_of(cid, P)] += 1
    assert min(counts) > 50 and max(counts) < 160  # roughly 100 each
    assert in_partitions(ids[:10], {partition_of("c3")}, P)[0] == "c3"
    assert {partition_of(c, 7) for c in ids} == set(range(7))


async def test_one_engine_takes_every_partition() -> None:
    cluster = Cluster()
    a = cluster.engine("a")
    await cluster.run([a], 0.5)
    assert a.book.held() == set(range(P))
    assert cluster.changes["a"] == [(set(range(P)), set())]


async def test_a_second_engine_gets_a_fair_share() -> None:
    cluster = Cluster()
    a = cluster.engine("a")
    await cluster.run([a], 1.0)
    b = cluster.engine("b")
    await cluster.run([a, b], 3.0)
    assert len(a.book.held()) == len(b.book.held()) == P // 2
    assert a.book.held() | b.book.held() == set(range(P))
    # A released what it gave away (told its owner to stop following) before B took it.
    lost = set().union(*(lost for _, lost in cluster.changes["a"]))
    assert lost == b.book.held()


async def test_three_engines_share_within_one_of_each_other() -> None:
    cluster = Cluster()
    keepers = [cluster.engine(n) for n in ("a", "b", "c")]
    await cluster.run(keepers, 5.0)
    sizes = sorted(len(k.book.held()) for k in keepers)
    assert sum(sizes) == P and sizes[-1] <= 22  # ceil(64 / 3)


async def test_a_killed_engines_partitions_are_taken_after_the_ttl() -> None:
    cluster = Cluster()
    a, b = cluster.engine("a"), cluster.engine("b")
    await cluster.run([a, b], 3.0)
    b_had = b.book.held()
    assert b_had
    await cluster.run([a], TIMES.ttl_s - 1.0)  # b stopped ticking: killed
    assert a.book.held().isdisjoint(b_had)  # not before the TTL
    await cluster.run([a], 2.0)
    assert a.book.held() == set(range(P))
    assert a.book.live_engines() == {"a"}


async def test_a_paused_engine_gives_up_what_was_taken_and_rebalances() -> None:
    cluster = Cluster()
    a, b = cluster.engine("a"), cluster.engine("b")
    await cluster.run([a, b], 3.0)
    # b is frozen past its TTL (a long pause, a partition from the broker) ...
    await cluster.run([a], TIMES.ttl_s + 1.0)
    assert a.book.held() == set(range(P))
    assert b.book.held() == set()  # ... and by its own clock it no longer acts
    # ... then comes back: its renewals are refused, and the two share again.
    await cluster.run([a, b], 4.0)
    assert len(a.book.held()) == len(b.book.held()) == P // 2


async def test_the_broker_away_means_leases_lapse_not_double_owners() -> None:
    cluster = Cluster()
    a = cluster.engine("a")
    await cluster.run([a], 1.0)
    cluster.kv.down = True
    for _ in range(round((TIMES.ttl_s + 1) / TIMES.tick_s)):
        cluster.clock.now += TIMES.tick_s
        with contextlib.suppress(nats.errors.NoServersError):
            await a.tick()
        await a._report()
    assert a.book.held() == set()
    assert cluster.changes["a"][-1] == (set(), set(range(P)))
    cluster.kv.down = False
    await cluster.run([a], 1.0)
    assert a.book.held() == set(range(P))


async def test_a_graceful_stop_hands_over_at_once() -> None:
    cluster = Cluster()
    a, b = cluster.engine("a"), cluster.engine("b")
    await cluster.run([a, b], 3.0)
    await b.release_all()
    assert b.book.held() == set()
    await cluster.run([a], 0.5)  # no TTL to wait out
    assert a.book.held() == set(range(P))


def test_the_book_counts_only_live_engines_for_the_share() -> None:
    clock = Clock()
    book = LeaseBook("a", 10, ttl_s=6.0, clock=clock)
    book.observe("e.b", "b", 1)
    book.observe("e.c", "c", 2)
    assert book.target() == 4
    clock.now += 6.0
    assert book.target() == 10  # b and c stopped beating
    book.observe(lease_key(3), "b", 3)
    assert (3, 3) not in book.claimable()  # just seen: not lapsed yet
    clock.now += 6.0
    assert (3, 3) in book.claimable()


def test_lease_times_must_leave_room_for_two_renewals() -> None:
    with pytest.raises(ValueError, match="twice"):
        LeaseTimes(ttl_s=3.0, renew_s=2.0)


# -- on a real nats-server ----------------------------------------------------------------

REAL = LeaseTimes(ttl_s=1.5, renew_s=0.5, tick_s=0.1)


async def test_real_server_share_and_take_over(nats_server: str) -> None:
    client = await nats.connect(nats_server)
    held: dict[str, set[int]] = {"a": set(), "b": set()}
    tasks: dict[str, asyncio.Task[None]] = {}
    try:
        kv = await leases_bucket(client.jetstream(), Subjects("t").leases_bucket, REAL)

        def start(name: str) -> LeaseKeeper:
            async def on_change(gained: set[int], lost: set[int]) -> None:
                held[name] = (held[name] | gained) - lost

            keeper = LeaseKeeper(kv, name, 16, on_change, times=REAL)
            tasks[name] = asyncio.create_task(keeper.run())
            return keeper

        start("a")
        await wait_until(lambda: held["a"] == set(range(16)))
        start("b")
        await wait_until(lambda: len(held["a"]) == len(held["b"]) == 8)
        assert held["a"].isdisjoint(held["b"])
        # Killed: no release, its leases simply stop being renewed.
        tasks["b"].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tasks["b"]
        await wait_until(lambda: held["a"] == set(range(16)))
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        await client.close()

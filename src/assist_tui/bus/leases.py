"""Partition leases in a JetStream KV bucket: which engine follows which share of the org.

Each engine announces itself with a heartbeat key, claims free or lapsed partitions by
create / compare-and-set on the revision, renews its own every ``renew_s``, and releases
what is beyond a fair share so that a new engine gets one. A killed engine's leases lapse
after ``ttl_s`` and the survivors claim them. The protocol itself is ``lease_book.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import nats.errors
import nats.js.errors
from nats.js.api import KeyValueConfig, StorageType
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue

from assist_tui.bus.lease_book import LeaseBook, engine_key, lease_key
from assist_tui.cancelling import cancel_and_wait

log = logging.getLogger(__name__)

_FAILURES = (nats.errors.Error, asyncio.TimeoutError, OSError)
DELETE_OPS = ("DEL", "PURGE")
ASK_TIMEOUT_S = 2.0

OnChange = Callable[[set[int], set[int]], Awaitable[None]]  # (gained, lost)


@dataclass(frozen=True)
class LeaseTimes:
    ttl_s: float = 6.0  # a lease not renewed this long has lapsed
    renew_s: float = 2.0  # how often an engine renews its leases and heartbeat
    tick_s: float = 0.5  # how often it looks for lapsed or free partitions

    def __post_init__(self) -> None:
        if not 0 < self.renew_s * 2 <= self.ttl_s:
            raise ValueError("a lease must be renewed at least twice within its TTL")


async def leases_bucket(js: JetStreamContext, name: str, times: LeaseTimes) -> KeyValue:
    """The leases bucket (created if missing). Keys of engines long gone age out."""
    try:
        return await js.key_value(name)
    except nats.js.errors.BucketNotFoundError:
        config = KeyValueConfig(
            bucket=name, history=1, ttl=max(60.0, 10 * times.ttl_s), storage=StorageType.FILE
        )
        return await js.create_key_value(config=config)


def _owner(raw: bytes | None) -> str | None:
    try:
        value = json.loads(raw or b"null")
    except ValueError:
        return None
    return str(value.get("engine")) if isinstance(value, dict) and value.get("engine") else None


class LeaseKeeper:
    """``await keeper.run()`` until cancelled; ``on_change(gained, lost)`` is awaited each
    time the partitions this engine holds change (subscribe and unsubscribe there)."""

    def __init__(
        self,
        kv: KeyValue,
        engine_id: str,
        partitions: int,
        on_change: OnChange,
        *,
        times: LeaseTimes | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kv = kv
        self.times = times or LeaseTimes()
        self.book = LeaseBook(engine_id, partitions, ttl_s=self.times.ttl_s, clock=clock)
        self.clock = clock
        self.on_change = on_change
        self.reported: set[int] = set()
        self._renewed_at = -1e18
        self.claims_won = 0
        self.claims_lost = 0
        self._synced = asyncio.Event()

    @property
    def engine_id(self) -> str:
        return self.book.engine_id

    def _body(self) -> bytes:
        return json.dumps({"engine": self.engine_id}, separators=(",", ":")).encode()

    async def run(self) -> None:
        watcher = await self.kv.watchall()
        watching = asyncio.create_task(self._watch(watcher), name="leases-watch")
        # The first round waits for what the bucket holds: claiming blind would race the
        # engines already there (harmless, the claims would fail, but noisy).
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._synced.wait(), self.times.ttl_s)
        try:
            while True:
                try:
                    await self.tick()
                except _FAILURES as exc:  # the broker is away: leases lapse, we retry
                    log.warning("leases: %s", type(exc).__name__)
                    await self._report()
                await asyncio.sleep(self.times.tick_s)
        finally:
            await cancel_and_wait([watching])
            with contextlib.suppress(*_FAILURES):
                await watcher.stop()  # type: ignore[no-untyped-call]

    async def _watch(self, watcher: KeyValue.KeyWatcher) -> None:
        async for entry in watcher:
            if entry is None:
                self._synced.set()  # the end of what was there before we looked
                continue
            deleted = entry.operation in DELETE_OPS
            self.book.observe(entry.key, None if deleted else _owner(entry.value), entry.revision)

    async def tick(self) -> None:
        """One round: heartbeat and renewals when due, then claims or releases."""
        if self.clock() - self._renewed_at >= self.times.renew_s:
            await self._heartbeat()
            await self._renew()
            self._renewed_at = self.clock()
        plan = self.book.plan()
        for partition, last in plan.claims:
            await self._claim(partition, last)
        for partition, revision in plan.releases:
            await self._release(partition, revision)
        await self._report()

    async def _heartbeat(self) -> None:
        revision = await asyncio.wait_for(
            self.kv.put(engine_key(self.engine_id), self._body()), ASK_TIMEOUT_S
        )
        self.book.observe(engine_key(self.engine_id), self.engine_id, revision)

    async def _renew(self) -> None:
        for partition, (revision, _) in list(self.book.mine.items()):
            try:
                new = await asyncio.wait_for(
                    self.kv.update(lease_key(partition), self._body(), last=revision),
                    ASK_TIMEOUT_S,
                )
            except nats.js.errors.KeyWrongLastSequenceError:
                self.book.lost(partition)  # another engine took it after ours lapsed
                continue
            self.book.confirmed(partition, new)

    async def _claim(self, partition: int, last: int | None) -> None:
        key = lease_key(partition)
        try:
            if last is None:
                revision = await asyncio.wait_for(self.kv.create(key, self._body()), ASK_TIMEOUT_S)
            else:
                revision = await asyncio.wait_for(
                    self.kv.update(key, self._body(), last=last), ASK_TIMEOUT_S
                )
        except nats.js.errors.KeyWrongLastSequenceError:
            self.claims_lost += 1
            await self._reread(key)  # someone was quicker, or it aged out: look again
            return
        self.claims_won += 1
        self.book.confirmed(partition, revision)

    async def _reread(self, key: str) -> None:
        try:
            entry = await asyncio.wait_for(self.kv.get(key), ASK_TIMEOUT_S)
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
            # Gone without a marker we saw (aged out): free to create.
            self.book.leases.pop(int(key.split(".", 1)[1]), None)
            return
        self.book.observe(key, _owner(entry.value), entry.revision or 0)

    async def _release(self, partition: int, revision: int) -> None:
        self.book.lost(partition)
        await self._report()  # stop following it first: the next owner may start at once
        with contextlib.suppress(nats.js.errors.KeyWrongLastSequenceError):
            await asyncio.wait_for(
                self.kv.delete(lease_key(partition), last=revision), ASK_TIMEOUT_S
            )

    async def _report(self) -> None:
        held = self.book.held()
        gained, lost = held - self.reported, self.reported - held
        if gained or lost:
            self.reported = held
            await self.on_change(gained, lost)

    async def release_all(self) -> None:
        """A graceful stop: hand every partition over at once (no TTL to wait out)."""
        for partition, (revision, _) in list(self.book.mine.items()):
            with contextlib.suppress(*_FAILURES, nats.js.errors.KeyWrongLastSequenceError):
                await self._release(partition, revision)
        with contextlib.suppress(*_FAILURES):
            await asyncio.wait_for(self.kv.delete(engine_key(self.engine_id)), ASK_TIMEOUT_S)

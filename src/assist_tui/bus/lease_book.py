"""The partition-lease protocol as pure state: what an engine has seen of the leases and of
the other engines, and what it should claim, renew and release next (no I/O; a clock is
injected, so the protocol is tested step by step).

A lease or heartbeat is judged by *its revision* and the local clock: one whose revision
has not changed for ``ttl_s`` seconds of this engine's own time has lapsed. No clocks are
compared across machines, so skew does not matter, only their rates.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LEASE_PREFIX = "p"  # key p.<n>: the lease of partition n
ENGINE_PREFIX = "e"  # key e.<engine id>: that engine's heartbeat


def lease_key(partition: int) -> str:
    return f"{LEASE_PREFIX}.{partition}"


def engine_key(engine_id: str) -> str:
    return f"{ENGINE_PREFIX}.{engine_id}"


@dataclass
class Seen:
    """The last revision of one key this engine saw, whose it is, and since when (local)."""

    owner: str | None  # None: deleted (a released partition)
    revision: int
    since: float


@dataclass
class Plan:
    claims: list[tuple[int, int | None]] = field(default_factory=list)  # (partition, last rev)
    releases: list[tuple[int, int]] = field(default_factory=list)  # (partition, our rev)


class LeaseBook:
    def __init__(
        self,
        engine_id: str,
        partitions: int,
        *,
        ttl_s: float,
        clock: Callable[[], float],
    ) -> None:
        self.engine_id = engine_id
        self.partitions = partitions
        self.ttl_s = ttl_s
        self.clock = clock
        self.leases: dict[int, Seen] = {}
        self.engines: dict[str, Seen] = {}
        self.mine: dict[int, tuple[int, float]] = {}  # partition -> (revision, confirmed at)
        # Each engine prefers partitions from its own offset on: two newcomers rarely race
        # for the same free partitions.
        digest = hashlib.blake2b(engine_id.encode(), digest_size=8).digest()
        self._offset = int.from_bytes(digest, "big") % partitions

    # -- what the bucket says (the watcher, and the answers to our own writes) --
    def observe(self, key: str, owner: str | None, revision: int) -> None:
        prefix, _, rest = key.partition(".")
        now = self.clock()
        if prefix == ENGINE_PREFIX and rest:
            self._see(self.engines, rest, owner, revision, now)
        elif prefix == LEASE_PREFIX and rest.isdigit() and int(rest) < self.partitions:
            partition = int(rest)
            self._see(self.leases, partition, owner, revision, now)
            if owner == self.engine_id:
                held = self.mine.get(partition)
                if held is None or held[0] < revision:
                    self.mine[partition] = (revision, now)
            elif partition in self.mine and revision > self.mine[partition][0]:
                del self.mine[partition]  # taken by another engine (or released): not ours

    @staticmethod
    def _see(
        table: dict[Any, Seen], name: object, owner: str | None, revision: int, now: float
    ) -> None:
        seen = table.get(name)
        if seen is None or seen.revision < revision:
            table[name] = Seen(owner, revision, now)

    def confirmed(self, partition: int, revision: int) -> None:
        """Our claim or renewal of ``partition`` was accepted at ``revision``."""
        now = self.clock()
        self.mine[partition] = (revision, now)
        self.leases[partition] = Seen(self.engine_id, revision, now)

    def lost(self, partition: int) -> None:
        """A renewal was refused (someone else holds it) or we released it."""
        self.mine.pop(partition, None)

    # -- judgements --
    def lapsed(self, seen: Seen) -> bool:
        return self.clock() - seen.since >= self.ttl_s

    def live_engines(self) -> set[str]:
        live = {e for e, seen in self.engines.items() if seen.owner and not self.lapsed(seen)}
        return live | {self.engine_id}

    def is_live(self, engine_id: str) -> bool:
        return engine_id in self.live_engines()

    def target(self) -> int:
        """A fair share: ceil(partitions / live engines)."""
        return math.ceil(self.partitions / len(self.live_engines()))

    def held(self) -> set[int]:
        """Partitions this engine may act for: confirmed within the TTL (a margin of one
        renewal is kept by the caller renewing well before it runs out)."""
        now = self.clock()
        return {p for p, (_, at) in self.mine.items() if now - at < self.ttl_s}

    def _preference(self, partition: int) -> int:
        return (partition - self._offset) % self.partitions

    def claimable(self) -> list[tuple[int, int | None]]:
        """Free or lapsed partitions, in this engine's order of preference."""
        found: list[tuple[int, int | None]] = []
        for p in sorted(range(self.partitions), key=self._preference):
            if p in self.mine:
                continue
            seen = self.leases.get(p)
            if seen is None or seen.owner is None:
                found.append((p, None))  # never claimed, or released: create it
            elif seen.owner != self.engine_id and self.lapsed(seen):
                found.append((p, seen.revision))  # lapsed: compare-and-set on its revision
        return found

    def plan(self) -> Plan:
        """Claim up to a fair share, release what is beyond it (the least preferred)."""
        plan = Plan()
        held = sorted(self.held(), key=self._preference)
        target = self.target()
        if len(held) < target:
            plan.claims = self.claimable()[: target - len(held)]
        elif len(held) > target:
            plan.releases = [(p, self.mine[p][0]) for p in held[target:]]
        return plan

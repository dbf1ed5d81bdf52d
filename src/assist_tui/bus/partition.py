"""Conversations → a fixed number of partitions by a stable hash, the same on every engine.

Python's ``hash`` of a string changes with each process (hash randomization), so the
partition is the first 8 bytes of the id's BLAKE2b digest, modulo the partition count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

DEFAULT_PARTITIONS = 64
MAX_PARTITIONS = 4096


def check_partitions(count: int) -> int:
    if not 1 <= count <= MAX_PARTITIONS:
        raise ValueError(f"the partition count must be 1 to {MAX_PARTITIONS}, not {count}")
    return count


def partition_of(conversation_id: str, partitions: int = DEFAULT_PARTITIONS) -> int:
    """The partition (0 ≤ p < ``partitions``) a conversation belongs to, on every engine."""
    digest = hashlib.blake2b(conversation_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % partitions


def in_partitions(
    conversation_ids: Iterable[str], held: set[int] | frozenset[int], partitions: int
) -> list[str]:
    """The conversations, in their order, that belong to one of the ``held`` partitions."""
    return [c for c in conversation_ids if partition_of(c, partitions) in held]

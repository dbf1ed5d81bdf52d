"""The hash chain: how a record's hash is made (SHA-256, or HMAC-SHA256 with the key) and
the walk that finds the first record that breaks it."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assist_tui.audit.keys import fingerprint

GENESIS = "0" * 64


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(
    prev_hash: str,
    seq: int,
    time: str,
    kind: str,
    conversation: str | None,
    actor: str,
    data: str,
    key: bytes | None = None,
) -> str:
    """SHA-256 of the record and the previous hash; an HMAC-SHA256 when keyed."""
    material = "\x1f".join((prev_hash, str(seq), time, kind, conversation or "", actor, data))
    if key is not None:
        return hmac.new(key, material.encode("utf-8"), hashlib.sha256).hexdigest()
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    first_bad_seq: int | None = None
    problem: str = ""
    problems: tuple[str, ...] = ()  # every problem found, the first one is ``problem``
    notes: tuple[str, ...] = ()  # not failures: e.g. an unkeyed legacy chain


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    """The store's chain settings (empty for a store written before keys existed)."""
    try:
        return dict(conn.execute("SELECT name, value FROM audit_meta").fetchall())
    except sqlite3.OperationalError:  # no such table: a legacy store
        return {}


def walk_chain(
    rows: Sequence[Sequence[Any]], key: bytes | None, meta: dict[str, str]
) -> VerifyResult:
    """Walk ``rows`` (seq, time, kind, conversation, actor, data, prev_hash, hash, in rowid
    order) from the first; the records from ``keyed_from`` on are checked with the key."""
    keyed_from = int(meta.get("keyed_from", "0")) or None
    notes: list[str] = []
    if keyed_from is None:
        notes.append("unkeyed legacy chain: an edit with recomputed hashes would not show")
    elif keyed_from > 1:
        notes.append(f"records 1-{keyed_from - 1} are an unkeyed legacy chain (before the key)")
    if keyed_from is not None and key is None:
        problem = "the store is keyed but no audit key was found: the chain cannot be checked"
        return VerifyResult(False, len(rows), keyed_from, problem, (problem,), tuple(notes))
    if keyed_from is not None and key is not None and fingerprint(key) != meta.get("key_id"):
        problem = "the audit key is not the key this store was written with"
        return VerifyResult(False, len(rows), keyed_from, problem, (problem,), tuple(notes))
    previous = GENESIS
    expected_seq = 1
    for row in rows:
        seq, time, kind, conversation, actor, data, prev_hash, digest = row
        problem = ""
        if seq != expected_seq:
            problem = f"record {expected_seq} is missing or out of order (found {seq} in its place)"
            seq = expected_seq
        elif prev_hash != previous:
            problem = f"record {seq} does not follow record {seq - 1}"
        else:
            use = key if keyed_from is not None and seq >= keyed_from else None
            if not hmac.compare_digest(
                chain_hash(prev_hash, seq, time, kind, conversation, actor, data, use), digest
            ):
                problem = f"record {seq} was altered"
        if problem:
            return VerifyResult(False, len(rows), seq, problem, (problem,), tuple(notes))
        previous = digest
        expected_seq += 1
    return VerifyResult(True, len(rows), notes=tuple(notes))

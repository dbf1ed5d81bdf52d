"""The append-only audit store: SQLite in WAL mode, batched commits, a SHA-256 chain.

Each record's hash covers its sequence number, content and the previous record's hash,
so an edited, removed or reordered row breaks the chain at that row. Triggers refuse
UPDATE and DELETE. Only this module writes the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

GENESIS = "0" * 64
SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    conversation TEXT,
    actor TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_conversation ON audit(conversation, seq);
CREATE INDEX IF NOT EXISTS audit_kind ON audit(kind, seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit store is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit store is append-only'); END;
"""


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    time: str
    kind: str
    conversation: str | None
    actor: str
    data: dict[str, Any]
    prev_hash: str
    hash: str

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "kind": self.kind,
            "conversation": self.conversation,
            "actor": self.actor,
            "data": self.data,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(
    prev_hash: str, seq: int, time: str, kind: str, conversation: str | None, actor: str, data: str
) -> str:
    material = "\x1f".join((prev_hash, str(seq), time, kind, conversation or "", actor, data))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    first_bad_seq: int | None = None
    problem: str = ""


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


class _Records:
    """Reading by filters, shared by the writer and by read-only readers."""

    _conn: sqlite3.Connection
    _lock: threading.Lock

    def records(
        self,
        *,
        since: datetime | None = None,
        conversation: str | None = None,
        kinds: list[str] | None = None,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> Iterator[AuditRecord]:
        return _select(
            self._conn,
            self._lock,
            since=since,
            conversation=conversation,
            kinds=kinds,
            after_seq=after_seq,
            limit=limit,
        )


class AuditStore(_Records):
    """Append records (buffered), flush them in one transaction, read and verify them.

    ``append`` is cheap and synchronous (it hashes in memory); ``flush`` writes the
    buffer. ``run_flusher`` flushes periodically off the event loop.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = _connect(path)
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._buffer: list[tuple[int, str, str, str | None, str, str, str, str]] = []
        row = self._conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        self._seq, self._last_hash = (int(row[0]), str(row[1])) if row else (0, GENESIS)
        self.appended = 0
        self.counts: dict[str, int] = {}

    # -- writing ---------------------------------------------------------------------------
    def append(
        self,
        kind: str,
        data: dict[str, Any],
        *,
        conversation: str | None = None,
        actor: str = "engine",
        at: datetime | None = None,
    ) -> int:
        """Queue one record; return its sequence number. ``data`` must already be redacted."""
        moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
        time = moment.isoformat(timespec="microseconds")
        text = canonical(data)
        with self._lock:
            self._seq += 1
            digest = chain_hash(self._last_hash, self._seq, time, kind, conversation, actor, text)
            self._buffer.append(
                (self._seq, time, kind, conversation, actor, text, self._last_hash, digest)
            )
            self._last_hash = digest
            self.appended += 1
            self.counts[kind] = self.counts.get(kind, 0) + 1
            return self._seq

    def flush(self) -> int:
        """Write every buffered record in one transaction; return how many."""
        with self._lock:
            rows, self._buffer = self._buffer, []
            if not rows:
                return 0
            try:
                self._conn.execute("BEGIN")
                self._conn.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                self._buffer = rows + self._buffer  # nothing is lost: retried next flush
                raise
            return len(rows)

    async def run_flusher(self, interval_s: float) -> None:
        """Flush every ``interval_s`` in a worker thread until cancelled (then flush once)."""
        try:
            while True:
                await asyncio.sleep(interval_s)
                try:
                    await asyncio.to_thread(self.flush)
                except sqlite3.Error as exc:
                    log.error("audit flush failed, will retry: %s", exc)
        finally:
            self.flush()

    def close(self) -> None:
        self.flush()
        self._conn.close()

    # -- reading ---------------------------------------------------------------------------
    def verify(self) -> VerifyResult:
        return verify_file(self.path, conn=self._conn, lock=self._lock)


class AuditReader(_Records):
    """Reads a store another process writes (the dashboard reads the engine's)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()


def _select(
    conn: sqlite3.Connection,
    lock: threading.Lock,
    *,
    since: datetime | None,
    conversation: str | None,
    kinds: list[str] | None,
    after_seq: int,
    limit: int | None,
) -> Iterator[AuditRecord]:
    query = "SELECT seq, time, kind, conversation, actor, data, prev_hash, hash FROM audit"
    clauses: list[str] = ["seq > ?"]
    params: list[object] = [after_seq]
    if since is not None:
        clauses.append("time >= ?")
        params.append(since.astimezone(timezone.utc).isoformat(timespec="microseconds"))
    if conversation:
        clauses.append("conversation = ?")
        params.append(conversation)
    if kinds:
        clauses.append(f"kind IN ({','.join('?' * len(kinds))})")
        params.extend(kinds)
    query += " WHERE " + " AND ".join(clauses) + " ORDER BY seq"
    if limit is not None:
        query += f" LIMIT {int(limit)}"
    with lock:
        rows = conn.execute(query, params).fetchall()
    return (
        AuditRecord(int(row[0]), row[1], row[2], row[3], row[4], json.loads(row[5]), row[6], row[7])
        for row in rows
    )


def verify_file(
    path: Path, *, conn: sqlite3.Connection | None = None, lock: threading.Lock | None = None
) -> VerifyResult:
    """Walk the chain from the first record; report the first row that breaks it."""
    own = conn is None
    if conn is None:
        if not path.exists():
            return VerifyResult(False, 0, None, f"no audit store at {path}")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    guard = lock or threading.Lock()
    try:
        with guard:
            rows = conn.execute(
                "SELECT seq, time, kind, conversation, actor, data, prev_hash, hash "
                "FROM audit ORDER BY rowid"
            ).fetchall()
    finally:
        if own:
            conn.close()
    previous = GENESIS
    expected_seq = 1
    for row in rows:
        seq, time, kind, conversation, actor, data, prev_hash, digest = row
        if seq != expected_seq:
            return VerifyResult(
                False,
                len(rows),
                expected_seq,
                f"record {expected_seq} is missing or out of order (found {seq} in its place)",
            )
        if prev_hash != previous:
            return VerifyResult(
                False, len(rows), seq, f"record {seq} does not follow record {seq - 1}"
            )
        if chain_hash(prev_hash, seq, time, kind, conversation, actor, data) != digest:
            return VerifyResult(False, len(rows), seq, f"record {seq} was altered")
        previous = digest
        expected_seq += 1
    return VerifyResult(True, len(rows))

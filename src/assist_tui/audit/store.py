"""The append-only audit store: SQLite in WAL mode, batched commits, a keyed hash chain.

Each record's hash covers its sequence number, content and the previous record's hash,
so an edited, removed or reordered row breaks the chain at that row. With a key the hash
is an HMAC-SHA256, so an edit cannot be hidden by recomputing the later hashes; the head
checkpoint beside the store (see ``head``) shows removed newest records. Triggers refuse
UPDATE and DELETE. Only this module writes the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
import time as clock
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from assist_tui.audit.chain import GENESIS as GENESIS
from assist_tui.audit.chain import VerifyResult as VerifyResult
from assist_tui.audit.chain import canonical as canonical
from assist_tui.audit.chain import chain_hash as chain_hash
from assist_tui.audit.chain import read_meta, walk_chain
from assist_tui.audit.head import HeadError, read_head, write_head
from assist_tui.audit.keys import AuditKeyError, fingerprint
from assist_tui.config import data_dir
from assist_tui.files import SQLITE_SIDES, private_file, private_sqlite

log = logging.getLogger(__name__)

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
CREATE TABLE IF NOT EXISTS audit_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_meta_no_update BEFORE UPDATE ON audit_meta
BEGIN SELECT RAISE(ABORT, 'the audit store is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_meta_no_delete BEFORE DELETE ON audit_meta
BEGIN SELECT RAISE(ABORT, 'the audit store is append-only'); END;
"""
TRIGGERS = ("audit_no_update", "audit_no_delete", "audit_meta_no_update", "audit_meta_no_delete")
CHECKPOINT_RECORDS = 1000  # the head hash goes to the log at least this often...
CHECKPOINT_S = 60.0  # ...and this often


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


def _connect(path: Path) -> sqlite3.Connection:
    private_sqlite(path, tighten_dir=path.parent == data_dir())
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for side in SQLITE_SIDES:
        private_file(path.with_name(path.name + side))
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

    def __init__(
        self,
        path: Path,
        key: bytes | None = None,
        *,
        checkpoint_records: int = CHECKPOINT_RECORDS,
        checkpoint_s: float = CHECKPOINT_S,
    ) -> None:
        self.path = path
        self._conn = _connect(path)
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._buffer: list[tuple[int, str, str, str | None, str, str, str, str]] = []
        row = self._conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        self._seq, self._last_hash = (int(row[0]), str(row[1])) if row else (0, GENESIS)
        self.appended = 0
        self.counts: dict[str, int] = {}
        self._key = self._adopt_key(key)
        self._checkpoint_every = (checkpoint_records, checkpoint_s)
        self._checkpointed = (self._seq, clock.monotonic())
        self._head_lock = threading.Lock()
        self._head_seq = 0
        self._check_head()

    def _adopt_key(self, key: bytes | None) -> bytes | None:
        """Key the chain from the next record on (a legacy store keeps its old records)."""
        meta = read_meta(self._conn)
        if "key_id" in meta:
            if key is None or fingerprint(key) != meta["key_id"]:
                raise AuditKeyError(
                    f"the audit store {self.path} is keyed with another key (id "
                    f"{meta['key_id']}); fix: restore that audit.key, or set [audit] path "
                    f"to start a new store"
                )
            return key
        if key is not None:
            with self._conn:
                self._conn.executemany(
                    "INSERT INTO audit_meta VALUES (?, ?)",
                    [
                        ("chain", "hmac-sha256"),
                        ("key_id", fingerprint(key)),
                        ("keyed_from", str(self._seq + 1)),
                    ],
                )
        return key

    def _check_head(self) -> None:
        """At open, the head checkpoint must match the store: if records are gone, say so
        in the chain itself (an ``audit_gap`` record), since the head moves on."""
        try:
            head = read_head(self.path)
        except HeadError as exc:
            head = None
            log.error("%s", exc)
        if head is None or (head.seq == self._seq and head.hash == self._last_hash):
            if self._seq and head is None:
                write_head(self.path, self._seq, self._last_hash, self._key)
            return
        stored = self._conn.execute("SELECT hash FROM audit WHERE seq = ?", (head.seq,)).fetchone()
        if head.seq < self._seq and stored is not None and stored[0] == head.hash:
            return  # a crash between a commit and its checkpoint: nothing is missing
        log.error(
            "audit store %s ends at record %d but its checkpoint says %d: records are missing",
            self.path,
            self._seq,
            head.seq,
        )
        self.append(
            "audit_gap",
            {"checkpoint_seq": head.seq, "checkpoint_hash": head.hash, "found_seq": self._seq},
            actor="audit",
        )
        self.flush()

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
            digest = chain_hash(
                self._last_hash, self._seq, time, kind, conversation, actor, text, self._key
            )
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
            last_seq, last_hash = rows[-1][0], rows[-1][7]
        # Outside the lock: appends never wait for the fsync. A late, older head is
        # harmless (it still matches a stored record); a newer one is never lost.
        with self._head_lock:
            if last_seq > self._head_seq:
                write_head(self.path, last_seq, last_hash, self._key)
                self._head_seq = last_seq
                self._log_checkpoint(last_seq, last_hash)
        return len(rows)

    def _log_checkpoint(self, seq: int, digest: str) -> None:
        """The head in the log too, every N records or seconds: a third copy elsewhere."""
        last_seq, last_time = self._checkpointed
        every_records, every_s = self._checkpoint_every
        now = clock.monotonic()
        if seq - last_seq >= every_records or now - last_time >= every_s:
            log.info("audit checkpoint: %s record %d hash %s", self.path.name, seq, digest)
            self._checkpointed = (seq, now)

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
        return verify_file(self.path, conn=self._conn, lock=self._lock, key=self._key)


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

    def page(
        self,
        *,
        before_seq: int | None = None,
        after_seq: int | None = None,
        kinds: Sequence[str] = (),
        exclude_kinds: Sequence[str] = (),
        text: str = "",
        limit: int = 200,
    ) -> list[AuditRecord]:
        """One page, newest first, by keyset (audit/browse.py)."""
        from assist_tui.audit.browse import page

        with self._lock:
            return page(
                self._conn,
                before_seq=before_seq,
                after_seq=after_seq,
                kinds=kinds,
                exclude_kinds=exclude_kinds,
                text=text,
                limit=limit,
            )

    def kinds(self) -> list[str]:
        """The kinds present, read from the kind index (cheap on a large store)."""
        from assist_tui.audit.browse import kinds_present

        with self._lock:
            return kinds_present(self._conn)


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
    path: Path,
    *,
    conn: sqlite3.Connection | None = None,
    lock: threading.Lock | None = None,
    key: bytes | None = None,
) -> VerifyResult:
    """Walk the chain from the first record; report the first row that breaks it.

    The whole check (triggers, head checkpoint, a corrupt file) is ``verify.verify_store``.
    """
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
            meta = read_meta(conn)
    finally:
        if own:
            conn.close()
    return walk_chain(rows, key, meta)

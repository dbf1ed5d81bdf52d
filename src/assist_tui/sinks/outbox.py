"""A durable outbox in SQLite: records wait here until the receiver acknowledges them.

Keys are idempotency keys (unique: enqueueing a key twice is a no-op). Delivery is in
order per conversation: only the oldest pending record of a conversation is due. The
outbox remembers the last audit record it was fed from (``high_water``), in the same
transaction as the records (sinks/outbox_feed.py).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assist_tui.config import data_dir
from assist_tui.files import private_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    conversation TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(state, conversation, id);
CREATE INDEX IF NOT EXISTS outbox_state_id ON outbox(state, id);
CREATE TABLE IF NOT EXISTS outbox_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    conversation: str
    payload: dict[str, Any]
    attempts: int
    next_at: float = 0.0


class Outbox:
    """Thread-safe; every call is short. ``enqueue`` commits, so a record survives a kill."""

    def __init__(self, path: Path) -> None:
        private_sqlite(path, tighten_dir=path.parent == data_dir())  # mode 600, WAL too
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()

    def enqueue_many(
        self, items: list[tuple[str, str, dict[str, Any]]], *, high_water: int | None = None
    ) -> int:
        """Add (key, conversation, payload) records in one transaction; return how many new.

        ``high_water``: the last audit seq these records were read up to, recorded in the
        same transaction (a kill cannot separate the two).
        """
        if not items and high_water is None:
            return 0
        now = time.time()
        with self._lock:
            self._conn.execute("BEGIN")
            before = self._conn.total_changes
            self._conn.executemany(
                "INSERT OR IGNORE INTO outbox(key, conversation, payload, created) "
                "VALUES (?,?,?,?)",
                [(k, c, json.dumps(p, separators=(",", ":")), now) for k, c, p in items],
            )
            added = self._conn.total_changes - before
            if high_water is not None:
                self._conn.execute(
                    "INSERT INTO outbox_meta(name, value) VALUES ('audit_seq', ?) "
                    "ON CONFLICT(name) DO UPDATE SET value=MAX(value, excluded.value)",
                    (high_water,),
                )
            self._conn.execute("COMMIT")
            return int(added)

    def high_water(self) -> int:
        """The last audit seq the outbox was fed from (0: never)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM outbox_meta WHERE name='audit_seq'"
            ).fetchone()
        return int(row[0]) if row else 0

    def pending_after(self, after_id: int, limit: int = 1000) -> list[OutboxItem]:
        """Pending records with an id above ``after_id``, oldest first (for the lanes)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, key, conversation, payload, attempts, next_at FROM outbox "
                "WHERE state='pending' AND id > ? ORDER BY id LIMIT ?",
                (after_id, limit),
            ).fetchall()
        return [
            OutboxItem(int(r[0]), r[1], r[2], json.loads(r[3]), int(r[4]), float(r[5]))
            for r in rows
        ]

    def due(self, *, now: float, held: set[str], limit: int = 50) -> list[OutboxItem]:
        """The oldest pending record of each conversation that is not held, if it is due."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT o.id, o.key, o.conversation, o.payload, o.attempts, o.next_at "
                "FROM outbox o "
                "JOIN (SELECT conversation, MIN(id) AS head FROM outbox WHERE state='pending' "
                "GROUP BY conversation) h ON o.id = h.head ORDER BY o.id"
            ).fetchall()
        items = [
            OutboxItem(int(r[0]), r[1], r[2], json.loads(r[3]), int(r[4]), float(r[5]))
            for r in rows
            if r[2] not in held and float(r[5]) <= now
        ]
        return items[:limit]

    def settle(self, outcomes: list[tuple[int, str, float, str | None]]) -> None:
        """Record a round of outcomes in one transaction: (id, state, next_at, error),
        state being ``delivered``, ``pending`` (to retry at next_at) or ``failed``."""
        if not outcomes:
            return
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "UPDATE outbox SET state=?, next_at=?, last_error=?, attempts=attempts+1 "
                "WHERE id=?",
                [(state, next_at, error, item_id) for item_id, state, next_at, error in outcomes],
            )
            self._conn.execute("COMMIT")

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT state, COUNT(*) FROM outbox GROUP BY state"
            ).fetchall()
        return {str(state): int(count) for state, count in rows}

    def close(self) -> None:
        with self._lock:
            self._conn.close()

"""A durable outbox in SQLite: records wait here until the receiver acknowledges them.

Keys are idempotency keys (unique: enqueueing a key twice is a no-op). Delivery is in
order per conversation: only the oldest pending record of a conversation is due.
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
"""


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    conversation: str
    payload: dict[str, Any]
    attempts: int


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

    def enqueue_many(self, items: list[tuple[str, str, dict[str, Any]]]) -> int:
        """Add (key, conversation, payload) records in one transaction; return how many new."""
        if not items:
            return 0
        now = time.time()
        with self._lock:
            before = self._conn.total_changes
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR IGNORE INTO outbox(key, conversation, payload, created) "
                "VALUES (?,?,?,?)",
                [(k, c, json.dumps(p, separators=(",", ":")), now) for k, c, p in items],
            )
            self._conn.execute("COMMIT")
            return self._conn.total_changes - before

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
            OutboxItem(int(r[0]), r[1], r[2], json.loads(r[3]), int(r[4]))
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

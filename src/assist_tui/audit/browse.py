"""Browsing the audit store: keyset pages from the newest record, filtered by kind and text,
so a screen opens on a store of millions of records at once. Reads only."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from assist_tui.audit.store import AuditRecord


def page(
    conn: sqlite3.Connection,
    *,
    before_seq: int | None = None,
    after_seq: int | None = None,
    kinds: Sequence[str] = (),
    exclude_kinds: Sequence[str] = (),
    text: str = "",
    limit: int = 200,
) -> list[AuditRecord]:
    """One page, newest first, by keyset on ``seq`` (never OFFSET): the newest ``limit``
    records, or those just older than ``before_seq``, or the oldest ``limit`` newer than
    ``after_seq``. ``text`` matches kind, conversation, actor or data (case-insensitive)."""
    clauses: list[str] = []
    params: list[object] = []
    if before_seq is not None:
        clauses.append("seq < ?")
        params.append(before_seq)
    if after_seq is not None:
        clauses.append("seq > ?")
        params.append(after_seq)
    if kinds:
        clauses.append(f"kind IN ({','.join('?' * len(kinds))})")
        params.extend(kinds)
    if exclude_kinds:
        clauses.append(f"kind NOT IN ({','.join('?' * len(exclude_kinds))})")
        params.extend(exclude_kinds)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = " LIKE ? ESCAPE '\\'"
        clauses.append(f"(kind{like} OR conversation{like} OR actor{like} OR data{like})")
        params.extend([f"%{escaped}%"] * 4)
    order = "ASC" if after_seq is not None and before_seq is None else "DESC"
    query = "SELECT seq, time, kind, conversation, actor, data, prev_hash, hash FROM audit"
    if clauses:
        query += " WHERE " + " AND ".join(clauses)
    query += f" ORDER BY seq {order} LIMIT {int(limit)}"
    rows = conn.execute(query, params).fetchall()
    records = [
        AuditRecord(int(r[0]), r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows
    ]
    return records if order == "DESC" else records[::-1]


def kinds_present(conn: sqlite3.Connection) -> list[str]:
    """The kinds present, read from the kind index (cheap on a large store)."""
    found: list[str] = []
    row = conn.execute("SELECT MIN(kind) FROM audit").fetchone()
    while row and row[0] is not None:  # one index seek per kind, not a scan
        found.append(row[0])
        row = conn.execute("SELECT MIN(kind) FROM audit WHERE kind > ?", (row[0],)).fetchone()
    return found

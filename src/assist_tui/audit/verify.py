"""``audit verify``'s whole check, read-only: the file opens as a database, the triggers
are in place, the keyed chain holds, no gap was recorded, and the head checkpoint beside
the store matches its newest record (so deleted newest records and truncation show)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from assist_tui.audit.chain import VerifyResult, read_meta, walk_chain
from assist_tui.audit.head import HeadError, head_path, head_signed_by, read_head
from assist_tui.audit.store import TRIGGERS

_ROWS = "SELECT seq, time, kind, conversation, actor, data, prev_hash, hash FROM audit"


def verify_store(path: Path, key: bytes | None) -> VerifyResult:
    """Every problem found, in the order: unreadable, chain, gaps, head, triggers."""
    if not path.exists():
        problem = f"no audit store at {path}; fix: run the engine first, or set [audit] path"
        return VerifyResult(False, 0, None, problem, (problem,))
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute(_ROWS + " ORDER BY rowid").fetchall()
            meta = read_meta(conn)
            schema = dict(conn.execute("SELECT name, type FROM sqlite_master").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        problem = (
            f"the audit store {path} cannot be read ({exc}): it is truncated, corrupt or "
            f"not an audit store; fix: restore it from a backup, or move it away so the "
            f"engine starts a new one"
        )
        return VerifyResult(False, 0, None, problem, (problem,))
    chain = walk_chain(rows, key, meta)
    problems: list[str] = list(chain.problems)
    first_bad = chain.first_bad_seq
    for seq, kind, data in ((r[0], r[2], r[5]) for r in rows):
        if kind == "audit_gap":
            gap = json.loads(data)
            problems.append(
                f"records {gap['found_seq'] + 1}-{gap['checkpoint_seq']} were missing when the "
                f"store was reopened (recorded in record {seq})"
            )
            first_bad = first_bad or gap["found_seq"] + 1
    last_seq = int(rows[-1][0]) if rows else 0
    head_problem = _head_problem(path, key, meta, last_seq, rows)
    if head_problem:
        problems.append(head_problem[0])
        first_bad = first_bad or head_problem[1]
    # A store from before keys has no meta table, so no triggers on it either.
    expected = [t for t in TRIGGERS if "audit_meta" in schema or not t.startswith("audit_meta")]
    missing = [t for t in expected if schema.get(t) != "trigger"]
    problems += [f"trigger {t} was dropped: the store no longer refuses edits" for t in missing]
    if not problems:
        return VerifyResult(True, len(rows), notes=chain.notes)
    return VerifyResult(False, len(rows), first_bad, problems[0], tuple(problems), chain.notes)


def _head_problem(
    path: Path,
    key: bytes | None,
    meta: dict[str, str],
    last_seq: int,
    rows: list[tuple[object, ...]],
) -> tuple[str, int | None] | None:
    try:
        head = read_head(path)
    except HeadError as exc:
        return str(exc), None
    if head is None:
        if meta and last_seq:
            return f"the head checkpoint {head_path(path)} is missing", None
        return None
    if meta and key is not None and not head_signed_by(head, key):
        return f"the head checkpoint {head_path(path)} was altered (bad signature)", None
    if head.seq > last_seq:
        gone = f"{last_seq + 1}-{head.seq}" if head.seq > last_seq + 1 else str(head.seq)
        return (
            f"records {gone} are missing: the store ends at record {last_seq} but its "
            f"checkpoint says {head.seq} (newest records deleted, or the store truncated)",
            last_seq + 1,
        )
    at = next((r for r in rows if r[0] == head.seq), None)
    if at is None or at[7] != head.hash:
        return f"record {head.seq} differs from the head checkpoint", head.seq
    return None

"""Ended calls of this run beyond the newest kept in memory, read back from the audit's
``conversation_ended`` records: a bounded scan, handed out a page at a time."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING

from assist_tui.audit.store import AuditRecord, AuditStore
from assist_tui.engine.snapshot import ConversationRow
from assist_tui.engine.stages import runner
from assist_tui.model import AudioStatus

if TYPE_CHECKING:
    from assist_tui.engine.stages.runner import BoardStages

READ_BATCH = 1000  # records read per query
MAX_SCANNED = 200_000  # records read at most for one page: the scan is bounded
MAX_PAGE = 1000  # rows handed out at most per page


def older_ended(
    audit: AuditStore,
    since: datetime,
    skip: Collection[str],
    *,
    offset: int = 0,
    limit: int = MAX_PAGE,
) -> list[ConversationRow]:
    """This run's ended calls not in ``skip`` (the ones in memory or on the board), newest
    first, rows ``offset`` to ``offset + limit``; only what the audit recorded is known."""
    latest: dict[str, AuditRecord] = {}
    after, scanned = 0, 0
    while scanned < MAX_SCANNED:
        batch = list(
            audit.records(
                since=since, kinds=["conversation_ended"], after_seq=after, limit=READ_BATCH
            )
        )
        if not batch:
            break
        for record in batch:
            cid = record.conversation
            if cid and cid not in skip:
                latest.pop(cid, None)  # ended again after a reopen: the newest counts
                latest[cid] = record
        after, scanned = batch[-1].seq, scanned + len(batch)
    newest = list(reversed(latest.values()))
    limit = max(0, min(limit, MAX_PAGE))
    return [_row(r) for r in newest[max(0, offset) : max(0, offset) + limit]]


def _row(record: AuditRecord) -> ConversationRow:
    ended = datetime.fromisoformat(record.time)
    return ConversationRow(
        conversation_id=record.conversation or "",
        queue_id=None,
        agent_name=None,
        first_seen=ended,  # the audit row tells the end only
        ended_at=ended,
        last_speaker=None,
        hit_count=0,
        status=AudioStatus.UNKNOWN,
        latency_p95_ms=None,
        paused=False,
        finals=0,
    )


def ended_page(
    board: BoardStages,
    audit: AuditStore,
    since: datetime,
    offset: int = 0,
    limit: int | None = None,
) -> list[ConversationRow]:
    """The ended-calls view: those in memory, newest first, then (once memory is full, so
    older ones were let go) this run's older ones from the audit, one page of them."""
    kept = board.ended_rows()
    if len(kept) < runner.MAX_ENDED:
        rows = kept
    else:
        skip = {r.conversation_id for r in kept} | set(board.engine.conversations)
        page = MAX_PAGE if limit is None else limit
        older_from = max(0, offset - len(kept))
        rows = kept + older_ended(audit, since, skip, offset=older_from, limit=page)
        offset = min(offset, len(kept))
    end = None if limit is None else offset + limit
    return rows[offset:end]


def find_older(board: BoardStages, audit: AuditStore, since: datetime, cid: str) -> None:
    """Put an older ended call back in memory so it can be reopened (KeyError if unknown)."""
    if cid in board.ended or cid in board.engine.conversations:
        return
    skip = set(board.engine.conversations) | set(board.ended)
    for offset in range(0, MAX_SCANNED, MAX_PAGE):
        page = older_ended(audit, since, skip, offset=offset)
        row = next((r for r in page if r.conversation_id == cid), None)
        if row is not None:
            board.ended[cid] = row
            board.ended.move_to_end(cid, last=False)  # the oldest: the first to go again
            return
        if len(page) < MAX_PAGE:
            break
    raise KeyError(f"no ended conversation {cid}")

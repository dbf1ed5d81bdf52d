"""Stream gaps where they matter: each is audited (``stream_gap``), counted for the status
bar and headless status, and marked in the transcript of every conversation it touched;
when such a conversation ends, its recorded transcript fills the gap (engine/backfill.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from assist_tui.engine.conversation import ConversationState, Line
from assist_tui.model import Speaker, StreamGap, UtteranceUpdate

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine

log = logging.getLogger(__name__)

BACKFILL_PREFIX = "backfill-"  # utterance ids of phrases taken from a recorded transcript


@dataclass
class ConversationGap:
    """One gap as one conversation lived it."""

    started_at: datetime
    ended_at: datetime
    line_key: str
    filled: int = 0
    outcome: str = "open"  # open | filled | unfilled


def _clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")


def gap_text(gap: ConversationGap) -> str:
    """What the transcript says about a gap, as it stands."""
    seconds = (gap.ended_at - gap.started_at).total_seconds()
    span = f"stream gap {_clock(gap.started_at)} to {_clock(gap.ended_at)} ({seconds:.1f} s)"
    if gap.outcome == "filled":
        return f"{span}: {gap.filled} line(s) filled in from the recorded transcript"
    if gap.outcome == "unfilled":
        return f"{span}: speech in it may be missing (the recording could not fill it)"
    return f"{span}: speech in it may be missing"


class GapKeeper:
    """The engine's record of gaps; called from ``AssistEngine.process``."""

    def __init__(self, engine: AssistEngine) -> None:
        self.engine = engine
        self.count = 0
        self.seconds = 0.0
        self.backfilled = 0  # lines filled in from recorded transcripts
        self.unfilled = 0  # conversation gaps the recording could not fill
        self.open: dict[str, list[ConversationGap]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # -- a gap is reported ---------------------------------------------------------------
    def on_gap(self, gap: StreamGap) -> None:
        self.count += 1
        self.seconds += max(gap.seconds, 0.0)
        for gone in [cid for cid in self.open if cid not in self.engine.conversations]:
            del self.open[gone]  # unsubscribed by hand: nothing left to fill
        affected = self._affected(gap)
        self.engine.audit.append(
            "stream_gap",
            {
                "started": gap.started_at.isoformat(),
                "ended": gap.ended_at.isoformat(),
                "seconds": round(gap.seconds, 3),
                "channel": gap.channel_id,
                "conversations": affected,
            },
            actor="stream",
        )
        for cid in affected:
            state = self.engine.conversations[cid]
            record = ConversationGap(gap.started_at, gap.ended_at, f"gap-{self.count}")
            self.open.setdefault(cid, []).append(record)
            self._put_line(state, record)
            if state.ended_at is not None:
                self.on_ended(cid)  # it ended before the gap was told: fill it now

    def _affected(self, gap: StreamGap) -> list[str]:
        """Followed conversations that were live during the gap and heard through it."""
        conversations = self.engine.conversations
        ids = gap.conversation_ids or tuple(conversations)
        affected = []
        for cid in ids:
            state = conversations.get(cid)
            if state is not None and (state.ended_at is None or state.ended_at > gap.started_at):
                affected.append(cid)
        return affected

    @staticmethod
    def _put_line(state: ConversationState, gap: ConversationGap) -> None:
        line = state.lines.get(gap.line_key)
        if line is None:
            line = Line(
                utterance_id=gap.line_key,
                speaker=Speaker.UNKNOWN,
                text="",
                is_final=True,
                confidence=0.0,
                offset_ms=None,
                duration_ms=None,
                received_at=gap.ended_at,
                kind="gap",
            )
            state.lines[gap.line_key] = line
        line.text = gap_text(gap)
        state.version += 1

    # -- a conversation ends: fill its gaps ------------------------------------------------
    def on_ended(self, conversation_id: str) -> None:
        gaps = [g for g in self.open.get(conversation_id, []) if g.outcome == "open"]
        if not gaps:
            return
        from assist_tui.engine.backfill import backfill  # the REST side, only when needed

        settings = self.engine.settings.backfill
        if not settings.enabled:
            self.settle(conversation_id, gaps, [], "backfill is disabled")
            return
        task = asyncio.create_task(
            backfill(self, conversation_id, gaps, settings), name=f"backfill-{conversation_id[:8]}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def settle(
        self,
        conversation_id: str,
        gaps: list[ConversationGap],
        filled: list[tuple[ConversationGap, str]],
        reason: str,
    ) -> None:
        """Record the outcome: each gap filled (with its lines placed after its mark) or not."""
        state = self.engine.conversations.get(conversation_id)
        per_gap: dict[str, list[str]] = {}
        for gap, uid in filled:
            per_gap.setdefault(gap.line_key, []).append(uid)
        for gap in gaps:
            uids = per_gap.get(gap.line_key, [])
            gap.filled = len(uids)
            gap.outcome = "filled" if uids else "unfilled"
            self.unfilled += not uids
            if state is not None:
                self._put_line(state, gap)
                self._place_after(state, gap.line_key, uids)
        self.backfilled += len(filled)
        self.engine.audit.append(
            "gap_backfill",
            {
                "gaps": len(gaps),
                "filled_gaps": sum(1 for g in gaps if g.outcome == "filled"),
                "lines": len(filled),
                "reason": reason,
            },
            conversation=conversation_id,
            actor="backfill",
        )
        self.open[conversation_id] = [g for g in self.open[conversation_id] if g.outcome == "open"]
        if not self.open[conversation_id]:
            del self.open[conversation_id]

    @staticmethod
    def _place_after(state: ConversationState, key: str, uids: list[str]) -> None:
        """Put backfilled lines right after their gap's mark, in spoken order."""
        moved = [state.lines[u] for u in uids if u in state.lines]
        if not moved or key not in state.lines:
            return
        moved.sort(key=lambda line: line.offset_ms or 0)
        order: OrderedDict[str, Line] = OrderedDict()
        for uid, line in state.lines.items():
            if uid in uids:
                continue
            order[uid] = line
            if uid == key:
                for m in moved:
                    m.backfilled = True
                    order[m.utterance_id] = m
        state.lines = order
        state.version += 1

    # -- what the other stages ask -----------------------------------------------------------
    @staticmethod
    def audit_extra(update: UtteranceUpdate) -> dict[str, Any]:
        """Fields a final's audit record carries when it was backfilled."""
        if not update.utterance_id.startswith(BACKFILL_PREFIX):
            return {}
        return {"backfilled": True, "offset_ms": update.offset_ms}

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            try:
                await task
            except (asyncio.CancelledError, Exception):
                log.debug("backfill task ended on stop")

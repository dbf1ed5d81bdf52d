"""A call taken over from another engine continues where it was: its transcript so far,
its keyword hits and suggestions come from the views KV (the last view the previous owner
published), so the board shows the whole call and finals already done are not done again.

The views KV rather than the platform: Genesys has no transcript of a live call to look
up (the recorded transcript comes minutes after the call ends), and the view is at most
one publishing round (a quarter of a second) behind what the previous owner had.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

import nats.errors
import nats.js.errors
from nats.js.kv import KeyValue
from pydantic import ValidationError

from assist_tui.bus import codec
from assist_tui.bus.codec import CallHead, CallView, CodecError
from assist_tui.bus.partition import DEFAULT_PARTITIONS, partition_of
from assist_tui.bus.subjects import Subjects
from assist_tui.engine.conversation import ConversationState, said_in
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.snapshot import ConversationContent
from assist_tui.model import LiveConversation, StreamGap, UtteranceUpdate, utc_now

log = logging.getLogger(__name__)


def continue_from(
    state: ConversationState,
    content: ConversationContent,
    on_final: Callable[[UtteranceUpdate, str], None] | None = None,
) -> int:
    """Give ``state`` the finals, hits and suggestions of ``content``; return the lines.
    ``on_final`` is told of each final restored (the call's analytics go on from them)."""
    restored = 0
    for line in content.lines:
        if not line.spoken_final:
            continue
        try:
            update = line.as_final(state.conversation_id)
        except ValidationError:
            continue
        if state.apply(update, line.text, line.redacted).new_final:
            restored += 1
            if on_final is not None:
                on_final(update, line.text)
    known = {(h.utterance_id, h.rule_id) for h in state.hits}
    now = time.monotonic()
    for hit in content.hits:
        if (hit.utterance_id, hit.rule_id) not in known:
            state.add_hit(hit)
            state.cooldowns[hit.rule_id] = now  # the agent just saw it: not again at once
    for suggestion in content.suggestions:
        if suggestion.suggestion_id not in state.suggestions:
            state.put_suggestion(suggestion)
    return restored


HANDOVER_GAP_AFTER_S = 1.0  # a hole shorter than this is a publishing round, not a gap


def handover_gap(
    conversation_id: str, content: ConversationContent, now: datetime
) -> StreamGap | None:
    """The time no engine followed a call taken over: from the last line its previous
    owner published (a final or a partial) until now; None for a call with no line yet,
    or a hole too short to matter."""
    heard = [line.received_at for line in content.lines if line.kind == "utterance"]
    if not heard:
        return None
    since = max(heard)
    if (now - since).total_seconds() < HANDOVER_GAP_AFTER_S:
        return None
    return StreamGap(
        channel_id=None, started_at=since, ended_at=now, conversation_ids=(conversation_id,)
    )


class ViewsTakeover:
    """``restore`` for ``Shard``: reads each newly followed call's view and continues it."""

    def __init__(
        self,
        engine: AssistEngine,
        views: KeyValue,
        names: Subjects,
        partitions: int = DEFAULT_PARTITIONS,
    ) -> None:
        self.engine = engine
        self.views = views
        self.names = names
        self.partitions = partitions
        self.continued = 0
        self.swept = 0

    async def __call__(self, conversations: list[LiveConversation]) -> None:
        for call in conversations:
            cid = call.conversation_id
            view = await self._view(cid, call.queue_id)
            lines = 0
            hole: StreamGap | None = None
            if view is not None:  # else a call nobody showed yet: it starts here
                state = self.engine.state(cid)
                state.queue_id = state.queue_id or view.row.queue_id
                state.agent_name = state.agent_name or view.row.agent_name
                lines = continue_from(state, view.content, self._analytics)
                said = said_in(view.content.lines)
                board = self.engine.board
                if view.row.started_at is not None:
                    board.on_started(cid, view.row.started_at)
                board.alerts.continue_call(cid, view.row.started_at, view.alerts, said)
                state.version += 1
                self.continued += 1
                hole = handover_gap(cid, view.content, utc_now())
            self.engine.audit.append(
                "taken_over",
                {"lines": lines, "view": view is not None},
                conversation=cid,
                actor="engine",
            )
            if hole is not None:
                # Nobody followed the call between its previous owner's last line and
                # now: marked, and filled from the recorded transcript when the call ends
                # (phrases heard live are not filled again), as a stream gap is.
                self.engine.gaps.on_gap(hole)

    def _analytics(self, update: UtteranceUpdate, text: str) -> None:
        """Sentiment and talk time go on from the finals before the takeover (the rules
        do not run again on them: their alerts come with the view)."""
        board, guard = self.engine.board, self.engine.guard
        with guard.stage("sentiment", update):
            board.sentiment.on_final(update, text)
        with guard.stage("talk", update):
            board.talk.on_final(update)

    async def sweep(self, partitions: set[int], live: set[str]) -> None:
        """Delete the views of calls in ``partitions`` that are neither live (``live``
        holds the platform's live ids) nor followed here: they ended while no engine
        followed them, and their views would say they are live on every board for good."""
        try:
            keys = await self.views.keys()
        except nats.js.errors.NoKeysError:
            return
        except nats.errors.Error as exc:
            log.warning("reading the views to sweep: %s", exc)
            return
        followed = self.engine.conversations
        now = utc_now()
        for key in keys:
            cid = key.rsplit(".", 1)[-1]
            if (
                partition_of(cid, self.partitions) not in partitions
                or cid in live
                or cid in followed
            ):
                continue
            with contextlib.suppress(nats.errors.Error, CodecError):
                entry = await self.views.get(key)
                row = codec.decode(CallHead, entry.value or b"").row
                # An ended call lingers on the board until its time (its engine, maybe
                # another, still shows it); one that says it is live is no one's.
                if row.ended_at is not None and (row.leaves_at is None or row.leaves_at > now):
                    continue
                await self.views.delete(key)
                self.swept += 1
                log.info("view of %s swept: it ended while no engine followed it", cid)

    async def _view(self, conversation_id: str, queue: str | None) -> CallView | None:
        for key in dict.fromkeys(
            [self.names.key(queue, conversation_id), self.names.key(None, conversation_id)]
        ):
            try:
                entry = await self.views.get(key)
            except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
                continue
            except nats.errors.Error as exc:
                log.warning("reading the view of %s: %s", conversation_id, exc)
                return None
            try:
                view: CallView = codec.decode(CallView, entry.value or b"")
            except CodecError as exc:
                log.warning("the view of %s cannot be read: %s", conversation_id, exc)
                return None
            return view
        return None

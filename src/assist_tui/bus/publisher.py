"""A serving engine's state into JetStream KV: each call's view (on change only, at most
``PUBLISH_HZ`` a second), each alert as it stands, and the engine's status every second.

Late joiners read the buckets and see the board at once; a call that leaves the board
(or an alert past the engine's bound) is deleted from its bucket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from assist_tui.bus import codec
from assist_tui.bus.codec import EngineStatus
from assist_tui.bus.subjects import Subjects, token
from assist_tui.engine.board_types import AlertView
from assist_tui.engine.snapshot import (
    ConversationContent,
    ConversationGauges,
    ConversationRow,
    content_of,
    gauges_of,
    row_of,
    stream_figures,
)
from assist_tui.model import utc_now

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.js.kv import KeyValue

    from assist_tui.engine.conversation import ConversationState
    from assist_tui.engine.engine import AssistEngine

log = logging.getLogger(__name__)

PUBLISH_HZ = 4.0  # per call: a view changes with every partial; people read at most this
# A call whose state version has not moved (nobody spoke) changes only in its figures
# (silence so far, audio, alerts): looked at once a second, not at every round.
IDLE_CHECK_S = 1.0
YIELD_AFTER_S = 0.002  # as the engine's own pipeline: no long stretch without the loop
STATUS_EVERY_S = 1.0
PUT_BATCH = 64  # puts in flight at once (each waits for the server's ack)


class ViewPublisher:
    """``await publisher.run()`` until cancelled; ``await publisher.publish()`` once."""

    def __init__(
        self,
        engine: AssistEngine,
        client: Client,
        names: Subjects,
        *,
        views: KeyValue,
        alerts: KeyValue,
        engines: KeyValue,
        engine_id: str,
        label: str,
    ) -> None:
        self.engine = engine
        self.client = client
        self.names = names
        self.views = views
        self.alerts = alerts
        self.engines = engines
        self.engine_id = engine_id
        self.label = label
        self._view_keys: dict[str, str] = {}  # conversation → its key
        self._view_sent: dict[str, bytes] = {}  # key → the value last put
        self._content: dict[str, tuple[int, bytes]] = {}  # conversation → (version, JSON)
        self._checked: dict[str, tuple[int, float]] = {}  # conversation → (version, when)
        self._alert_keys: dict[str, str] = {}  # alert → its key
        self._alert_sent: dict[str, bytes] = {}
        self._status_due = 0.0
        self._status_said: tuple[object, ...] = ()
        self._failed: set[str] = set()  # keys whose last put the server refused
        self.puts = 0  # views and alerts put so far (tests, the status line)

    def hand_over(self, conversation_id: str) -> None:
        """Another engine continues this call (bus/shard.py): forget it here without
        deleting its view, which the next owner reads to continue the call."""
        key = self._view_keys.pop(conversation_id, None)
        self._content.pop(conversation_id, None)
        self._checked.pop(conversation_id, None)
        if key is not None:
            self._view_sent.pop(key, None)

    async def run(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.publish()
            except asyncio.CancelledError:
                raise
            except Exception:  # NATS away for a moment: the next round puts it all again
                log.warning("publishing to NATS failed; retrying", exc_info=True)
                self._view_sent.clear()
                self._alert_sent.clear()
            await asyncio.sleep(max(0.0, 1 / PUBLISH_HZ - (time.monotonic() - started)))

    async def publish(self) -> None:
        """One round: what changed since the last round is put, what left is deleted."""
        await self._publish_views()
        await self._publish_alerts()
        await self._publish_notices()
        now = time.monotonic()
        health = self.engine.health
        # Every second, and at once when the engine gets ready or its stream changes state.
        changed = (self.engine.stream is not None, health.state if health else None)
        if now >= self._status_due or changed != self._status_said:
            self._status_due, self._status_said = now + STATUS_EVERY_S, changed
            await self.engines.put(token(self.engine_id), codec.encode(EngineStatus, self.status()))

    def status(self) -> EngineStatus:
        engine = self.engine
        return EngineStatus(
            engine_id=self.engine_id,
            label=self.label,
            published_at=utc_now(),
            **stream_figures(engine),
            all_own_latency=engine.metrics.own_latency.summary(),
            conversations=len(engine.conversations),
        )

    # -- views ----------------------------------------------------------------------------
    def call_view(self, state: ConversationState, alerts: tuple[AlertView, ...]) -> bytes:
        """The call's view as JSON (``alerts``: those raised on it); its content is encoded
        again only when it changed."""
        engine = self.engine
        cid = state.conversation_id
        row = row_of(state, engine.board)
        gauges = gauges_of(state, engine.latency_policy, None, board=engine.board)
        cached = self._content.get(cid)
        if cached is None or cached[0] != state.version:
            cached = (state.version, codec.encode(ConversationContent, content_of(state)))
            self._content[cid] = cached
        # Assembled by hand so that an unchanged transcript is not encoded again.
        return (
            b'{"row":'
            + codec.encode(ConversationRow, row)
            + b',"gauges":'
            + codec.encode(ConversationGauges, gauges)
            + b',"content":'
            + cached[1]
            + b',"alerts":'
            + codec.encode(
                tuple[AlertView, ...],
                engine.board.alerts.of_call(cid) if alerts is None else alerts,
            )
            + b"}"
        )

    async def _publish_views(self) -> None:
        puts: list[tuple[str, bytes]] = []
        deletes: list[str] = []
        live = self.engine.conversations
        by_call = self.engine.board.alerts.by_call()  # once a round, not once a view
        now = slice_start = time.monotonic()
        for cid, state in list(live.items()):
            if time.monotonic() - slice_start > YIELD_AFTER_S:
                await asyncio.sleep(0)  # the engine's pipeline runs between slices
                slice_start = time.monotonic()
                if cid not in live:
                    continue  # it left meanwhile: deleted below
            key = self.names.key(state.queue_id, cid)
            old = self._view_keys.get(cid)
            if old is not None and old != key:  # its queue became known: it moves
                deletes.append(old)
                self._view_sent.pop(old, None)
            self._view_keys[cid] = key
            checked = self._checked.get(cid)
            if (
                checked is not None
                and checked[0] == state.version
                and now - checked[1] < IDLE_CHECK_S
                and key in self._view_sent
            ):
                continue  # nothing said on the call: its figures are looked at less often
            self._checked[cid] = (state.version, now)
            value = self.call_view(state, by_call.get(cid, ()))
            if self._view_sent.get(key) != value:
                puts.append((key, value))
        for cid in [c for c in self._view_keys if c not in live]:
            key = self._view_keys.pop(cid)
            self._content.pop(cid, None)
            self._checked.pop(cid, None)
            self._view_sent.pop(key, None)
            deletes.append(key)
        await self._apply(self.views, puts, deletes, self._view_sent)

    # -- alerts ---------------------------------------------------------------------------
    def _queue_of(self, conversation_id: str) -> str | None:
        state = self.engine.conversations.get(conversation_id)
        if state is not None:
            return state.queue_id
        ended: ConversationRow | None = self.engine.board.ended.get(conversation_id)
        return ended.queue_id if ended is not None else None

    async def _publish_alerts(self) -> None:
        puts: list[tuple[str, bytes]] = []
        deletes: list[str] = []
        alerts = self.engine.board.alerts.newest_first()
        current = {a.alert_id for a in alerts}
        for alert in alerts:
            key = self.names.key(self._queue_of(alert.conversation_id), alert.alert_id)
            old = self._alert_keys.get(alert.alert_id)
            if old is not None and old != key:
                deletes.append(old)
                self._alert_sent.pop(old, None)
            self._alert_keys[alert.alert_id] = key
            value = codec.encode(AlertView, alert)
            if self._alert_sent.get(key) != value:
                puts.append((key, value))
        for alert_id in [a for a in self._alert_keys if a not in current]:
            key = self._alert_keys.pop(alert_id)
            self._alert_sent.pop(key, None)
            deletes.append(key)
        await self._apply(self.alerts, puts, deletes, self._alert_sent)

    async def _apply(
        self,
        bucket: KeyValue,
        puts: list[tuple[str, bytes]],
        deletes: list[str],
        sent: dict[str, bytes],
    ) -> None:
        for key in deletes:
            with contextlib.suppress(Exception):  # already gone (a purge, another engine)
                await bucket.delete(key)
        for start in range(0, len(puts), PUT_BATCH):
            batch = puts[start : start + PUT_BATCH]
            done = await asyncio.gather(
                *(bucket.put(key, value) for key, value in batch), return_exceptions=True
            )
            for (key, value), outcome in zip(batch, done, strict=True):
                if isinstance(outcome, BaseException):
                    # One value refused (too large, NATS away) must not stop the others;
                    # it is tried again next round, and said once.
                    if key not in self._failed:
                        log.warning("could not put %s: %s", key, outcome)
                    self._failed.add(key)
                    sent.pop(key, None)
                    continue
                self._failed.discard(key)
                sent[key] = value
                self.puts += 1

    # -- notices --------------------------------------------------------------------------
    async def _publish_notices(self) -> None:
        """The engine's notices for people, to every dashboard attached now (core pub/sub:
        a notice is news, not state)."""
        notices = list(self.engine.notices)
        self.engine.notices.clear()
        for notice in notices:
            log.info("notice: %s", notice)
            await self.client.publish(self.names.notices(), notice.encode())

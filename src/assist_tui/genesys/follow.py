"""Keep the right topics subscribed: given conversations, or every live one as they come.

In follow-all mode the analytics query finds what is live now, queue topics announce
new conversations, and a periodic rediscovery catches queues nobody has seen yet.
After every stream gap the follower reconciles: it rediscovers, asks the platform about
each followed conversation, and ends (and unsubscribes) those that ended meanwhile.
Platform calls made here are retried through 429s, 5xx and network errors for as long
as the run lasts (``retry.persist``): a rate-limit storm delays the follower, never ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta

from assist_tui.config import DiscoverySettings
from assist_tui.genesys.conversations import lookup_conversation
from assist_tui.genesys.discovery import discover_live, queue_topic, transcription_topic
from assist_tui.genesys.errors import GenesysError, NotFoundError
from assist_tui.genesys.feed import EventFeed
from assist_tui.genesys.retry import persist
from assist_tui.model import (
    ConversationEnded,
    ConversationStarted,
    LiveConversation,
    StreamEvent,
    StreamGap,
    SubscriptionRejected,
)

log = logging.getLogger(__name__)

MAX_ENDED_REMEMBERED = 10_000


class ConversationFollower:
    """Subscribes transcription topics of followed conversations; unsubscribes ended ones."""

    def __init__(
        self,
        stream: EventFeed,
        discovery: DiscoverySettings,
        *,
        conversation_ids: list[str] | None = None,
        rediscover_s: float | None = None,
        on_change: Callable[[str, str], None] | None = None,
        accept: Callable[[str], bool] | None = None,
    ) -> None:
        self.stream = stream
        self.discovery = discovery
        self.fixed = list(dict.fromkeys(conversation_ids or []))
        self.rediscover_s = rediscover_s or discovery.rediscover_interval_s
        self.following: dict[str, LiveConversation] = {}
        self.ended: OrderedDict[str, None] = OrderedDict()
        self._queues: set[str] = set(discovery.queues)
        self._task: asyncio.Task[None] | None = None
        self._reconcile_task: asyncio.Task[None] | None = None
        self._changes: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._reconcile_again = False
        self.reconciles = 0  # reconciliations done after gaps
        self.ended_in_gaps = 0  # conversations found ended by a reconciliation
        # Told ("subscribe" | "unsubscribe", conversation id) after each change.
        self._on_change = on_change or (lambda kind, cid: None)
        # Follow-all with several engines: only the calls of this engine's partitions.
        self.accept = accept or (lambda cid: True)

    @property
    def follow_all(self) -> bool:
        return not self.fixed

    async def start(self) -> list[SubscriptionRejected]:
        """Subscribe what is to be followed now; in follow-all mode, keep discovering."""
        if not self.follow_all:
            for cid in self.fixed:
                self.following[cid] = LiveConversation(conversation_id=cid)
            return await self._subscribe([transcription_topic(c) for c in self.fixed])
        rejected = await persist(self.rediscover, "discovering live conversations")
        self._task = asyncio.create_task(self._rediscover_forever(), name="rediscover")
        return rejected

    async def stop(self) -> None:
        for task in (self._task, self._reconcile_task, self._worker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _subscribe(self, topics: list[str]) -> list[SubscriptionRejected]:
        """Subscribe, waiting out 429s and platform or network failures."""
        return await persist(lambda: self.stream.subscribe(topics), "subscribing")

    async def _unsubscribe(self, topics: list[str]) -> None:
        await persist(lambda: self.stream.unsubscribe(topics), "unsubscribing")

    async def rediscover(self) -> list[SubscriptionRejected]:
        live = await discover_live(
            self.stream.api,
            queues=self.discovery.queues,
            lookback=timedelta(hours=self.discovery.lookback_hours),
            page_size=self.discovery.page_size,
        )
        if self.follow_all and not self.stream.announces_ends:
            await self._end_vanished({c.conversation_id for c in live})
        fresh = [
            c
            for c in live
            if c.conversation_id not in self.following
            and c.conversation_id not in self.ended
            and self.accept(c.conversation_id)
        ]
        for conversation in fresh:
            self.following[conversation.conversation_id] = conversation
        if not self.discovery.queues:
            self._queues.update(c.queue_id for c in live if c.queue_id)
        topics = [queue_topic(q) for q in sorted(self._queues)]
        topics += [transcription_topic(c.conversation_id) for c in fresh]
        rejected = await self._subscribe(topics)
        refused = {r.topic for r in rejected}
        for conversation in fresh:
            if transcription_topic(conversation.conversation_id) not in refused:
                self._on_change("subscribe", conversation.conversation_id)
        return rejected

    async def _rediscover_forever(self) -> None:
        while True:
            await asyncio.sleep(self.rediscover_s)
            try:
                await self.rediscover()
            except GenesysError as exc:
                log.warning("rediscovery failed: %s", exc)

    # -- after a gap ---------------------------------------------------------------------
    def schedule_reconcile(self) -> None:
        """Reconcile in the background (one at a time; a gap meanwhile asks for another)."""
        if self._reconcile_task is not None and not self._reconcile_task.done():
            self._reconcile_again = True
            return
        self._reconcile_task = asyncio.create_task(self._reconcile_loop(), name="reconcile")

    async def _reconcile_loop(self) -> None:
        while True:
            self._reconcile_again = False
            await self.reconcile()
            if not self._reconcile_again:
                return

    async def reconcile(self) -> None:
        """What changed while the stream could not hear: calls that started, calls that ended.

        Ended ones are told to the stream's consumer as ``ConversationEnded`` (the engine
        ends them, ``observe`` unsubscribes them), so no topic outlives its call.
        """
        self.reconciles += 1
        if self.follow_all:
            try:
                await persist(self.rediscover, "rediscovering after a gap")
            except GenesysError as exc:
                log.warning("rediscovery after a gap failed: %s", exc)
        for cid in list(self.following):
            try:
                status = await persist(
                    functools.partial(lookup_conversation, self.stream.api, cid),
                    "looking up a conversation",
                )
            except NotFoundError:
                continue  # the platform does not know it (yet): nothing to conclude
            except GenesysError as exc:
                log.warning("conversation lookup after a gap failed: %s", exc)
                continue
            if status.ended and cid in self.following:
                self.ended_in_gaps += 1
                await self.stream.emit(
                    ConversationEnded(conversation_id=cid, reason="ended during a stream gap")
                )

    async def observe(self, event: StreamEvent) -> None:
        """Follow new conversations and let go of ended ones, as events show them."""
        if isinstance(event, StreamGap):
            self.schedule_reconcile()
        elif isinstance(event, ConversationStarted) and self.follow_all:
            cid = event.conversation_id
            if cid not in self.following and cid not in self.ended and self.accept(cid):
                self.following[cid] = LiveConversation(
                    conversation_id=cid, queue_id=event.queue_id, agent_name=event.agent_name
                )
                self._change("subscribe", cid)
        elif isinstance(event, ConversationEnded):
            cid = event.conversation_id
            if cid in self.following:
                self._remember_ended(cid)
                del self.following[cid]
                self._change("unsubscribe", cid)

    def _change(self, kind: str, conversation_id: str) -> None:
        """Queue a subscription change for the worker: the caller (the engine's event
        loop, ``tail``) never waits on the platform, even through a 429 storm."""
        self._changes.put_nowait((kind, conversation_id))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._apply_changes(), name="follow-changes")

    async def _apply_changes(self) -> None:
        """One change at a time, in order (a call's subscribe before its unsubscribe)."""
        while not self._changes.empty():
            kind, cid = self._changes.get_nowait()
            topic = transcription_topic(cid)
            try:
                if kind == "subscribe":
                    if not await self._subscribe([topic]):
                        self._on_change("subscribe", cid)
                else:
                    await self._unsubscribe([topic])
                    self._on_change("unsubscribe", cid)
            except GenesysError as exc:  # retrying cannot fix it (a permission, a 400)
                log.warning("could not %s %s: %s", kind, cid, exc)

    async def settled(self) -> None:
        """Wait until every queued subscription change is done (for tests and shutdown)."""
        while self._worker is not None and not self._worker.done():
            await asyncio.wait({self._worker})

    async def _end_vanished(self, live: set[str]) -> None:
        """A stream that never says a call ended: discovery does (the engine sees an end)."""
        for cid in [c for c in self.following if c not in live]:
            await self.stream.emit(
                ConversationEnded(conversation_id=cid, reason="no longer live (discovery)")
            )

    def _remember_ended(self, conversation_id: str) -> None:
        """Ended ids are kept so follow-all never resubscribes them; bounded, oldest out."""
        self.ended[conversation_id] = None
        while len(self.ended) > MAX_ENDED_REMEMBERED:
            self.ended.popitem(last=False)

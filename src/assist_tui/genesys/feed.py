"""What every stream shares: the event queue its sockets fill, counters, final dedup.

``NotificationStream`` and the seed dialects' ``DialectStream`` both extend ``EventFeed``;
the engine, the follower and ``tail`` see only this surface (plus subscribe/unsubscribe).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import websockets

from assist_tui.config import StreamSettings
from assist_tui.genesys.backoff import Backoff
from assist_tui.genesys.rest import GenesysApi
from assist_tui.model import (
    RejectedFrame,
    StreamEvent,
    StreamHealth,
    StreamState,
    SubscriptionRejected,
    UtteranceUpdate,
)

FINALS_REMEMBERED = 50_000


@dataclass
class StreamStats:
    """Counters cheap to read at frame rate."""

    frames: int = 0
    events: int = 0
    heartbeats: int = 0
    pings: int = 0
    reconnects: int = 0
    channels_created: int = 0
    duplicates_dropped: int = 0
    gaps: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


class FinalsSeen:
    """Bounded memory of finalized utterances: later updates for them are duplicates."""

    def __init__(self, capacity: int = FINALS_REMEMBERED) -> None:
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._capacity = capacity

    def is_duplicate(self, update: UtteranceUpdate) -> bool:
        key = (update.conversation_id, update.utterance_id)
        if key in self._seen:
            return True
        if update.is_final:
            self._seen[key] = None
            if len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
        return False


SocketFailure = (OSError, asyncio.TimeoutError, websockets.WebSocketException)


def socket_failure(exc: OSError | asyncio.TimeoutError | websockets.WebSocketException) -> str:
    """Why a socket attempt failed, for people."""
    if isinstance(exc, websockets.ConnectionClosed):
        return f"socket closed (code {exc.rcvd.code if exc.rcvd else 1006})"
    if isinstance(exc, websockets.InvalidStatus):
        return f"handshake refused ({exc.response.status_code})"
    # Only the type: some messages (an invalid URI) would repeat a token in the URL.
    return f"cannot connect ({type(exc).__name__})"


def rejection_kind(reason: str) -> str:
    """``"oversized: 70000 bytes"`` counts as ``oversized``."""
    return reason.split(":", 1)[0]


class EventFeed:
    """A bounded queue of normalized events with the bookkeeping every stream needs."""

    #: Which wire dialect this is, for people (the status bar, ``tail``, the audit).
    source = "notifications"
    #: Whether the stream itself says when a conversation ends (else discovery must).
    announces_ends = True

    def __init__(
        self,
        api: GenesysApi,
        settings: StreamSettings,
        *,
        rng: random.Random | None = None,
        queue_size: int = 10_000,
    ) -> None:
        self.api = api
        self.settings = settings
        self._rng = rng or random.Random()
        self.stats = StreamStats()
        self._queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue(maxsize=queue_size)
        self._finals = FinalsSeen()
        self._closed = False

    async def report(
        self, state: StreamState, detail: str, channel_id: str | None, **extra: Any
    ) -> None:
        """Queue a health event (connecting, connected, reconnecting, closed)."""
        await self.emit(
            StreamHealth(
                state=state,
                channel_id=channel_id,
                reconnects=self.stats.reconnects,
                detail=detail,
                **extra,
            )
        )

    def new_backoff(self) -> Backoff:
        """Full-jitter exponential backoff with this stream's settings."""
        s = self.settings
        return Backoff(s.backoff_base_s, s.backoff_cap_s, s.healthy_after_s, rng=self._rng)

    async def __aenter__(self) -> EventFeed:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def open(self) -> None:
        """Checks to make before the first socket (a dialect may refuse to start)."""

    async def close(self) -> None:
        """Stop every socket; the event iterator ends after what is already queued."""
        if self._closed:
            return
        self._closed = True
        await self._stop_sockets()
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

    async def _stop_sockets(self) -> None:
        raise NotImplementedError

    @property
    def topics(self) -> set[str]:
        raise NotImplementedError

    async def subscribe(self, topics: Iterable[str]) -> list[SubscriptionRejected]:
        raise NotImplementedError

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        raise NotImplementedError

    def heartbeat_age(self) -> float | None:
        """Seconds since the stalest connected socket last proved alive (None if none)."""
        raise NotImplementedError

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self.events()

    async def events(self) -> AsyncIterator[StreamEvent]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    async def emit(self, event: StreamEvent) -> float:
        """Queue one event for the consumer; return how long the queue made us wait."""
        if isinstance(event, UtteranceUpdate) and self._finals.is_duplicate(event):
            self.stats.duplicates_dropped += 1
            return 0.0
        if isinstance(event, RejectedFrame):
            self.stats.rejected[rejection_kind(event.reason)] += 1
        self.stats.events += 1
        if self._queue.full():
            started = time.monotonic()
            await self._queue.put(event)
            return time.monotonic() - started
        self._queue.put_nowait(event)
        return 0.0

"""The Notifications API client: channels, topic subscriptions, and sockets kept alive.

One ``NotificationStream`` owns one or more channels (1,000 topics each) and yields
normalized events. Each channel's socket is watched by heartbeat, pinged when idle,
reconnected with full-jitter backoff, moved on ``socket_closing``, and replaced with a
new channel (every topic resubscribed) when the platform says it is gone. Finals are
delivered once per utterance id, whatever a reconnect replays.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection, connect

from assist_tui.config import StreamSettings
from assist_tui.genesys.backoff import Backoff
from assist_tui.genesys.errors import GenesysError, NotFoundError, ProtocolError
from assist_tui.genesys.feed import EventFeed, SocketFailure, socket_failure
from assist_tui.genesys.notification_frames import Control, decode_frame
from assist_tui.genesys.rest import GenesysApi
from assist_tui.genesys.urls import check_transport, redact_url
from assist_tui.model import (
    StreamGap,
    StreamState,
    SubscriptionRejected,
    utc_now,
)

log = logging.getLogger(__name__)

PING = json.dumps({"message": "ping"})
CHANNELS_PATH = "/api/v2/notifications/channels"
MAX_CHANNELS = 20  # per user and app; the 21st would evict our own oldest
YIELD_AFTER_S = 0.002


@dataclass
class ChannelInfo:
    id: str
    connect_uri: str
    expires: datetime | None


def _parse_expires(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class NotificationStream(EventFeed):
    """``async with NotificationStream(api, settings) as stream:`` then subscribe and iterate."""

    source = "notifications"

    def __init__(
        self,
        api: GenesysApi,
        settings: StreamSettings,
        *,
        rng: random.Random | None = None,
        queue_size: int = 10_000,
    ) -> None:
        super().__init__(api, settings, rng=rng, queue_size=queue_size)
        self._links: list[_ChannelLink] = []
        self._subs_lock = asyncio.Lock()

    async def _stop_sockets(self) -> None:
        for link in self._links:
            await link.stop()

    # -- subscriptions -------------------------------------------------------------------
    @property
    def topics(self) -> set[str]:
        return {t for link in self._links for t in link.topics}

    async def subscribe(self, topics: Iterable[str]) -> list[SubscriptionRejected]:
        """Subscribe topics not yet subscribed; return (and emit) the ones refused."""
        if self._closed:
            raise RuntimeError("the stream is closed")
        rejected: list[SubscriptionRejected] = []
        async with self._subs_lock:
            pending = [t for t in dict.fromkeys(topics) if t not in self.topics]
            limit = self.settings.topics_per_channel
            while pending:
                link = next((lk for lk in self._links if len(lk.topics) < limit), None)
                if link is None:
                    if len(self._links) >= MAX_CHANNELS:
                        raise GenesysError(
                            f"cannot subscribe {len(pending)} more topic(s): {MAX_CHANNELS} "
                            f"channels of {limit} topics are the platform's limit"
                        )
                    link = _ChannelLink(self, await self._create_channel())
                    self._links.append(link)
                room = limit - len(link.topics)
                batch, pending = pending[:room], pending[room:]
                rejected += await link.add_topics(batch)
                link.ensure_running()
        return rejected

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        """Remove topics (the platform only replaces whole lists: PUT what remains)."""
        drop = set(topics)
        async with self._subs_lock:
            for link in self._links:
                if link.topics & drop:
                    await link.replace_topics(link.topics - drop)

    def heartbeat_age(self) -> float | None:
        """Seconds since the stalest connected channel's last heartbeat (None if none)."""
        ages = [link.heartbeat_age() for link in self._links]
        known = [a for a in ages if a is not None]
        return max(known) if known else None

    # -- REST ------------------------------------------------------------------------------
    async def _create_channel(self) -> ChannelInfo:
        body = await self.api.json("POST", CHANNELS_PATH, what="creating a notification channel")
        if not isinstance(body, dict) or not body.get("id") or not body.get("connectUri"):
            raise ProtocolError("the channel answer lacks id or connectUri")
        uri = check_transport(str(body["connectUri"]))
        self.stats.channels_created += 1
        log.info("created notification channel %s", body["id"])
        return ChannelInfo(str(body["id"]), uri, _parse_expires(body.get("expires")))


class _ChannelLink:
    """One channel and the task that keeps its socket connected."""

    def __init__(self, stream: NotificationStream, info: ChannelInfo) -> None:
        self.stream = stream
        self.info = info
        self.topics: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._last_heartbeat: float | None = None
        self._last_traffic = 0.0
        self._silence: str | None = None  # why the watchdog dropped the socket
        self._connected = False

    # -- subscriptions ------------------------------------------------------------------
    def _subscriptions_path(self) -> str:
        return f"{CHANNELS_PATH}/{self.info.id}/subscriptions"

    async def _apply(self, method: str, topics: list[str]) -> list[SubscriptionRejected]:
        answer = await self.stream.api.json(
            method,
            self._subscriptions_path(),
            json=[{"id": t} for t in topics],
            what=f"subscribing {len(topics)} topic(s)",
        )
        entities = answer.get("entities", []) if isinstance(answer, dict) else []
        states = {str(e.get("id")): e for e in entities if isinstance(e, dict)}
        rejected: list[SubscriptionRejected] = []
        for topic in topics:
            entity = states.get(topic)
            # The platform lists every requested topic; one it leaves out was not taken.
            state = str(entity.get("state", "")) if entity else "Missing"
            if state.lower() == "rejected" or entity is None:
                reason = (
                    str(entity.get("rejectionReason") or "rejected")
                    if entity
                    else "not in the platform's answer"
                )
                missing = tuple(str(p) for p in (entity or {}).get("missingPermissions") or [])
                event = SubscriptionRejected(
                    topic=topic, reason=reason, missing_permissions=missing
                )
                rejected.append(event)
                self.topics.discard(topic)
                await self.stream.emit(event)
            else:
                self.topics.add(topic)
        return rejected

    async def add_topics(self, topics: list[str]) -> list[SubscriptionRejected]:
        try:
            return await self._apply("POST", topics)
        except NotFoundError:
            self.topics.update(topics)
            return await self.renew("the channel was gone while subscribing")

    async def replace_topics(self, topics: set[str]) -> None:
        # Local topics change only once the platform took the new list: a call that
        # failed (429, network) is retried with the same difference, so nothing leaks.
        try:
            await self._apply("PUT", sorted(topics))
        except NotFoundError:
            self.topics = set(topics)
            await self.renew("the channel was gone while unsubscribing")
            return
        self.topics &= set(topics)

    async def renew(self, why: str) -> list[SubscriptionRejected]:
        """Replace a gone channel with a new one and resubscribe every topic."""
        old = self.info.id
        self.info = await self.stream._create_channel()
        await self._health(
            StreamState.RECONNECTING,
            f"channel {old} gone ({why}); new channel with {len(self.topics)} topic(s)",
        )
        if not self.topics:
            return []
        return await self._apply("PUT", sorted(self.topics))

    async def _refresh_if_due(self) -> None:
        """Resubscribe before the channel's 24 hours run out (that extends its life)."""
        expires = self.info.expires
        margin = timedelta(seconds=self.stream.settings.channel_refresh_margin_s)
        if expires is None or expires - utc_now() > margin or not self.topics:
            return
        await self._apply("PUT", sorted(self.topics))
        listing = await self.stream.api.json("GET", CHANNELS_PATH, what="listing channels")
        for entity in (listing or {}).get("entities", []) if isinstance(listing, dict) else []:
            if isinstance(entity, dict) and entity.get("id") == self.info.id:
                self.info.expires = _parse_expires(entity.get("expires"))
        if self.info.expires is not None and self.info.expires - utc_now() <= margin:
            # The platform did not extend it: stop asking every frame, renew later on 404.
            self.info.expires = None
        log.info("refreshed channel %s subscriptions", self.info.id)

    # -- socket ---------------------------------------------------------------------------
    def ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"channel-{self.info.id[:8]}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def heartbeat_age(self) -> float | None:
        if not self._connected or self._last_heartbeat is None:
            return None
        return time.monotonic() - self._last_heartbeat

    async def _health(self, state: StreamState, detail: str, **extra: Any) -> None:
        await self.stream.report(state, detail, self.info.id, **extra)

    async def _run(self) -> None:
        backoff = self.stream.new_backoff()
        gap_started: datetime | None = None
        first = True
        while True:
            if not first:
                self.stream.stats.reconnects += 1
            first = False
            reason = "closed"
            try:
                reason = await self._session(backoff, gap_started)
            except asyncio.CancelledError:
                raise
            except SocketFailure as exc:
                reason = socket_failure(exc)
            finally:
                self._connected = False
            if gap_started is None:
                gap_started = utc_now()
            log.info("channel %s: %s", self.info.id, reason)
            try:
                if reason in ("channel gone", "token revoked") or not await self._exists():
                    await self.renew(reason)
            except asyncio.CancelledError:
                raise
            except GenesysError as exc:
                # The platform is unreachable or refuses: keep trying with backoff.
                reason = f"{reason}; {exc}"
            if reason == "socket closing":
                await self._health(
                    StreamState.RECONNECTING, "platform maintenance: reconnecting now"
                )
                continue
            delay = backoff.next_delay()
            await self._health(
                StreamState.RECONNECTING,
                reason,
                attempt=backoff.attempt,
                next_delay_s=round(delay, 3),
            )
            await asyncio.sleep(delay)

    async def _exists(self) -> bool:
        try:
            await self.stream.api.request(
                "HEAD", f"{CHANNELS_PATH}/{self.info.id}", what="checking the channel"
            )
        except NotFoundError:
            return False
        return True

    async def _session(self, backoff: Backoff, gap_started: datetime | None) -> str:
        settings = self.stream.settings
        await self._health(StreamState.CONNECTING, "connecting")
        async with connect(
            self.info.connect_uri,
            max_size=max(4 * settings.max_frame_bytes, 1 << 20),
            open_timeout=settings.open_timeout_s,
            ping_interval=None,  # the platform uses its own heartbeat and ping messages
            close_timeout=2,
        ) as ws:
            self._connected = True
            self._last_heartbeat = self._last_traffic = time.monotonic()
            backoff.connected()
            if gap_started is not None:
                self.stream.stats.gaps += 1
                await self.stream.emit(
                    StreamGap(channel_id=self.info.id, started_at=gap_started, ended_at=utc_now())
                )
            log.info("connected to %s", redact_url(self.info.connect_uri))
            await self._health(StreamState.CONNECTED, "connected")
            return await self._read(ws, backoff)

    async def _read(self, ws: ClientConnection, backoff: Backoff) -> str:
        """Read frames until one says to reconnect, or the watchdog gives up on the socket.

        The read loop is a plain ``async for`` (the hot path); heartbeats, idle pings and
        channel refresh live in a watchdog task that aborts the socket when it goes
        silent, which ends the loop with the watchdog's reason.
        """
        self._silence = None
        watchdog = asyncio.create_task(self._watch(ws, backoff), name="channel-watchdog")
        slice_start = time.perf_counter()
        try:
            async for raw in ws:
                reason = await self._handle(raw)
                if reason is not None:
                    return reason
                # Buffered frames are returned without suspending: yield now and then so
                # the rest of the program (a UI, the watchdog) keeps running under load.
                if time.perf_counter() - slice_start > YIELD_AFTER_S:
                    await asyncio.sleep(0)
                    slice_start = time.perf_counter()
        except websockets.ConnectionClosed:
            if self._silence is None:
                raise
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
        if self._silence is not None:
            return self._silence
        return "socket closed by the platform"

    async def _watch(self, ws: ClientConnection, backoff: Backoff) -> None:
        settings = self.stream.settings
        hb_timeout = settings.heartbeat_interval_s * settings.heartbeat_tolerance
        tick = max(0.01, min(hb_timeout, settings.ping_idle_s) / 10)
        while True:
            await asyncio.sleep(tick)
            if backoff.reset_if_healthy():
                log.debug("channel %s healthy: backoff reset", self.info.id)
            now = time.monotonic()
            assert self._last_heartbeat is not None
            if now - self._last_heartbeat >= hb_timeout:
                self._silence = f"no heartbeat for {now - self._last_heartbeat:.1f} s"
                # A silent peer will not complete a close handshake: drop the transport.
                ws.transport.abort()
                return
            if now - self._last_traffic >= settings.ping_idle_s:
                await ws.send(PING)
                self.stream.stats.pings += 1
                self._last_traffic = now
            await self._refresh_if_due()

    async def _handle(self, raw: str | bytes) -> str | None:
        """Decode one frame and queue its events; return a reason to reconnect, if any."""
        stats = self.stream.stats
        received = utc_now()
        self._last_traffic = time.monotonic()
        stats.frames += 1
        decoded = decode_frame(
            raw, max_bytes=self.stream.settings.max_frame_bytes, received_at=received
        )
        if decoded.control is Control.HEARTBEAT:
            stats.heartbeats += 1
            self._last_heartbeat = self._last_traffic
        elif decoded.control is Control.SOCKET_CLOSING:
            return "socket closing"
        elif decoded.control is Control.NO_LONGER_SUBSCRIBED:
            return "channel gone"
        elif decoded.control is Control.TOKEN_REVOKED:
            self.stream.api.tokens.invalidate()
            return "token revoked"
        for event in decoded.events:
            waited = await self.stream.emit(event)
            # Time spent blocked on a full queue is not the platform's silence.
            if self._last_heartbeat is not None:
                self._last_heartbeat += waited
        return None

"""One notification channel and the task that keeps a socket on it.

The socket is watched by heartbeat (or any data: data proves the socket as well), pinged
when idle, and reconnected with decorrelated-jitter backoff that resets as soon as a
connection is proven. Make-before-break: on ``socket_closing`` the new socket is open
before the old one is let go; a channel about to expire is rolled over to a new one that
is connected and subscribed before the old is dropped; a channel that is gone is
replaced, its socket connected first and its topics subscribed right after.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import websockets
from websockets.asyncio.client import ClientConnection, connect

from assist_tui.genesys.channels import (
    CHANNELS_PATH,
    ChannelInfo,
    apply_subscriptions,
    conversations_of,
    parse_iso_time,
)
from assist_tui.genesys.errors import GenesysError, NotFoundError
from assist_tui.genesys.feed import SocketFailure, socket_failure
from assist_tui.genesys.notification_frames import Control, decode_frame
from assist_tui.genesys.rest import GenesysApi
from assist_tui.genesys.urls import redact_url
from assist_tui.model import StreamGap, StreamState, SubscriptionRejected, utc_now

if TYPE_CHECKING:
    from assist_tui.genesys.notifications import NotificationStream

log = logging.getLogger(__name__)

PING = json.dumps({"message": "ping"})
YIELD_AFTER_S = 0.002
DRAIN_OLD_S = 1.0  # after a handover, frames still on the old socket are read this long


class ChannelLink:
    """One channel and the task that keeps its socket connected."""

    def __init__(
        self, stream: NotificationStream, info: ChannelInfo, api: GenesysApi | None = None
    ) -> None:
        self.stream = stream
        self.info = info
        self.api = api or stream.api  # the OAuth client whose channel this is
        self.topics: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._last_heartbeat: float | None = None
        self._last_traffic = 0.0
        self._silence: str | None = None  # why the watchdog dropped the socket
        self._connected = False
        self._backoff = stream.new_backoff()
        self._proven = False
        self._gap_started: datetime | None = None
        # When the last frame arrived: a gap starts there, not when the loss was noticed
        # (a final sent between the two is lost too, and must be inside the gap).
        self._last_frame_at: datetime | None = None
        self._gap_topics: set[str] = set()
        self._handover: ClientConnection | None = None  # a socket opened before the old went
        self._subscribe_on_connect = False  # a new channel: subscribe once its socket is open
        self._closing: set[asyncio.Task[None]] = set()

    # -- subscriptions ------------------------------------------------------------------
    def _subscriptions_path(self, channel_id: str | None = None) -> str:
        return f"{CHANNELS_PATH}/{channel_id or self.info.id}/subscriptions"

    async def _apply(
        self, method: str, topics: list[str], channel_id: str | None = None
    ) -> list[SubscriptionRejected]:
        return await apply_subscriptions(
            self.stream, self._subscriptions_path(channel_id), method, topics, self.topics, self.api
        )

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

    async def renew(self, why: str, *, subscribe_now: bool = True) -> list[SubscriptionRejected]:
        """Replace a gone channel with a new one and resubscribe every topic.

        From the socket task (``subscribe_now=False``) the topics are subscribed right
        after the new socket connects, so nothing published meanwhile is lost.
        """
        old = self.info.id
        self.info = await self.stream._create_channel(self.api)
        await self._health(
            StreamState.RECONNECTING,
            f"channel {old} gone ({why}); new channel with {len(self.topics)} topic(s)",
        )
        if not self.topics:
            return []
        if not subscribe_now:
            self._subscribe_on_connect = True
            return []
        self._subscribe_on_connect = False
        return await self._apply("PUT", sorted(self.topics))

    async def _refresh_if_due(self, ws: ClientConnection) -> None:
        """Resubscribe before the channel's 24 hours run out (that extends its life);
        if the platform does not extend it, roll over to a new channel."""
        expires = self.info.expires
        margin = timedelta(seconds=self.stream.settings.channel_refresh_margin_s)
        if expires is None or expires - utc_now() > margin or not self.topics:
            return
        await self._apply("PUT", sorted(self.topics))
        listing = await self.api.json("GET", CHANNELS_PATH, what="listing channels")
        for entity in (listing or {}).get("entities", []) if isinstance(listing, dict) else []:
            if isinstance(entity, dict) and entity.get("id") == self.info.id:
                self.info.expires = parse_iso_time(entity.get("expires"))
        extended = self.info.expires
        if extended is None or extended <= expires:
            await self._roll_over(ws)  # the platform did not extend it: move in time
            return
        if extended - utc_now() <= margin:
            self.info.expires = None  # extended, yet inside the margin: stop asking each tick
        log.info("refreshed channel %s subscriptions", self.info.id)

    async def _roll_over(self, old_ws: ClientConnection) -> None:
        """Make-before-break to a new channel: connect and subscribe it, then drop the old."""
        old = self.info
        info = await self.stream._create_channel(self.api)
        ws = await self._open(info.connect_uri)
        try:
            await self._apply("PUT", sorted(self.topics), channel_id=info.id)
        except BaseException:
            await ws.close()
            raise
        self.info = info
        self._handover = ws
        self._silence = "channel rolled over"
        with contextlib.suppress(GenesysError):  # the old one expires soon anyway
            await self.api.request(
                "DELETE", self._subscriptions_path(old.id), what="leaving the old channel"
            )
        await old_ws.close()

    # -- socket ---------------------------------------------------------------------------
    def ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"channel-{self.info.id[:8]}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._handover is not None:
            with contextlib.suppress(Exception):
                await self._handover.close()
            self._handover = None
        for task in list(self._closing):  # sockets being let go: done with them too
            with contextlib.suppress(Exception):
                await task

    def heartbeat_age(self) -> float | None:
        if not self._connected or self._last_heartbeat is None:
            return None
        return time.monotonic() - self._last_heartbeat

    async def _health(self, state: StreamState, detail: str, **extra: Any) -> None:
        await self.stream.report(state, detail, self.info.id, **extra)

    def _gap_begins(self) -> None:
        if self._gap_started is None:
            self._gap_started = self._last_frame_at or utc_now()
            self._gap_topics = set(self.topics)

    async def _run(self) -> None:
        backoff = self._backoff
        first = True
        while True:
            if not first:
                self.stream.stats.reconnects += 1
            first = False
            reason = "closed"
            try:
                reason = await self._session()
            except asyncio.CancelledError:
                raise
            except SocketFailure as exc:
                reason = socket_failure(exc)
            except GenesysError as exc:  # subscribing a new channel's socket failed
                reason = f"subscribing the new channel failed: {exc}"
            finally:
                self._connected = False
            if self._handover is not None:
                # Make-before-break: the next socket is already open; no gap, no wait.
                why = "platform maintenance" if reason == "socket closing" else reason
                await self._health(StreamState.RECONNECTING, f"{why}: moved to a new socket")
                continue
            self._gap_begins()
            log.info("channel %s: %s", self.info.id, reason)
            if reason != "socket closing":
                # Said at once: the checks below may wait on the platform (a 429 storm is
                # retried for seconds) while the screen still read "connected". The reason
                # and the wait follow in the next report.
                await self._health(StreamState.RECONNECTING, "connection lost; reconnecting")
            try:
                if reason in ("channel gone", "token revoked") or not await self._exists():
                    # A new channel is connected and subscribed after the usual short
                    # wait (a first retry waits at most the backoff base).
                    await self.renew(reason, subscribe_now=False)
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
            await self.api.request(
                "HEAD", f"{CHANNELS_PATH}/{self.info.id}", what="checking the channel"
            )
        except NotFoundError:
            return False
        return True

    async def _open(self, uri: str) -> ClientConnection:
        settings = self.stream.settings
        return await connect(
            uri,
            max_size=max(4 * settings.max_frame_bytes, 1 << 20),
            open_timeout=settings.open_timeout_s,
            ping_interval=None,  # the platform uses its own heartbeat and ping messages
            close_timeout=2,
        )

    async def _session(self) -> str:
        ws, self._handover = self._handover, None
        if ws is None:
            await self._health(StreamState.CONNECTING, "connecting")
            ws = await self._open(self.info.connect_uri)
        try:
            self._connected = True
            self._proven = False
            self._last_heartbeat = self._last_traffic = time.monotonic()
            self._last_frame_at = utc_now()
            self._backoff.connected()
            if self._subscribe_on_connect:
                # A new channel: its socket is open first, so nothing subscribed is lost.
                await self._apply("PUT", sorted(self.topics))
                self._subscribe_on_connect = False
            await self._end_gap()
            log.info("connected to %s", redact_url(self.info.connect_uri))
            await self._health(StreamState.CONNECTED, "connected")
            return await self._read(ws)
        finally:
            self._let_go(ws)

    async def _end_gap(self) -> None:
        if self._gap_started is None:
            return
        started, self._gap_started = self._gap_started, None
        self.stream.stats.gaps += 1
        await self.stream.emit(
            StreamGap(
                channel_id=self.info.id,
                started_at=started,
                ended_at=utc_now(),
                conversation_ids=conversations_of(self._gap_topics | self.topics),
            )
        )

    def _let_go(self, ws: ClientConnection) -> None:
        """Close a socket without waiting for its handshake (the next one is on its way)."""
        task = asyncio.create_task(ws.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _read(self, ws: ClientConnection) -> str:
        """Read frames until one says to reconnect, or the watchdog gives up on the socket.

        The read loop is a plain ``async for`` (the hot path); heartbeats, idle pings and
        channel refresh live in a watchdog task that aborts the socket when it goes
        silent, which ends the loop with the watchdog's reason.
        """
        self._silence = None
        watchdog = asyncio.create_task(self._watch(ws), name="channel-watchdog")
        slice_start = time.perf_counter()
        try:
            async for raw in ws:
                reason = await self._handle(raw)
                if reason == "socket closing":
                    await self._hand_over(ws)
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

    async def _hand_over(self, old: ClientConnection) -> None:
        """``socket_closing``: open the next socket first, then read what the old still has."""
        try:
            self._handover = await self._open(self.info.connect_uri)
        except SocketFailure as exc:
            log.info("channel %s: early reconnect failed (%s)", self.info.id, socket_failure(exc))
            return

        async def drain() -> None:
            async for raw in old:
                await self._handle(raw)

        with contextlib.suppress(websockets.ConnectionClosed, asyncio.TimeoutError):
            await asyncio.wait_for(drain(), DRAIN_OLD_S)

    async def _watch(self, ws: ClientConnection) -> None:
        settings = self.stream.settings
        hb_timeout = settings.heartbeat_interval_s * settings.heartbeat_tolerance
        tick = max(0.01, min(hb_timeout, settings.ping_idle_s) / 10)
        while True:
            await asyncio.sleep(tick)
            if self._backoff.reset_if_healthy():
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
            try:
                await self._refresh_if_due(ws)
            except GenesysError as exc:  # try again on the next tick's turn
                log.warning("channel %s: refresh failed: %s", self.info.id, exc)
            if self._handover is not None:
                return

    def _prove(self) -> None:
        """A subscribed socket that carried a heartbeat or an event: reset the backoff."""
        self._last_heartbeat = self._last_traffic
        if not self._proven and self.topics:
            self._proven = True
            if self._backoff.proven():
                log.debug("channel %s proven: backoff reset", self.info.id)

    async def _handle(self, raw: str | bytes) -> str | None:
        """Decode one frame and queue its events; return a reason to reconnect, if any."""
        stats = self.stream.stats
        received = self._last_frame_at = utc_now()
        self._last_traffic = time.monotonic()
        stats.frames += 1
        decoded = decode_frame(
            raw, max_bytes=self.stream.settings.max_frame_bytes, received_at=received
        )
        if decoded.control is Control.HEARTBEAT:
            stats.heartbeats += 1
            self._prove()
        elif decoded.control is Control.PONG:
            self._last_heartbeat = self._last_traffic  # answered: the socket is alive
        elif decoded.control is Control.SOCKET_CLOSING:
            return "socket closing"
        elif decoded.control is Control.NO_LONGER_SUBSCRIBED:
            return "channel gone"
        elif decoded.control is Control.TOKEN_REVOKED:
            self.api.tokens.invalidate()
            return "token revoked"
        if decoded.events:
            self._prove()  # data through the socket proves it as well as a heartbeat
        for event in decoded.events:
            waited = await self.stream.emit(event)
            # Time spent blocked on a full queue is not the platform's silence.
            if self._last_heartbeat is not None:
                self._last_heartbeat += waited
        return None

"""One socket for a seed dialect, kept alive: connect, handshake, read, reconnect.

The dialect (genesys/dialects/) only builds URLs and messages and translates frames;
connection, auth (bearer header or query token, refreshed on 401), full-jitter backoff,
health events, gaps, frame-size guard, acks and their timeouts live here, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection, connect

from assist_tui.config import DialectSettings, StreamSettings
from assist_tui.genesys.backoff import Backoff
from assist_tui.genesys.dialects.base import (
    Ack,
    Dialect,
    Outgoing,
    PolicyViolation,
    SubscriptionInvalid,
)
from assist_tui.genesys.dialects.conversations_stream import ConversationsStreamDialect
from assist_tui.genesys.dialects.insights import InsightsDialect
from assist_tui.genesys.dialects.transcription import TranscriptionDialect
from assist_tui.genesys.dialects.transcripts import TranscriptsDialect
from assist_tui.genesys.discovery import transcription_topic
from assist_tui.genesys.errors import GenesysError, NotFoundError
from assist_tui.genesys.feed import EventFeed, SocketFailure, socket_failure
from assist_tui.genesys.rest import GenesysApi
from assist_tui.genesys.transcription_topic import TOPIC
from assist_tui.genesys.urls import check_transport, redact_url
from assist_tui.model import (
    RejectedFrame,
    StreamGap,
    StreamState,
    SubscriptionRejected,
    utc_now,
)

log = logging.getLogger(__name__)

DIALECTS: dict[str, type[Dialect]] = {
    d.name: d
    for d in (TranscriptionDialect, TranscriptsDialect, InsightsDialect, ConversationsStreamDialect)
}
THROTTLE_RETRIES = 4  # a subscribe answered 429 is retried this often, with backoff
YIELD_AFTER_S = 0.002
SOCKET_CLOSED = Ack(False, message="socket closed")  # what a pending subscribe gets then


class AckTimeout(GenesysError):
    """The server did not answer a subscribe within the dialect's timeout."""


class _Reconnect(Exception):
    """Leave the socket and connect again (the subscribed set is part of the URL)."""


def make_dialect(source: str, settings: DialectSettings) -> Dialect:
    try:
        return DIALECTS[source](settings)
    except KeyError:
        known = ", ".join(["notifications", *DIALECTS])
        raise GenesysError(f"unknown stream source {source!r}; known: {known}") from None


class DialectStream(EventFeed):
    """``async with DialectStream(api, settings, dialect, ws_base) as stream:`` like any feed."""

    announces_ends = False

    def __init__(
        self,
        api: GenesysApi,
        settings: StreamSettings,
        dialect: Dialect,
        ws_base: str,
        *,
        rng: random.Random | None = None,
        queue_size: int = 10_000,
    ) -> None:
        super().__init__(api, settings, rng=rng, queue_size=queue_size)
        self.dialect = dialect
        self.source = dialect.name
        self.ws_base = check_transport(ws_base)
        self.conversations: dict[str, None] = {}  # followed, in order
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._gap_started: datetime | None = None  # the socket went down then; reset once told
        # When the last frame arrived: a gap starts there, not when the loss was noticed.
        self._last_frame_at: datetime | None = None
        self._unproven: Backoff | None = None  # reset on the first event after subscribing
        self._pending: dict[str, asyncio.Future[Ack]] = {}
        self._last_traffic: float | None = None
        self._reconnect_requested = False
        self.fatal: str | None = None  # why the stream stopped for good (until changed)

    # -- feed surface ------------------------------------------------------------------
    async def open(self) -> None:
        await self.dialect.preflight(self.api)

    async def _stop_sockets(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def topics(self) -> set[str]:
        return {transcription_topic(c) for c in self.conversations}

    def heartbeat_age(self) -> float | None:
        """Seconds since the last frame (these dialects have no heartbeat of their own)."""
        if self._ws is None or self._last_traffic is None:
            return None
        return time.monotonic() - self._last_traffic

    async def subscribe(self, topics: Iterable[str]) -> list[SubscriptionRejected]:
        """Follow the conversations of transcription topics; other topics are not carried."""
        if self._closed:
            raise RuntimeError("the stream is closed")
        wanted: dict[str, str] = {}
        for topic in dict.fromkeys(topics):
            match = TOPIC.match(topic)
            if match and match["id"] not in self.conversations:
                wanted[match["id"]] = topic
        refused: list[SubscriptionRejected] = []
        async with self._lock:
            fresh: list[str] = []
            for cid, topic in wanted.items():
                try:
                    await self.dialect.prepare(self.api, cid)
                except NotFoundError as exc:
                    refused.append(await self._refuse(topic, str(exc)))
                    continue
                fresh.append(cid)
            if fresh:
                try:  # refused here, before anything is sent, if it breaks the schema
                    whole = self.dialect.resubscribe == "whole-set"
                    self.dialect.subscribe_messages(
                        [*self.conversations, *fresh] if whole else fresh
                    )
                except SubscriptionInvalid as exc:
                    for cid in fresh:
                        self.dialect.forget(cid)
                        refused.append(await self._refuse(wanted[cid], str(exc)))
                    fresh = []
            if not fresh:
                return refused
            for cid in fresh:
                self.conversations[cid] = None
            self.fatal = None
            if self._ws is not None:
                refused += await self._subscribe_live(fresh)
            self._ensure_running()
            self._wake.set()
        return refused

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        gone = [m["id"] for t in topics if (m := TOPIC.match(t)) and m["id"] in self.conversations]
        if not gone:
            return
        async with self._lock:
            for cid in gone:
                self.conversations.pop(cid, None)
                self.dialect.forget(cid)
            ws = self._ws
            if ws is None:
                return
            mode = self.dialect.resubscribe
            if mode == "per-conversation":
                await self._send_unsubscribes(ws, gone)
            elif mode == "whole-set" and self.conversations:
                messages = self.dialect.subscribe_messages(list(self.conversations))
                with contextlib.suppress(GenesysError, websockets.ConnectionClosed):
                    await self._exchange(ws, messages)
            elif mode == "reconnect" or (mode == "whole-set" and not self.conversations):
                await self._request_reconnect(ws)

    # -- subscribe while connected --------------------------------------------------------
    async def _subscribe_live(self, fresh: list[str]) -> list[SubscriptionRejected]:
        ws = self._ws
        assert ws is not None
        mode = self.dialect.resubscribe
        if mode == "client-side":
            return []
        if mode == "reconnect":
            await self._request_reconnect(ws)
            return []
        ids = fresh if mode == "per-conversation" else list(self.conversations)
        try:
            failures = await self._exchange(ws, self.dialect.subscribe_messages(ids))
        except (AckTimeout, websockets.ConnectionClosed) as exc:
            # The reconnect's handshake subscribes the whole set again.
            log.info("%s: subscribe while connected failed (%s); reconnecting", self.source, exc)
            ws.transport.abort()
            return []
        return await self._drop_refused(ws, failures, fresh)

    async def _drop_refused(
        self, ws: ClientConnection, failures: dict[str, str], fresh: list[str]
    ) -> list[SubscriptionRejected]:
        refused: list[SubscriptionRejected] = []
        gone: list[str] = []
        for key, reason in failures.items():
            cids = [key.split("/", 1)[0]] if key != "subscription" else fresh
            for cid in cids:
                if cid in self.conversations:
                    self.conversations.pop(cid)
                    self.dialect.forget(cid)
                    gone.append(cid)
                    refused.append(await self._refuse(transcription_topic(cid), reason))
        # One participant refused, another maybe taken: let the whole conversation go.
        await self._send_unsubscribes(ws, gone)
        return refused

    async def _send_unsubscribes(self, ws: ClientConnection, conversation_ids: list[str]) -> None:
        for message in self.dialect.unsubscribe_messages(conversation_ids):
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.send(message.text)

    async def _request_reconnect(self, ws: ClientConnection) -> None:
        self._reconnect_requested = True
        await ws.close(1000, "subscriptions changed")

    async def _refuse(self, topic: str, reason: str) -> SubscriptionRejected:
        event = SubscriptionRejected(topic=topic, reason=f"{self.source}: {reason}")
        await self.emit(event)
        return event

    async def _exchange(self, ws: ClientConnection, messages: list[Outgoing]) -> dict[str, str]:
        """Send messages and await their acks; return the refused ones (key -> reason).

        A refusal for throttling (429) is retried with backoff; a missing ack raises.
        """
        failures: dict[str, str] = {}
        backoff = self.new_backoff()
        for message in messages:
            for attempt in range(THROTTLE_RETRIES + 1):
                ack = await self._send_and_wait(ws, message)
                if ack is None or ack.ok:
                    break
                if ack.status == 429 and attempt < THROTTLE_RETRIES:
                    delay = backoff.next_delay()
                    await self._health(
                        StreamState.CONNECTING,
                        f"subscribe throttled (429); retrying in {delay:.1f} s",
                        attempt=backoff.attempt,
                        next_delay_s=round(delay, 3),
                    )
                    await asyncio.sleep(delay)
                    continue
                failures[message.ack_key or "subscription"] = (
                    f"refused ({ack.status}): {ack.message}" if ack.status else ack.message
                )
                break
        return failures

    async def _send_and_wait(self, ws: ClientConnection, message: Outgoing) -> Ack | None:
        if message.ack_key is None:
            await ws.send(message.text)
            return None
        future: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._pending[message.ack_key] = future
        try:
            await ws.send(message.text)
            timeout = self.dialect.settings.ack_timeout_s
            try:
                ack = await asyncio.wait_for(future, timeout)
            except asyncio.TimeoutError:
                raise AckTimeout(
                    f"no 'subscribed' answer within {timeout:g} s ({self.source})"
                ) from None
            if ack is SOCKET_CLOSED:
                raise AckTimeout("the socket closed before the subscribe was answered")
            return ack
        finally:
            self._pending.pop(message.ack_key, None)

    def _resolve(self, ack: Ack) -> None:
        # An answer that does not say what it answers goes to the oldest question.
        key = ack.key if ack.key in self._pending else next(iter(self._pending), None)
        future = self._pending.get(key) if key is not None else None
        if future is not None and not future.done():
            future.set_result(ack)
        else:
            log.debug("%s: unexpected ack %s", self.source, ack)

    # -- the socket -------------------------------------------------------------------------
    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"stream-{self.source}")

    async def _health(self, state: StreamState, detail: str, **extra: Any) -> None:
        await self.report(state, detail, self.source, **extra)

    async def _run(self) -> None:
        backoff = self.new_backoff()
        first = True
        while True:
            if not self.conversations or self.fatal:
                # Nothing to follow (or refused for good): wait for a change.
                self._wake.clear()
                await self._wake.wait()
                continue
            if not first:
                self.stats.reconnects += 1
            first = False
            immediate = False
            try:
                reason = await self._session(backoff)
            except _Reconnect:
                reason, immediate = "subscriptions changed", True
            except PolicyViolation as exc:
                self.fatal = str(exc)
                log.warning("%s", exc)
                await self._health(StreamState.CLOSED, str(exc))
                continue
            except websockets.InvalidStatus as exc:
                if exc.response.status_code in (401, 403):
                    # A stale or revoked token looks like either: the next try gets a new one.
                    self.api.tokens.invalidate()
                reason = socket_failure(exc)
            except GenesysError as exc:  # an ack timeout, or a REST failure on the way
                reason = str(exc)
            except SocketFailure as exc:
                reason = socket_failure(exc)
            finally:
                self._ws = None
            self._unproven = None
            if self._gap_started is None and not immediate:
                self._gap_started = self._last_frame_at or utc_now()
            log.info("%s: %s", self.source, reason)
            if immediate:
                first = True  # a new set of conversations is not a reconnection
                await self._health(StreamState.CONNECTING, reason)
                continue
            delay = backoff.next_delay()
            await self._health(
                StreamState.RECONNECTING,
                reason,
                attempt=backoff.attempt,
                next_delay_s=round(delay, 3),
            )
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _session(self, backoff: Backoff) -> str:
        await self._health(StreamState.CONNECTING, "connecting")
        token = await self.api.tokens.token()
        in_url = list(self.conversations)
        url = check_transport(self.dialect.url(self.ws_base, in_url, token))
        options = self.dialect.settings
        self._reconnect_requested = False
        async with connect(
            url,
            additional_headers=self.dialect.headers(token),
            max_size=options.max_message_bytes,
            open_timeout=self.settings.open_timeout_s,
            ping_interval=options.ping_interval_s,
            ping_timeout=options.ping_timeout_s,
            close_timeout=2,
        ) as ws:
            log.info("%s: connected to %s", self.source, redact_url(url))
            self._last_traffic = time.monotonic()
            self._last_frame_at = utc_now()
            reader = asyncio.create_task(self._read(ws), name=f"stream-{self.source}-read")
            try:
                async with self._lock:
                    ids = list(self.conversations)
                    failures = await self._exchange(ws, self.dialect.subscribe_messages(ids))
                    await self._drop_refused(ws, failures, ids)
                    self._ws = ws
                    if self.dialect.resubscribe == "reconnect" and ids != in_url:
                        await self._request_reconnect(ws)  # the set changed while connecting
                backoff.connected()
                self._unproven = backoff  # subscribed: the first event proves the socket
                if self._gap_started is not None:
                    gap_started, self._gap_started = self._gap_started, None
                    self.stats.gaps += 1
                    ended = utc_now()
                    await self.emit(
                        StreamGap(
                            channel_id=self.source,
                            started_at=gap_started,
                            ended_at=ended,
                            conversation_ids=tuple(self.conversations),
                        )
                    )
                await self._health(StreamState.CONNECTED, f"connected ({self.source})")
                return await reader
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                    await reader

    async def _read(self, ws: ClientConnection) -> str:
        slice_start = time.perf_counter()
        try:
            async for raw in ws:
                await self._handle(raw)
                if time.perf_counter() - slice_start > YIELD_AFTER_S:
                    await asyncio.sleep(0)
                    slice_start = time.perf_counter()
        except websockets.ConnectionClosed:
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_result(SOCKET_CLOSED)
        if self._reconnect_requested:
            raise _Reconnect
        code = ws.close_code or 1006
        reason = ws.close_reason or ""
        if self.dialect.is_fatal_close(code):
            raise PolicyViolation(self.dialect.close_reason(code, reason))
        return self.dialect.close_reason(code, reason)

    async def _handle(self, raw: str | bytes) -> None:
        self.stats.frames += 1
        self._last_traffic = time.monotonic()
        received = self._last_frame_at = utc_now()
        size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "replace"))
        if size > self.settings.max_frame_bytes:
            await self.emit(
                RejectedFrame(reason=f"oversized: {size} bytes", size=size, received_at=received)
            )
            return
        decoded = self.dialect.decode(raw, received)
        if decoded.ack is not None:
            self._resolve(decoded.ack)
        if decoded.events and self._unproven is not None:
            self._unproven.proven()  # a subscribed socket that carries events is good
            self._unproven = None
        for event in decoded.events:
            cid = getattr(event, "conversation_id", None)
            if cid is not None and cid not in self.conversations:
                # Another conversation on a shared stream (seed 004), or one just let go.
                continue
            await self.emit(event)

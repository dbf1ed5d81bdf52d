"""``assist-tui --attach nats://…``: an ``EngineLink`` with no engine behind it here. The
board comes from KV watches (a late joiner has it at once), commands go by request-reply
with the supervisor's name, and presence says who else watches the call shown.

The audit stays on the serving engine (one store, written once): ``l`` says so, and
``assist-tui audit export`` on that machine reads it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assist_tui.bus import codec
from assist_tui.bus.attach_commands import AttachCommands
from assist_tui.bus.codec import CallView, EngineStatus
from assist_tui.bus.connection import connect
from assist_tui.bus.nats_config import inbox_prefix
from assist_tui.bus.presence import Presence
from assist_tui.bus.scope import Scope
from assist_tui.bus.scoped_watch import watch_filters
from assist_tui.bus.subjects import Subjects, token
from assist_tui.cancelling import cancel_and_wait
from assist_tui.engine.board_types import AlertView
from assist_tui.engine.link import EngineCommandError, EngineStopped
from assist_tui.engine.snapshot import ConversationRow, EngineView
from assist_tui.genesys.urls import redact_url

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.js.kv import KeyValue

log = logging.getLogger(__name__)

SILENT_AFTER_S = 5.0  # engines put their status every second
INITIAL_SYNC_S = 5.0  # the first view waits this long at most for the buckets' contents
BUCKET_RETRY_S = 1.0  # before any engine served the org, its buckets do not exist
AUDIT_ELSEWHERE = (
    "the audit lives on the serving engine (one store, written once): "
    "run `assist-tui audit export` on its machine"
)


async def check_reachable(url: str) -> None:
    """Raise ``BusUnavailable`` (one line) if NATS at ``url`` cannot be reached."""
    client = await connect(url, name="assist-tui attach check")
    await client.close()


class NatsLink(AttachCommands):
    """The dashboard's view of an engine serving ``org`` on NATS at ``url``."""

    def __init__(
        self, url: str, *, org: str, supervisor: str, dashboard_id: str | None = None
    ) -> None:
        self.url = url
        self.names = Subjects(org)
        self.supervisor = supervisor
        self.dashboard_id = token(dashboard_id or f"{supervisor}-{uuid.uuid4().hex[:8]}")
        self.label = f"attached {redact_url(url)} as {supervisor}"
        self.audit_path = Path(AUDIT_ELSEWHERE)  # nothing to open here (see audit_elsewhere)
        self.audit_elsewhere = AUDIT_ELSEWHERE
        self.calls: dict[str, ConversationRow] = {}  # views-bucket key → the call's row
        self._raw: dict[str, bytes] = {}  # views-bucket key → the call's whole view, as put
        self._full: tuple[str, bytes, CallView] | None = None  # the shown call, decoded
        self.alerts: dict[str, AlertView] = {}
        self.engines: dict[str, tuple[EngineStatus, float]] = {}  # key → (status, seen)
        self.presence: Presence | None = None
        self._by_id: dict[str, str] = {}  # conversation → its key
        self._queues: dict[str, str | None] = {}  # conversation → queue (ended calls too)
        self._notices: list[str] = []
        self._client: Client | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._synced: dict[str, asyncio.Event] = {}
        self._start_lock = asyncio.Lock()
        self._presence_task: asyncio.Task[None] | None = None
        self._engineless_since = time.monotonic()
        self.scope: Scope | None = None  # team scoping: the queues this supervisor sees
        self._scope_lock = asyncio.Lock()

    # -- start and stop -------------------------------------------------------------------
    async def start(self) -> None:
        """Connect and watch the buckets; returns once each has delivered what it holds
        (a late joiner sees the current board at once), or after ``INITIAL_SYNC_S``."""
        async with self._start_lock:
            if self._client is not None:
                return
            client = await connect(
                self.url,
                name=f"assist-tui attach {self.dashboard_id}",
                inbox_prefix=inbox_prefix(self.supervisor),
            )
            self._client = client
            self._engineless_since = time.monotonic()
            await client.subscribe(self.names.notices(), cb=self._on_notice)
            js = client.jetstream()
            watches: list[tuple[str, Callable[[str, bytes | None], None]]] = [
                (self.names.views_bucket, self._on_view),
                (self.names.alerts_bucket, self._on_alert),
                (self.names.engines_bucket, self._on_engine),
                (self.names.presence_bucket, self._on_presence),
            ]
            for name, apply in watches:
                self._synced[name] = asyncio.Event()
                self._tasks.append(
                    asyncio.create_task(self._watch(js, name, apply), name=f"watch-{name}")
                )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(e.wait() for e in self._synced.values())), INITIAL_SYNC_S
            )

    async def _watch(self, js: Any, name: str, apply: Callable[[str, bytes | None], None]) -> None:
        """Follow one bucket for good: a watch that fails is started again, and what left
        the bucket meanwhile leaves this dashboard once the bucket has been read again."""
        bucket: KeyValue | None = None
        while bucket is None:  # the org's first engine creates the buckets
            try:
                bucket = await js.key_value(name)
            except Exception:
                await asyncio.sleep(BUCKET_RETRY_S)
        if name == self.names.presence_bucket:
            self.presence = Presence(bucket, self.dashboard_id, self.supervisor)
        while True:
            stale = set(self._held(name))  # before a restart: what may have gone
            try:
                # Team scoping: only the keys of this supervisor's queues (the engine says).
                everything = name == self.names.engines_bucket
                filters = [">"] if everything else await self._key_filters()
                async for entry in watch_filters(bucket, filters):
                    if entry is None:  # what the bucket held has all been delivered
                        for key in stale:
                            apply(key, None)
                        stale.clear()
                        self._synced[name].set()
                        continue
                    stale.discard(entry.key)
                    deleted = entry.operation in ("DEL", "PURGE")
                    try:
                        apply(entry.key, None if deleted else entry.value)
                    except codec.CodecError as exc:  # a peer's bad value: skipped, not drawn
                        log.warning("%s %s: %s", name, entry.key, exc)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("watching %s failed (%s); watching again", name, exc)
            await asyncio.sleep(BUCKET_RETRY_S)

    async def _key_filters(self) -> list[str]:
        """The KV filters of this supervisor's scope, asked of the engine once (retried
        until an engine serves the org); a scope that sees nothing says so on the board."""
        async with self._scope_lock:
            while self.scope is None:
                try:
                    self.scope = Scope.from_json(await self._request("scope", {}))
                except (EngineCommandError, EngineStopped) as exc:
                    log.debug("scope not known yet: %s", exc)
                    await asyncio.sleep(BUCKET_RETRY_S)
            return self.scope.key_filters()

    def _held(self, name: str) -> list[str]:
        """The keys of bucket ``name`` this dashboard holds now."""
        held: dict[str, Mapping[str, object]] = {
            self.names.views_bucket: self.calls,
            self.names.alerts_bucket: self.alerts,
            self.names.engines_bucket: self.engines,
            self.names.presence_bucket: self.presence.everyone if self.presence else {},
        }
        return list(held[name])

    async def aclose(self) -> None:
        """Leave: this dashboard's presence is deleted, the watches stop, NATS drains."""
        if self.presence is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.presence.leave(), 2)
        await cancel_and_wait(self._tasks)  # nats-py may swallow a first cancel
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.drain(), 5)

    # -- what the watches deliver -----------------------------------------------------------
    def _on_view(self, key: str, value: bytes | None) -> None:
        if value is None:
            old = self.calls.pop(key, None)
            self._raw.pop(key, None)
            if old is not None and self._by_id.get(old.conversation_id) == key:
                del self._by_id[old.conversation_id]
            return
        row = codec.row_of_view(value)
        cid = row.conversation_id
        moved = self._by_id.get(cid)
        if moved is not None and moved != key:  # its queue became known: the old key goes
            self.calls.pop(moved, None)
            self._raw.pop(moved, None)
        self.calls[key] = row
        self._raw[key] = value
        self._by_id[cid] = key
        self._queues[cid] = row.queue_id

    def _call(self, conversation_id: str | None) -> CallView | None:
        """The whole view of the call shown, decoded once per value put."""
        key = self._by_id.get(conversation_id or "")
        raw = self._raw.get(key) if key is not None else None
        if key is None or raw is None:
            return None
        cached = self._full
        if cached is None or cached[0] != key or cached[1] is not raw:
            try:
                self._full = cached = (key, raw, codec.decode(CallView, raw))
            except codec.CodecError as exc:
                log.warning("views %s: %s", key, exc)
                return None
        return cached[2]

    def _on_alert(self, key: str, value: bytes | None) -> None:
        if value is None:
            self.alerts.pop(key, None)
        else:
            self.alerts[key] = codec.decode(AlertView, value)

    def _on_engine(self, key: str, value: bytes | None) -> None:
        if value is None:
            self.engines.pop(key, None)
            if not self.engines:  # "no engine ... (for N s)" counts from now
                self._engineless_since = time.monotonic()
        else:
            self.engines[key] = (codec.decode(EngineStatus, value), time.monotonic())

    def _on_presence(self, key: str, value: bytes | None) -> None:
        if self.presence is not None:
            self.presence.seen(key, value)

    async def _on_notice(self, msg: Msg) -> None:
        self._notices.append(msg.data.decode("utf-8", "replace"))

    # -- the engine's state ---------------------------------------------------------------
    def silence(self) -> str:
        """Why the board may not be true now (the status bar says it), or ""."""
        client = self._client
        if client is None:
            return ""
        if not client.is_connected:
            return f"NATS connection to {redact_url(self.url)} lost; reconnecting"
        notice = self.scope.notice() if self.scope is not None else None
        if notice:  # team scoping: this supervisor sees no queue
            return notice
        now = time.monotonic()
        if not self.engines:
            waited = now - self._engineless_since
            if waited < SILENT_AFTER_S:
                return ""
            return f"ENGINE DOWN: no engine is serving org {self.names.org} (for {waited:.0f} s)"
        newest = max(seen for _, seen in self.engines.values())
        if now - newest > SILENT_AFTER_S:
            return f"ENGINE SILENT: it has not published for {now - newest:.0f} s"
        return ""

    def _status(self) -> EngineStatus | None:
        """The freshest engine's status, with every engine's counts summed."""
        if not self.engines:
            return None
        statuses = [s for s, _ in self.engines.values()]
        fresh = max(self.engines.values(), key=lambda pair: pair[1])[0]
        return dataclasses.replace(
            fresh,
            ready=any(s.ready for s in statuses),
            rate=sum(s.rate for s in statuses),
            events=sum(s.events for s in statuses),
            reconnects=sum(s.reconnects for s in statuses),
            rejected=sum(s.rejected for s in statuses),
            gaps=sum(s.gaps for s in statuses),
            gap_seconds=sum(s.gap_seconds for s in statuses),
        )

    async def view(
        self, selected: str | None, *, rows: bool = True, known_version: int | None = None
    ) -> EngineView:
        if self._client is None:
            try:
                await self.start()
            except Exception as exc:
                raise EngineStopped(str(exc)) from exc
        call = self._call(selected)
        self._keep_presence(selected, call)
        status = self._status()
        notices, self._notices = tuple(self._notices), []
        all_rows = tuple(self.calls.values())
        gauges = content = None
        if call is not None:
            all_own = status.all_own_latency if status is not None else None
            gauges = dataclasses.replace(call.gauges, all_own_latency=all_own)
            if call.content.version != known_version:
                content = call.content
        alerts = sorted(self.alerts.values(), key=lambda a: (a.raised_at, a.alert_id))
        presence = self.presence
        return EngineView(
            ready=status is not None and status.ready,
            source=status.source if status is not None else "nats",
            health=status.health if status is not None else None,
            heartbeat_age_s=status.heartbeat_age_s if status is not None else None,
            rate=status.rate if status is not None else 0.0,
            events=status.events if status is not None else 0,
            reconnects=status.reconnects if status is not None else 0,
            rejected=status.rejected if status is not None else 0,
            paused=sum(1 for r in all_rows if r.paused),
            rows=all_rows if rows else None,
            gauges=gauges,
            content=content,
            notices=notices,
            gaps=status.gaps if status is not None else 0,
            gap_seconds=status.gap_seconds if status is not None else 0.0,
            alerts=tuple(reversed(alerts)) if rows else None,
            watching=presence.watching(selected) if presence and selected else (),
        )

    def _keep_presence(self, selected: str | None, call: CallView | None) -> None:
        """Put this dashboard's presence when the call shown changes, and refresh it; in
        the background, so a frame never waits on it."""
        presence = self.presence
        if presence is None or not presence.due(selected):
            return
        if self._presence_task is not None and not self._presence_task.done():
            return
        queue = call.row.queue_id if call is not None else self._queues.get(selected or "")
        self._presence_task = asyncio.create_task(self._show(presence, selected, queue))

    @staticmethod
    async def _show(presence: Presence, selected: str | None, queue: str | None) -> None:
        try:
            await presence.show(selected, queue)
        except Exception as exc:  # NATS away: the next frame tries again
            log.debug("presence not put: %s", exc)

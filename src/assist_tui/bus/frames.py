"""The normalized stream on NATS: a JetStream stream on ``assist.<org>.frames.>`` (kept
for a configurable age and size), the publisher a serving engine taps, and the ordered
reader ``assist-tui replay --nats`` plays from a given time.

Each message is one recording line (engine/recording.py: JSON, already redacted), on
``assist.<org>.frames.<queue>.<conversation>``, so team permissions apply to it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import nats
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy, DiscardPolicy, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from pydantic import ValidationError

from assist_tui.bus.subjects import Subjects
from assist_tui.config import RecordSettings
from assist_tui.engine.recorded import Choice, RecordingError, conversations_of, decode
from assist_tui.engine.recording import encode
from assist_tui.engine.replay_feed import Source
from assist_tui.genesys.urls import redact_url
from assist_tui.model import ConversationStarted, StreamEvent

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE_S = 7 * 24 * 3600.0
DEFAULT_MAX_BYTES = 10 * 1024**3
SOURCE_HEADER = "Assist-Source"  # which wire stream the serving engine followed
STREAM_WIDE = "_stream"  # the conversation token of the stream's own events (health)
IDLE_S = 1.0  # a reader with nothing new this long asks the server whether more is due


async def ensure_frames_stream(
    js: JetStreamContext,
    subjects: Subjects,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> None:
    """Create the org's frames stream, or bring its retention to these limits."""
    config = StreamConfig(
        name=subjects.frames_stream,
        subjects=[subjects.all_frames()],
        max_age=max_age_s,
        max_bytes=max_bytes,
        discard=DiscardPolicy.OLD,  # a full stream forgets its oldest, never refuses the newest
    )
    try:
        await js.add_stream(config)
    except BadRequestError:  # it exists with other limits
        await js.update_stream(config)


class FramesPublisher:
    """A tap sink (``engine.tap.sinks.append(publisher)``): publishes every event in the
    order told, acknowledged by JetStream, from one background task."""

    def __init__(
        self,
        client: Client,
        subjects: Subjects,
        queue_of: Callable[[str], str | None] = lambda conversation_id: None,
        *,
        source: str = "notifications",
    ) -> None:
        self.js = client.jetstream()
        self.headers = {SOURCE_HEADER: source}
        self.subjects = subjects
        self.queue_of = queue_of
        self.published = 0
        self.failed = 0
        self._pending: list[tuple[str, bytes]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> FramesPublisher:
        self._task = asyncio.create_task(self._run(), name="frames-publisher")
        return self

    def __call__(self, event: StreamEvent, at: datetime) -> None:
        about = conversations_of(event)
        cid = about[0] if len(about) == 1 else None
        queue = self.queue_of(cid) if cid else None
        if isinstance(event, ConversationStarted):  # told before the engine knows its queue
            queue = event.queue_id or queue
        subject = self.subjects.frames(queue, cid or STREAM_WIDE)
        self._pending.append((subject, encode(event, at)))
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await self.publish_pending()
            if self._closing and not self._pending:
                return

    async def publish_pending(self) -> None:
        """Publish what is waiting, in order, and wait for JetStream's acknowledgements."""
        self._wake.clear()
        batch, self._pending = self._pending, []
        if not batch:
            return
        acks = [
            await self.js.publish_async(
                subject, payload, stream=self.subjects.frames_stream, headers=dict(self.headers)
            )
            for subject, payload in batch
        ]
        for result in await asyncio.gather(*acks, return_exceptions=True):
            if isinstance(result, BaseException):
                self.failed += 1
                if self.failed == 1:
                    log.warning("a frame was not stored on NATS: %s", result)
            else:
                self.published += 1

    async def close(self, timeout_s: float = 10.0) -> None:
        """Publish what is left (a batch under way included), then stop."""
        self._closing = True
        self._wake.set()
        if self._task is None:
            await self.publish_pending()
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
        except asyncio.TimeoutError:  # NATS is gone: what is left is counted, not awaited
            self.failed += len(self._pending)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def tap_frames(
    engine: AssistEngine, client: Client, org: str, settings: RecordSettings, source: str
) -> FramesPublisher:
    """The serving engine's hook: every event it takes goes to the org's frames stream
    (made or brought to ``[record] stream_*`` retention). ``await publisher.close()`` last.
    """
    subjects = Subjects(org)
    await ensure_frames_stream(
        client.jetstream(),
        subjects,
        max_age_s=settings.stream_max_age_hours * 3600,
        max_bytes=int(settings.stream_max_mb * 1_000_000),
    )

    def queue_of(conversation_id: str) -> str | None:
        state = engine.conversations.get(conversation_id)
        return state.queue_id if state is not None else None

    publisher = FramesPublisher(client, subjects, queue_of, source=source).start()
    engine.tap.sinks.append(publisher)
    return publisher


async def nats_source(
    url: str,
    org: str,
    start: datetime | None,
    end: datetime | None,
    conversation: str | None,
) -> tuple[Source, Callable[[], Any]]:
    """``replay --nats``: the org's frames from ``start`` up to what is stored now, as a
    replay ``Source``; and the coroutine function that lets go of the connection."""
    subjects = Subjects(org)
    name = subjects.frames_stream
    try:
        client = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=3)
    except Exception as exc:  # nats raises several kinds; each is "cannot reach it"
        raise RecordingError(
            f"cannot reach NATS at {redact_url(url)}: {type(exc).__name__}"
        ) from None
    try:
        js = client.jetstream()
        try:
            info = await js.stream_info(name)
        except NotFoundError:
            raise RecordingError(
                f"{redact_url(url)}: there is no frames stream {name} (org {org!r})"
            ) from None
        if not info.state.messages:
            raise RecordingError(f"{redact_url(url)}: the frames stream {name} is empty")
        last_seq = info.state.last_seq
        last = await js.get_msg(name, last_seq)
        last_at = _decoded(last, last_seq)[0]
        source = (last.headers or {}).get(SOURCE_HEADER, "notifications")
        first_at = start or _decoded(await js.get_msg(name, info.state.first_seq), 0)[0]
        if start is not None:
            config = ConsumerConfig(opt_start_time=start)
            policy = DeliverPolicy.BY_START_TIME
        else:
            config, policy = ConsumerConfig(), DeliverPolicy.ALL
        sub = await js.subscribe(
            subjects.all_frames(), ordered_consumer=True, config=config, deliver_policy=policy
        )
    except BaseException:
        await client.close()
        raise
    choice = Choice(start, end, conversation)

    async def events() -> AsyncIterator[tuple[datetime, StreamEvent]]:
        while True:
            try:
                msg = await sub.next_msg(timeout=IDLE_S)
            except NatsTimeout:
                if (await sub.consumer_info()).num_pending == 0:
                    return  # nothing stored from then on
                continue
            seq = msg.metadata.sequence.stream
            recorded = _decoded(msg, seq)
            if end is not None and recorded[0] > end:
                return
            if choice.keeps(*recorded):
                yield recorded
            if seq >= last_seq:
                return  # all that was stored when the replay began

    async def release() -> None:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        await client.close()

    total = max((last_at - first_at).total_seconds(), 0.0)
    return Source(f"nats {name}", source, events(), total, last_at=last_at), release


def _decoded(msg: Any, seq: int) -> tuple[datetime, StreamEvent]:
    try:
        recorded = decode(msg.data)
    except (ValueError, ValidationError) as exc:
        raise RecordingError(f"frames stream message {seq}: not a recorded event ({exc})") from None
    if recorded is None:
        raise RecordingError(f"frames stream message {seq}: a file header, not an event")
    return recorded

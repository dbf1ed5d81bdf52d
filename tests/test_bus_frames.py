"""The normalized stream on NATS JetStream (real nats-server): the frames stream and its
retention, the publisher the serving engine taps, and ``replay --nats --from``."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import nats
import pytest

from assist_tui.bus.frames import FramesPublisher, ensure_frames_stream, nats_source
from assist_tui.bus.subjects import Subjects
from assist_tui.config import Settings
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.recorded import RecordingError
from assist_tui.model import (
    ConversationEnded,
    ConversationStarted,
    StreamEvent,
    StreamHealth,
    StreamState,
    UtteranceUpdate,
    utc_now,
)
from assist_tui.replay import file_source, play_headless, replaying

from .conftest import wait_until


def shift(cid: str, lines: int, queue: str = "q1") -> list[StreamEvent]:
    events: list[StreamEvent] = [ConversationStarted(conversation_id=cid, queue_id=queue)]
    for n in range(lines):
        for final in (False, True):
            events.append(
                UtteranceUpdate(
                    conversation_id=cid,
                    utterance_id=f"{cid}-{n}",
                    text=f"line {n} of {cid}" + ("" if final else " ..."),
                    confidence=0.9,
                    is_final=final,
                )
            )
    events.append(ConversationEnded(conversation_id=cid, reason="done"))
    return events


async def publish(publisher: FramesPublisher, events: list[StreamEvent]) -> None:
    goal = publisher.published + len(events)
    for event in events:
        publisher(event, utc_now())
    await wait_until(lambda: publisher.published == goal, 10)


async def test_replay_from_a_time_plays_exactly_the_frames_stored_from_then(
    nats_server: str, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    client = await nats.connect(nats_server)
    subjects = Subjects("acme")
    try:
        await ensure_frames_stream(client.jetstream(), subjects, max_age_s=3600, max_bytes=1 << 24)
        queues = {"early": "q0", "late": "q1"}
        publisher = FramesPublisher(client, subjects, queues.get, source="transcription").start()
        early = [StreamHealth(state=StreamState.CONNECTED), *shift("early", 3, "q0")]
        await publish(publisher, early)
        await asyncio.sleep(0.05)
        start = utc_now()
        await asyncio.sleep(0.05)
        late = [*shift("late", 4), StreamHealth(state=StreamState.RECONNECTING, attempt=1)]
        await publish(publisher, late)
        await publisher.close()
        assert publisher.failed == 0

        # Subjects carry the call's queue, so team permissions apply to frames too.
        info = await client.jetstream().stream_info(subjects.frames_stream, subjects_filter=">")
        assert set(info.state.subjects or {}) == {
            "assist.acme.frames._none._stream",
            "assist.acme.frames.q0.early",
            "assist.acme.frames.q1.late",
        }

        source, release = await nats_source(nats_server, "acme", start, None, None)
        try:
            got = [event async for _, event in source.events]
        finally:
            await release()
        assert got == late
        assert source.stream_source == "transcription"

        everything, release = await nats_source(nats_server, "acme", None, None, "early")
        try:
            chosen = [event async for _, event in everything.events]
        finally:
            await release()
        assert chosen == [*early, late[-1]]  # the call's frames and the stream's own

        # Played through a fresh engine, from the same time: the same events, in order.
        replayed: list[StreamEvent] = []
        source, release = await nats_source(nats_server, "acme", start, None, None)
        try:
            async with replaying(Settings(), source, 0.0, tmp_path / "r", matcher=matcher) as (
                engine,
                feed,
            ):
                engine.tap.sinks.append(lambda event, at: replayed.append(event))
                assert await play_headless(engine, feed, "REPLAY", io.StringIO()) == 0
                assert engine.metrics.finals == 4
                assert "early" not in engine.conversations
        finally:
            await release()
        assert replayed == late
    finally:
        await client.close()


async def test_retention_is_configurable_and_a_missing_stream_is_said(nats_server: str) -> None:
    client = await nats.connect(nats_server)
    subjects = Subjects("acme")
    try:
        with pytest.raises(RecordingError, match="no frames stream ASSIST_ACME_FRAMES"):
            await nats_source(nats_server, "acme", None, None, None)
        js = client.jetstream()
        await ensure_frames_stream(js, subjects, max_age_s=60, max_bytes=1 << 20)
        await ensure_frames_stream(js, subjects, max_age_s=7200, max_bytes=1 << 22)
        config = (await js.stream_info(subjects.frames_stream)).config
        assert config.max_age == 7200 and config.max_bytes == 1 << 22
        assert config.subjects == ["assist.acme.frames.>"]
        with pytest.raises(RecordingError, match="is empty"):
            await nats_source(nats_server, "acme", utc_now() - timedelta(hours=1), None, None)
    finally:
        await client.close()


async def test_an_engine_tapped_by_tap_frames_stores_every_event_in_order(
    nats_server: str, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    from assist_tui.bus.frames import tap_frames

    from .test_replay import T0, write_recording

    events = [*shift("call-a", 2), *shift("call-b", 3)]
    path = write_recording(
        tmp_path / "r.jsonl", [(e, T0 + timedelta(seconds=n)) for n, e in enumerate(events)]
    )
    client = await nats.connect(nats_server)
    try:
        source = file_source(path, None, None, None)
        async with replaying(Settings(), source, 0.0, tmp_path / "w", matcher=matcher) as (
            engine,
            feed,
        ):
            publisher = await tap_frames(engine, client, "acme", Settings().record, "notifications")
            assert await play_headless(engine, feed, "REPLAY", io.StringIO()) == 0
            await publisher.close()
        assert publisher.published == len(events) and publisher.failed == 0
        info = await client.jetstream().stream_info("ASSIST_ACME_FRAMES", subjects_filter=">")
        assert set(info.state.subjects or {}) == {
            "assist.acme.frames.q1.call-a",
            "assist.acme.frames.q1.call-b",
        }
        stored, release = await nats_source(nats_server, "acme", None, None, None)
        try:
            assert [event async for _, event in stored.events] == events
        finally:
            await release()
    finally:
        await client.close()

"""The four seed dialects end to end: DialectStream against the emulator, real sockets."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from assist_tui.config import DialectSettings
from assist_tui.emulator.calls import LiveCall
from assist_tui.emulator.server import EmulatorServer
from assist_tui.genesys.dialect_stream import DialectStream, make_dialect
from assist_tui.genesys.dialects.insights import InsightsDialect, StreamLimitError
from assist_tui.genesys.discovery import transcription_topic
from assist_tui.genesys.session import GenesysSession
from assist_tui.logs import setup_logging
from assist_tui.model import (
    AudioMetrics,
    Insight,
    RejectedFrame,
    Speaker,
    StreamHealth,
    StreamState,
    SubscriptionRejected,
    UtteranceUpdate,
)

from .conftest import Collector, fast_stream, session_for


def dialect_stream(
    session: GenesysSession, server: EmulatorServer, source: str, **options: Any
) -> DialectStream:
    settings = DialectSettings.model_validate({"ack_timeout_s": 2.0, **options})
    return DialectStream(
        session.api,
        fast_stream(),
        make_dialect(source, settings),
        server.url.replace("http://", "ws://"),
    )


@contextlib.asynccontextmanager
async def streaming(
    server: EmulatorServer, source: str, **options: Any
) -> AsyncIterator[tuple[DialectStream, Collector]]:
    async with session_for(server) as session:
        async with dialect_stream(session, server, source, **options) as stream:
            collector = Collector(stream)  # type: ignore[arg-type]
            try:
                yield stream, collector
            finally:
                await collector.stop()


def finals(collector: Collector, call: LiveCall) -> list[UtteranceUpdate]:
    return [
        e
        for e in collector.of(UtteranceUpdate)
        if e.is_final and e.conversation_id == call.conversation_id
    ]


def expected_finals(call: LiveCall) -> int:
    return sum(1 for e in call.events if e.is_final)


def connected(collector: Collector) -> int:
    return sum(1 for e in collector.of(StreamHealth) if e.state is StreamState.CONNECTED)


def healths(collector: Collector) -> list[str]:
    return [e.detail for e in collector.of(StreamHealth)]


# -- transcription (seeds 000 and 003) ----------------------------------------------------------
async def test_transcription_partials_finals_speakers_audio(emulator: EmulatorServer) -> None:
    director = emulator.emulator.director
    call = director.prepare("angry-overtalk")
    async with streaming(emulator, "transcription") as (stream, collector):
        assert await stream.subscribe([transcription_topic(call.conversation_id)]) == []
        await collector.wait_for(lambda _: connected(collector) == 1)
        director.start(call, speed=40)
        await collector.wait_for(lambda _: len(finals(collector, call)) == expected_finals(call))

    updates = [
        e for e in collector.of(UtteranceUpdate) if e.conversation_id == call.conversation_id
    ]
    sent_final = {e.text for e in call.events if e.is_final}
    assert {u.text for u in finals(collector, call)} == sent_final
    assert {u.speaker for u in updates} == {Speaker.AGENT, Speaker.CUSTOMER}
    # every partial shares its utterance id with the final that follows it
    by_id: dict[str, list[UtteranceUpdate]] = {}
    for u in updates:
        by_id.setdefault(u.utterance_id, []).append(u)
    for group in by_id.values():
        assert group[-1].is_final and not any(g.is_final for g in group[:-1])
    assert any(u.interruption_detected for u in updates)  # the scenario overtalks
    audio = [e for e in collector.of(AudioMetrics) if e.conversation_id == call.conversation_id]
    assert audio and audio[-1].snr_db is not None and audio[-1].detected_language == "en-US"
    assert all(u.event_time is not None for u in updates)  # latency has a clock


async def test_transcription_seed_003_form_carries_codec(emulator: EmulatorServer) -> None:
    director = emulator.emulator.director
    call = director.prepare("billing-dispute")
    async with streaming(emulator, "transcription", model="genesys-en-v2", redaction="pii") as (
        stream,
        collector,
    ):
        assert await stream.subscribe([transcription_topic(call.conversation_id)]) == []
        director.start(call, speed=40)
        await collector.wait_for(lambda _: len(finals(collector, call)) == expected_finals(call))
    codecs = {e.codec for e in collector.of(AudioMetrics)}
    assert call.audio.codec in codecs


async def test_transcription_ack_timeout_reconnects_then_streams(
    emulator: EmulatorServer,
) -> None:
    director = emulator.emulator.director
    call = director.prepare("billing-dispute")
    emulator.emulator.inject("subscribe-silent", "1")
    async with streaming(emulator, "transcription", ack_timeout_s=0.3) as (stream, collector):
        await stream.subscribe([transcription_topic(call.conversation_id)])
        await collector.wait_for(lambda _: connected(collector) >= 1)
        assert any("no 'subscribed' answer within 0.3 s" in d for d in healths(collector))
        director.start(call, speed=40)
        await collector.wait_for(lambda _: len(finals(collector, call)) == expected_finals(call))
    assert stream.stats.reconnects >= 1


async def test_transcription_error_ack_is_a_rejection_with_its_message(
    emulator: EmulatorServer,
) -> None:
    call = emulator.emulator.director.prepare("billing-dispute")
    async with streaming(emulator, "transcription") as (stream, collector):
        other = emulator.emulator.director.prepare("card-payment")
        assert await stream.subscribe([transcription_topic(other.conversation_id)]) == []
        await collector.wait_for(lambda _: connected(collector) == 1)
        emulator.emulator.inject("subscribe-error", "participant is on hold")
        refused = await stream.subscribe([transcription_topic(call.conversation_id)])
        await collector.wait_for(lambda _: bool(collector.of(SubscriptionRejected)))
    assert [r.topic for r in refused] == [transcription_topic(call.conversation_id)]
    assert "participant is on hold" in refused[0].reason
    assert call.conversation_id not in stream.conversations


async def test_transcription_throttled_subscribe_is_retried(emulator: EmulatorServer) -> None:
    call = emulator.emulator.director.prepare("billing-dispute")
    emulator.emulator.inject("subscribe-429", "2")
    async with streaming(emulator, "transcription") as (stream, collector):
        assert await stream.subscribe([transcription_topic(call.conversation_id)]) == []
        await collector.wait_for(lambda _: connected(collector) == 1)
    throttled = [d for d in healths(collector) if "throttled (429)" in d]
    assert len(throttled) == 2
    assert emulator.emulator.dialects.subscribes >= 3


async def test_transcription_unknown_conversation_is_refused(emulator: EmulatorServer) -> None:
    async with streaming(emulator, "transcription") as (stream, _):
        refused = await stream.subscribe(
            [transcription_topic("00000000-0000-4000-8000-000000000000")]
        )
    assert refused and "transcription:" in refused[0].reason


# -- transcripts (seed 001) -------------------------------------------------------------------
@pytest.fixture
def log_file() -> Iterator[Path]:
    """The app's real log file (in the test's temp dir), loggers restored afterwards."""
    names = ("assist_tui", "uvicorn", "uvicorn.error", "websockets", "httpx")
    saved = [(logging.getLogger(n), logging.getLogger(n).handlers[:]) for n in names]
    levels = [(lg, lg.level, lg.propagate) for lg, _ in saved]
    path = setup_logging("DEBUG")
    yield path
    for logger, handlers in saved:
        for handler in logger.handlers:
            handler.close()
        logger.handlers = handlers
    for logger, level, propagate in levels:
        logger.setLevel(level)
        logger.propagate = propagate


async def test_transcripts_lines_and_a_token_that_never_leaks(
    emulator: EmulatorServer, log_file: Path
) -> None:
    director = emulator.emulator.director
    first, second = director.prepare("billing-dispute"), director.prepare("card-payment")
    async with streaming(emulator, "transcripts") as (stream, collector):
        await stream.subscribe([transcription_topic(first.conversation_id)])
        await collector.wait_for(lambda _: connected(collector) == 1)
        # a second conversation means a new URL: the stream reconnects at once
        await stream.subscribe([transcription_topic(second.conversation_id)])
        await collector.wait_for(lambda _: connected(collector) == 2)
        emulator.emulator.revoke_tokens()  # the next handshake is refused; a new token fixes it
        emulator.emulator.drop_sockets()
        await collector.wait_for(lambda _: connected(collector) == 3)
        director.start(first, speed=40)
        director.start(second, speed=40)
        await collector.wait_for(
            lambda _: (
                len(finals(collector, first)) == expected_finals(first)
                and len(finals(collector, second)) == expected_finals(second)
            )
        )
        token = await stream.api.tokens.token()
    texts = [u.text for u in collector.of(UtteranceUpdate)]
    assert "Transcript stream started" not in texts  # system lines are skipped
    assert stream.stats.reconnects >= 1  # the drop, not the new conversation set
    assert any("handshake refused" in d for d in healths(collector))
    assert token not in " ".join(healths(collector))
    written = log_file.read_text(errors="replace")
    assert "transcripts: connected to" in written and "access_token=***" in written
    assert token not in written


# -- insights (seed 002) -------------------------------------------------------------------------
async def test_insights_text_and_base64_frames(emulator: EmulatorServer) -> None:
    director = emulator.emulator.director
    call = director.prepare("cancellation-retention")
    async with streaming(emulator, "insights") as (stream, collector):
        assert await stream.subscribe([transcription_topic(call.conversation_id)]) == []
        await collector.wait_for(lambda _: connected(collector) == 1)
        director.start(call, speed=40)
        await collector.wait_for(lambda _: len(collector.of(Insight)) >= 3, timeout=20)
        sent = [s.insights_sent for s in emulator.emulator.dialects.sockets]
    insights = collector.of(Insight)
    assert {i.conversation_id for i in insights} == {call.conversation_id}
    assert {"sentiment_alert", "knowledge_recommendation"} <= {i.insight_type for i in insights}
    for insight in insights:
        assert 0 <= insight.relevance <= insight.confidence <= 1
        assert insight.snippet
    assert sent and sent[0] >= 3  # every other one goes out as base64 in a binary frame
    assert not collector.of(RejectedFrame)


async def test_insights_refuse_to_start_when_streams_are_saturated(
    emulator: EmulatorServer,
) -> None:
    emulator.emulator.inject("insights-saturated")
    async with session_for(emulator) as session:
        stream = dialect_stream(session, emulator, "insights")
        with pytest.raises(StreamLimitError, match="10 of 10 concurrent event streams"):
            async with stream:
                pass


async def test_insights_policy_violation_names_the_filter_and_stops(
    emulator: EmulatorServer,
) -> None:
    call = emulator.emulator.director.prepare("billing-dispute")
    emulator.emulator.inject("policy-violation")
    async with streaming(emulator, "insights") as (stream, collector):
        await stream.subscribe([transcription_topic(call.conversation_id)])
        await collector.wait_for(
            lambda _: any(e.state is StreamState.CLOSED for e in collector.of(StreamHealth))
        )
    closed = next(e for e in collector.of(StreamHealth) if e.state is StreamState.CLOSED)
    assert "policy violation (1008)" in closed.detail
    assert '"attribute": "insight_type"' in closed.detail
    assert stream.fatal is not None
    assert emulator.emulator.dialects.subscribes == 1  # it did not hammer the server


# -- conversations-stream (seed 004) ------------------------------------------------------------
async def test_conversations_stream_keeps_only_followed_conversations(
    emulator: EmulatorServer,
) -> None:
    director = emulator.emulator.director
    followed, other = director.prepare("billing-dispute"), director.prepare("card-payment")
    async with streaming(emulator, "conversations-stream") as (stream, collector):
        await stream.subscribe([transcription_topic(followed.conversation_id)])
        await collector.wait_for(lambda _: connected(collector) == 1)
        director.start(followed, speed=40)
        director.start(other, speed=40)
        await collector.wait_for(
            lambda _: len(finals(collector, followed)) == expected_finals(followed)
        )
        emulator.emulator.send_malformed(2)
        await collector.wait_for(lambda _: len(collector.of(RejectedFrame)) == 2)
    assert not finals(collector, other)
    assert {u.speaker for u in finals(collector, followed)} == {Speaker.AGENT, Speaker.CUSTOMER}
    assert all(r.reason for r in collector.of(RejectedFrame))


async def test_a_subscription_outside_the_schema_is_refused_before_sending(
    emulator: EmulatorServer,
) -> None:
    call = emulator.emulator.director.prepare("billing-dispute")
    async with streaming(emulator, "insights") as (stream, _):
        assert isinstance(stream.dialect, InsightsDialect)
        stream.dialect.filters.append({"type": "regex", "attribute": "insight_type", "value": "."})
        refused = await stream.subscribe([transcription_topic(call.conversation_id)])
    assert refused and "filters allow eq, in, gte, lte" in refused[0].reason
    assert not stream.conversations
    assert emulator.emulator.dialects.subscribes == 0  # nothing was sent

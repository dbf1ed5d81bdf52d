"""The Notifications client against the emulator over real loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from assist_tui.emulator.calls import LiveCall
from assist_tui.emulator.server import EmulatorServer
from assist_tui.genesys.discovery import transcription_topic
from assist_tui.genesys.notifications import NotificationStream
from assist_tui.genesys.session import GenesysSession
from assist_tui.model import (
    ConversationEnded,
    RejectedFrame,
    StreamGap,
    StreamHealth,
    StreamState,
    SubscriptionRejected,
    UtteranceUpdate,
)

from .conftest import Collector, emulator_settings, fast_stream, session_for


@pytest.fixture
async def stream(session: GenesysSession) -> AsyncIterator[NotificationStream]:
    async with NotificationStream(session.api, fast_stream()) as s:
        yield s


def finals_of(collector: Collector, call: LiveCall) -> list[UtteranceUpdate]:
    return [
        e
        for e in collector.of(UtteranceUpdate)
        if e.is_final and e.conversation_id == call.conversation_id
    ]


def ended(collector: Collector, call: LiveCall) -> bool:
    return any(e.conversation_id == call.conversation_id for e in collector.of(ConversationEnded))


def connected_count(collector: Collector) -> int:
    return sum(1 for e in collector.of(StreamHealth) if e.state is StreamState.CONNECTED)


async def test_partials_then_final_in_order(
    emulator: EmulatorServer, stream: NotificationStream
) -> None:
    call = emulator.emulator.director.prepare("billing-dispute")
    collector = Collector(stream)
    assert await stream.subscribe([transcription_topic(call.conversation_id)]) == []
    await collector.wait_for(lambda _: connected_count(collector) == 1)
    emulator.emulator.director.start(call, speed=40)
    await collector.wait_for(lambda _: ended(collector, call), timeout=20)

    updates = [
        e for e in collector.of(UtteranceUpdate) if e.conversation_id == call.conversation_id
    ]
    first_id = call.events[0].utterance_id
    first = [u for u in updates if u.utterance_id == first_id]
    assert len(first) >= 2, "the first utterance should arrive as partials, then a final"
    assert [u.is_final for u in first] == [False] * (len(first) - 1) + [True]
    texts = [u.text for u in first]
    assert all(texts[i + 1].startswith(texts[i].rstrip(",.?")) for i in range(len(texts) - 1))
    assert first[-1].text.startswith("Thank you for calling First Harbor Bank")
    assert first[-1].speaker.value == "agent"
    assert first[-1].words and first[-1].words[0].text == "Thank"
    # Every final the emulator sent arrived once, in the order it was sent.
    assert [f.utterance_id for f in finals_of(collector, call)] == call.finals_sent
    customer = [f for f in finals_of(collector, call) if f.speaker.value == "customer"]
    assert customer and customer[0].text.startswith("Hi Dana")
    await collector.stop()


async def test_rejected_topic_is_surfaced(
    session: GenesysSession, emulator: EmulatorServer
) -> None:
    async with session_for(emulator, client_id="assist-tui-limited") as limited:
        stream = NotificationStream(limited.api, fast_stream())
        async with stream:
            collector = Collector(stream)
            topics = [
                transcription_topic("0b5a3e0e-1111-4222-8333-444455556666"),
                "v2.bogus.topic",
            ]
            rejected = await stream.subscribe(topics)
            assert {r.topic for r in rejected} == set(topics)
            by_topic = {r.topic: r for r in rejected}
            assert by_topic[topics[0]].missing_permissions == ("conversation:transcription:view",)
            assert "Unknown" in by_topic["v2.bogus.topic"].reason
            await collector.wait_for(lambda _: len(collector.of(SubscriptionRejected)) == 2)
            assert stream.topics == set()
            await collector.stop()


async def test_socket_drop_reconnects_without_losing_or_doubling_finals(
    emulator: EmulatorServer, stream: NotificationStream
) -> None:
    call = emulator.emulator.director.prepare("card-payment")
    collector = Collector(stream)
    await stream.subscribe([transcription_topic(call.conversation_id)])
    await collector.wait_for(lambda _: connected_count(collector) == 1)
    emulator.emulator.director.start(call, speed=15)
    await collector.wait_for(lambda _: len(finals_of(collector, call)) >= 2, timeout=20)
    assert emulator.emulator.drop_sockets() == 1
    await collector.wait_for(lambda _: connected_count(collector) == 2)
    await asyncio.sleep(0.05)
    emulator.emulator.drop_sockets()
    await collector.wait_for(lambda _: ended(collector, call), timeout=30)

    finals = [f.utterance_id for f in finals_of(collector, call)]
    assert finals == call.finals_sent  # none lost, none doubled, in order
    assert stream.stats.reconnects >= 2
    assert stream.stats.duplicates_dropped > 0, "the replay window must have been deduplicated"
    assert collector.of(StreamGap), "a gap is reported even when nothing was lost"
    # After its final, no partial of the same utterance reappears from the replay.
    seen_final: set[str] = set()
    for update in collector.of(UtteranceUpdate):
        assert update.utterance_id not in seen_final
        if update.is_final:
            seen_final.add(update.utterance_id)
    await collector.stop()


async def test_stopped_heartbeats_are_detected_and_reconnected(
    emulator: EmulatorServer, stream: NotificationStream
) -> None:
    collector = Collector(stream)
    await stream.subscribe([transcription_topic("0b5a3e0e-1111-4222-8333-444455556666")])
    await collector.wait_for(lambda _: connected_count(collector) == 1)
    await collector.wait_for(lambda _: stream.stats.heartbeats >= 2)
    emulator.emulator.stop_heartbeats()
    await collector.wait_for(
        lambda events: any(
            isinstance(e, StreamHealth) and "no heartbeat" in e.detail for e in events
        ),
        timeout=5,
    )
    emulator.emulator.stop_heartbeats(False)
    await collector.wait_for(lambda _: connected_count(collector) == 2)
    health = next(e for e in collector.of(StreamHealth) if "no heartbeat" in e.detail)
    assert health.state is StreamState.RECONNECTING and health.attempt == 1
    assert health.next_delay_s is not None and health.next_delay_s <= 0.05
    await collector.stop()


async def test_idle_socket_is_pinged(emulator: EmulatorServer, session: GenesysSession) -> None:
    settings = fast_stream(ping_idle_s=0.1, heartbeat_interval_s=5.0)
    async with NotificationStream(session.api, settings) as stream:
        collector = Collector(stream)
        await stream.subscribe([transcription_topic("0b5a3e0e-1111-4222-8333-444455556666")])
        emulator.emulator.stop_heartbeats()
        await collector.wait_for(lambda _: emulator.emulator.requests.get("ping", 0) >= 2)
        assert stream.stats.pings >= 2
        await collector.stop()


async def test_socket_closing_reconnects_to_the_same_channel(
    emulator: EmulatorServer, stream: NotificationStream
) -> None:
    collector = Collector(stream)
    await stream.subscribe([transcription_topic("0b5a3e0e-1111-4222-8333-444455556666")])
    await collector.wait_for(lambda _: connected_count(collector) == 1)
    channel_id = next(iter(emulator.emulator.hub.channels))
    assert emulator.emulator.socket_closing() == 1
    await collector.wait_for(lambda _: connected_count(collector) == 2)
    closing = [e for e in collector.of(StreamHealth) if "maintenance" in e.detail]
    assert closing and closing[0].next_delay_s is None  # immediately, no backoff
    assert list(emulator.emulator.hub.channels) == [channel_id]
    assert stream.stats.channels_created == 1
    await collector.stop()


async def test_expired_channel_is_replaced_and_topics_resubscribed(
    emulator: EmulatorServer, stream: NotificationStream
) -> None:
    call = emulator.emulator.director.prepare("angry-overtalk")
    collector = Collector(stream)
    topics = {transcription_topic(call.conversation_id)}
    await stream.subscribe(topics)
    await collector.wait_for(lambda _: connected_count(collector) == 1)
    old = next(iter(emulator.emulator.hub.channels))
    assert emulator.emulator.expire_channels() == 1
    await collector.wait_for(lambda _: connected_count(collector) == 2)
    channels = emulator.emulator.hub.channels
    assert old not in channels and len(channels) == 1
    assert next(iter(channels.values())).topics == topics
    assert stream.stats.channels_created == 2
    # The new channel carries the conversation's events.
    emulator.emulator.director.start(call, speed=40)
    await collector.wait_for(lambda _: ended(collector, call), timeout=20)
    assert [f.utterance_id for f in finals_of(collector, call)] == call.finals_sent
    await collector.stop()


async def test_malformed_and_oversized_frames_are_counted_and_survived(
    emulator: EmulatorServer, stream: NotificationStream
) -> None:
    call = emulator.emulator.director.prepare("spanish-caller")
    collector = Collector(stream)
    await stream.subscribe([transcription_topic(call.conversation_id)])
    await collector.wait_for(lambda _: connected_count(collector) == 1)
    assert emulator.emulator.send_malformed(3) == 3
    assert emulator.emulator.send_oversized(2, size=100_000) == 2
    await collector.wait_for(lambda _: len(collector.of(RejectedFrame)) == 5)
    reasons = [r.reason for r in collector.of(RejectedFrame)]
    assert any(r.startswith("malformed JSON") for r in reasons)
    assert any(r.startswith("bad envelope") for r in reasons)
    assert any(r.startswith("bad transcription event") for r in reasons)
    assert sum(r.startswith("oversized frame") for r in reasons) == 2
    assert all(r.size > 65536 for r in collector.of(RejectedFrame) if "oversized" in r.reason)
    assert stream.stats.rejected["oversized frame"] == 2
    # The stream goes on: same connection, and the call still arrives.
    emulator.emulator.director.start(call, speed=40)
    await collector.wait_for(lambda _: ended(collector, call), timeout=20)
    assert connected_count(collector) == 1
    assert [f.utterance_id for f in finals_of(collector, call)] == call.finals_sent
    await collector.stop()


async def test_topics_beyond_a_channel_limit_open_another_channel(
    emulator: EmulatorServer, session: GenesysSession
) -> None:
    async with NotificationStream(session.api, fast_stream(topics_per_channel=2)) as stream:
        topics = [transcription_topic(f"0b5a3e0e-1111-4222-8333-44445555000{i}") for i in range(5)]
        assert await stream.subscribe(topics) == []
        assert stream.topics == set(topics)
        channel_topics = sorted(len(c.topics) for c in emulator.emulator.hub.channels.values())
        assert channel_topics == [1, 2, 2]
        await stream.unsubscribe(topics[:2])
        assert stream.topics == set(topics[2:])
        remaining = set().union(*(c.topics for c in emulator.emulator.hub.channels.values()))
        assert remaining == set(topics[2:])


async def test_emulator_refuses_more_than_1000_topics_per_channel(session: GenesysSession) -> None:
    from assist_tui.genesys.errors import ApiError

    channel = await session.api.json("POST", "/api/v2/notifications/channels")
    topics = [
        {"id": f"v2.routing.queues.0b5a3e0e-1111-4222-8333-{i:012d}.conversations"}
        for i in range(1001)
    ]
    with pytest.raises(ApiError) as info:
        await session.api.json(
            "POST", f"/api/v2/notifications/channels/{channel['id']}/subscriptions", json=topics
        )
    assert info.value.status == 400
    assert "1000" in str(info.value)


async def test_no_replay_means_a_reported_gap(session: GenesysSession) -> None:
    """With replay off (real Genesys), a drop is reported as a gap, not hidden."""
    async with EmulatorServer(emulator_settings(replay_window_s=0)) as server:
        async with session_for(server) as s, NotificationStream(s.api, fast_stream()) as stream:
            collector = Collector(stream)
            await stream.subscribe([transcription_topic("0b5a3e0e-1111-4222-8333-444455556666")])
            await collector.wait_for(lambda _: connected_count(collector) == 1)
            server.emulator.drop_sockets()
            await collector.wait_for(lambda _: len(collector.of(StreamGap)) == 1)
            gap = collector.of(StreamGap)[0]
            assert 0 <= gap.seconds < 5
            await collector.stop()


async def test_channel_is_resubscribed_before_its_24_hours_run_out(
    emulator: EmulatorServer, session: GenesysSession
) -> None:
    from datetime import timedelta

    from assist_tui.model import utc_now

    # A margin of 25 h makes a fresh 24 h channel due for refresh at once.
    settings = fast_stream(channel_refresh_margin_s=25 * 3600)
    async with NotificationStream(session.api, settings) as stream:
        collector = Collector(stream)
        await stream.subscribe([transcription_topic("0b5a3e0e-1111-4222-8333-444455556666")])
        channel = next(iter(emulator.emulator.hub.channels.values()))
        channel.expires_at = utc_now() + timedelta(minutes=10)  # nearly expired
        await collector.wait_for(lambda _: emulator.emulator.requests.get("subscribe", 0) >= 2)
        assert channel.expires_at > utc_now() + timedelta(hours=23)
        # Extended but still inside the (huge) margin: it must not refresh on every frame.
        await asyncio.sleep(0.5)
        assert emulator.emulator.requests["subscribe"] == 2
        await collector.stop()

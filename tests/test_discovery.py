"""Finding live conversations: analytics paging with dedup, queue topics, follow-all."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from assist_tui.config import DiscoverySettings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.genesys.discovery import discover_live, queue_topic, translate_queue_event
from assist_tui.genesys.follow import ConversationFollower
from assist_tui.genesys.notifications import NotificationStream
from assist_tui.genesys.session import GenesysSession
from assist_tui.model import ConversationEnded, ConversationStarted

from .conftest import Collector, fast_stream


async def test_paged_query_returns_each_live_conversation_once(
    emulator: EmulatorServer, session: GenesysSession
) -> None:
    director = emulator.emulator.director
    calls = [director.prepare(name) for name in ("billing-dispute", "card-payment") * 4]
    director.end(calls[0])  # ended calls are not live
    live = await discover_live(session.api, page_size=3)
    assert [c.conversation_id for c in live] == [c.conversation_id for c in calls[1:]]
    assert emulator.emulator.requests["analytics_query"] == 3  # 7 hits, pages of 3
    first = live[0]
    assert first.queue_id == calls[1].queue_id and first.agent_name == calls[1].agent
    assert first.media_type == "voice" and first.started_at is not None


async def test_queue_filter(emulator: EmulatorServer, session: GenesysSession) -> None:
    director = emulator.emulator.director
    billing = director.prepare("billing-dispute")
    director.prepare("card-payment")
    live = await discover_live(session.api, queues=[billing.queue_id])
    assert [c.conversation_id for c in live] == [billing.conversation_id]


async def test_empty_answer_without_conversations_key(session: GenesysSession) -> None:
    assert await discover_live(session.api) == []


def test_queue_event_translation() -> None:
    now = datetime.now(timezone.utc)
    live = {
        "id": "c1",
        "participants": [
            {"purpose": "customer", "calls": [{"state": "connected"}]},
            {"purpose": "agent", "name": "Dana", "calls": [{"state": "connected"}], "extra": 1},
        ],
    }
    started = translate_queue_event(live, "q1", now)
    assert isinstance(started, ConversationStarted)
    assert (started.conversation_id, started.queue_id, started.agent_name) == ("c1", "q1", "Dana")
    for participant in live["participants"]:
        participant["calls"][0]["state"] = "terminated"  # type: ignore[index]
    assert isinstance(translate_queue_event(live, "q1", now), ConversationEnded)
    with pytest.raises(ValueError, match="invalid field"):
        translate_queue_event({"participants": []}, "q1", now)


async def test_follow_all_picks_up_new_calls_and_drops_ended_ones(
    emulator: EmulatorServer, session: GenesysSession
) -> None:
    director = emulator.emulator.director
    first = director.prepare("spanish-caller")
    async with NotificationStream(session.api, fast_stream()) as stream:
        follower = ConversationFollower(stream, DiscoverySettings(), rediscover_s=60)
        assert await follower.start() == []
        assert list(follower.following) == [first.conversation_id]
        assert queue_topic(first.queue_id) in stream.topics
        collector = Collector(stream)
        observed: list[object] = []

        async def observe_all() -> None:
            while True:
                for event in collector.events[len(observed) :]:
                    observed.append(event)
                    await follower.observe(event)
                await asyncio.sleep(0.01)

        watcher = asyncio.create_task(observe_all())
        await collector.wait_for(lambda _: stream.stats.heartbeats >= 1)
        # A new call in the same queue is announced on the queue topic and followed.
        second = director.prepare("spanish-caller")
        await collector.wait_for(lambda _: second.conversation_id in follower.following)
        director.start(second, speed=60)
        await collector.wait_for(lambda _: second.conversation_id in follower.ended, timeout=20)
        await follower.settled()  # subscription changes are applied in the background
        assert f"v2.conversations.{second.conversation_id}.transcription" not in stream.topics
        watcher.cancel()
        await collector.stop()
        await follower.stop()

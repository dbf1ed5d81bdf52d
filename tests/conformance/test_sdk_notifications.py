"""Every notification body the emulator emits, held against the SDK's topic models."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import websockets

from assist_tui.emulator.scenarios import QUEUE_IDS
from assist_tui.genesys.discovery import live_query

from ..quiet_sdk import sdk
from .conftest import Oracle
from .oracle import conform

# topic pattern -> the SDK model of its eventBody
TOPIC_MODELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^v2\.conversations\.[^.]+\.transcription$"),
        "TranscriptionTopicTranscriptionMessage",
    ),
    (
        re.compile(r"^v2\.routing\.queues\.[^.]+\.conversations$"),
        "QueueConversationEventTopicConversation",
    ),
    (
        re.compile(r"^v2\.routing\.queues\.[^.]+\.conversations\.calls$"),
        "QueueConversationCallEventTopicCallConversation",
    ),
    (
        re.compile(r"^v2\.conversations\.[^.]+\.suggestions\.knowledge\.article$"),
        "ConversationKnowledgeArticleSuggestionsTopicKnowledgeArticleSuggestionEvent",
    ),
    (
        re.compile(r"^v2\.speechandtextanalytics\.conversation\.[^.]+\.sentiment$"),
        "V2StaSentimentOverallTopicOverallSentimentMessage",
    ),
    (
        re.compile(r"^v2\.system\.(token_revoked|no_longer_subscribed)\."),
        "SystemMessageSystemMessage",
    ),
)


def model_for(topic: str) -> str | None:
    return next((model for pattern, model in TOPIC_MODELS if pattern.match(topic)), None)


async def _subscribe(oracle: Oracle, channel_id: str, topics: list[str]) -> None:
    headers = {"Authorization": f"Bearer {oracle.client.access_token}"}
    async with httpx.AsyncClient(base_url=oracle.server.url, headers=headers) as http:
        answer = await http.post(
            f"/api/v2/notifications/channels/{channel_id}/subscriptions",
            json=[{"id": t} for t in topics],
        )
    assert {e["state"] for e in answer.json()["entities"]} == {"Permitted"}, answer.json()


async def _channel(oracle: Oracle, topics: list[str]) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {oracle.client.access_token}"}
    async with httpx.AsyncClient(base_url=oracle.server.url, headers=headers) as http:
        channel = (await http.post("/api/v2/notifications/channels")).json()
    await _subscribe(oracle, channel["id"], topics)
    return channel["id"], channel["connectUri"]


async def _frames(uri: str, until: Any, timeout: float = 30.0) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    async with websockets.connect(uri) as ws:
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(timeout):
                while not until(frames):
                    frames.append(json.loads(await ws.recv()))
    return frames


def _ended(frames: list[dict[str, Any]]) -> bool:
    """The per-media twin of the last queue event (it follows the conversation event)."""
    return any(
        f["topicName"].endswith(".conversations.calls")
        and any(
            p["purpose"] == "agent" and p["state"] == "terminated"
            for p in f["eventBody"]["participants"]
        )
        for f in frames
    )


async def test_every_body_of_a_scripted_call_fits_the_sdk(oracle: Oracle) -> None:
    director = oracle.server.emulator.director
    qid = QUEUE_IDS["Billing"]
    channel_id, uri = await _channel(
        oracle,
        [f"v2.routing.queues.{qid}.conversations", f"v2.routing.queues.{qid}.conversations.calls"],
    )
    collecting = asyncio.create_task(_frames(uri, _ended))
    await asyncio.sleep(0.2)
    call = director.prepare("billing-dispute")
    cid = call.conversation_id
    await _subscribe(
        oracle,
        channel_id,
        [
            f"v2.conversations.{cid}?transcription&suggestions.knowledge.article",
            f"v2.speechandtextanalytics.conversation.{cid}.sentiment",
        ],
    )
    director.start(call)
    frames = await collecting
    seen: dict[str, int] = {}
    for frame in frames:
        topic = frame["topicName"]
        assert set(frame) <= {"topicName", "version", "eventBody", "metadata"}
        model = model_for(topic)
        if topic == "channel.metadata":
            assert set(frame["eventBody"]) == {"message"}
            continue
        assert model is not None, f"no SDK model known for topic {topic}"
        conform(frame["eventBody"], model)
        seen[model] = seen.get(model, 0) + 1
    # Every kind the scenario makes was seen and checked.
    assert seen.get("TranscriptionTopicTranscriptionMessage", 0) > 5, seen
    assert seen.get(
        "ConversationKnowledgeArticleSuggestionsTopicKnowledgeArticleSuggestionEvent"
    ), seen
    assert seen.get("V2StaSentimentOverallTopicOverallSentimentMessage"), seen
    assert seen.get("QueueConversationCallEventTopicCallConversation", 0) >= 6, seen
    states = [
        (m["state"], m["held"])
        for f in frames
        if f["topicName"].endswith(".conversations")
        for p in f["eventBody"]["participants"]
        if p["purpose"] == "agent"
        for m in p["calls"]
    ]
    # Every state change: alerting, connected, held, resumed, after-call work, terminated.
    assert states == [
        ("alerting", False),
        ("connected", False),
        ("connected", True),
        ("connected", False),
        ("disconnected", False),
        ("terminated", False),
    ]
    purposes = {
        p["purpose"]
        for f in frames
        if f["topicName"].endswith(".conversations")
        for p in f["eventBody"]["participants"]
    }
    assert purposes == {"customer", "ivr", "acd", "agent"}


async def test_system_messages_fit_the_sdk(oracle: Oracle) -> None:
    """socket_closing, then token revocation reaching the socket (SystemMessageSystemMessage)."""
    _, uri = await _channel(oracle, [f"v2.routing.queues.{QUEUE_IDS['Billing']}.conversations"])

    def revoked(frames: list[dict[str, Any]]) -> bool:
        return any(f["topicName"].startswith("v2.system.token_revoked.") for f in frames)

    async def inject() -> None:
        await asyncio.sleep(0.3)
        oracle.server.emulator.inject("socket-closing")
        await asyncio.sleep(0.3)
        oracle.server.emulator.inject("revoke-token")

    injecting = asyncio.create_task(inject())
    frames = await _frames(uri, revoked, timeout=10)
    await injecting
    topics = [f["topicName"] for f in frames if f["topicName"] != "channel.metadata"]
    assert topics[0] == "v2.system.socket_closing"
    assert topics[-1].startswith("v2.system.token_revoked.")
    body = conform(frames[-1]["eventBody"], "SystemMessageSystemMessage")
    assert body.system_topic_type == "token_revoked" and body.reason == "user_tokens_revoked"


async def test_digital_conversations_fit_the_sdk(oracle: Oracle) -> None:
    """A web chat and a messaging thread: queue events per media, lookup and analytics."""
    director = oracle.server.emulator.director
    chat_q, message_q = QUEUE_IDS["General"], QUEUE_IDS["Tech Support"]
    channel_id, uri = await _channel(
        oracle,
        [
            f"v2.routing.queues.{chat_q}.conversations",
            f"v2.routing.queues.{chat_q}.conversations.chats",
            f"v2.routing.queues.{message_q}.conversations",
            f"v2.routing.queues.{message_q}.conversations.messages",
        ],
    )

    def both_ended(frames: list[dict[str, Any]]) -> bool:
        """Both twins (per-media events) have said the agent's part is over."""
        done = {
            f["topicName"].rsplit(".", 1)[-1]
            for f in frames
            if f["topicName"].endswith((".chats", ".messages"))
            and any(
                p["purpose"] == "agent"
                and p["state"] in ("terminated", "disconnected")
                and p.get("endTime")
                and f["eventBody"]["participants"][0]["state"] in ("terminated", "disconnected")
                for p in f["eventBody"]["participants"]
            )
        }
        return done == {"chats", "messages"}

    collecting = asyncio.create_task(_frames(uri, both_ended))
    await asyncio.sleep(0.2)
    chat = director.prepare("web-chat-refund")
    message = director.prepare("messaging-password-reset")
    await _subscribe(
        oracle,
        channel_id,
        [
            f"v2.conversations.chats.{chat.conversation_id}",
            f"v2.conversations.messages.{message.conversation_id}",
        ],
    )
    director.start(chat)
    director.start(message)
    frames = await collecting
    models_seen = set()
    for frame in frames:
        topic = frame["topicName"]
        if topic == "channel.metadata":
            continue
        model = digital_model(topic)
        conform(frame["eventBody"], model)
        models_seen.add(model)
    assert len(models_seen) == 5, models_seen
    # Each message of the thread is announced by id (the platform sends no text here).
    announced = [
        m["message"]["id"]
        for f in frames
        if f["topicName"].startswith("v2.conversations.messages.")
        for p in f["eventBody"]["participants"]
        for m in p.get("messages", [])
    ]
    assert len(announced) == sum(1 for e in message.events if e.is_final)
    media = {
        key
        for f in frames
        if f["topicName"].endswith(".conversations")
        for p in f["eventBody"]["participants"]
        for key in ("calls", "chats", "messages")
        if key in p
    }
    assert media == {"chats", "messages"}
    now = datetime.now(timezone.utc)
    query = live_query(
        start=now - timedelta(hours=1),
        end=now + timedelta(minutes=5),
        queues=[],
        page_size=100,
        page=1,
    )
    query["conversationFilters"] = []  # ended ones too
    await asyncio.to_thread(
        sdk.AnalyticsApi(oracle.client).post_analytics_conversations_details_query,
        conform(query, "ConversationQuery"),
    )
    answer = conform(
        json.loads(oracle.client.last_response.data), "AnalyticsConversationQueryResponse"
    )
    assert {
        s.media_type for c in answer.conversations for p in c.participants for s in p.sessions
    } == {"chat", "message"}
    api = sdk.ConversationsApi(oracle.client)
    for call in (chat, message):
        await asyncio.to_thread(api.get_conversation, call.conversation_id)
        conform(json.loads(oracle.client.last_response.data), "Conversation")


def digital_model(topic: str) -> str:
    if topic.startswith("v2.conversations.chats."):
        return "ConversationChatEventTopicChatConversation"
    if topic.startswith("v2.conversations.messages."):
        return "ConversationMessageEventTopicMessageConversation"
    if topic.endswith(".chats"):
        return "QueueConversationChatEventTopicChatConversation"
    if topic.endswith(".messages"):
        return "QueueConversationMessageEventTopicMessageConversation"
    return "QueueConversationEventTopicConversation"


async def test_a_transfer_reaches_the_queue_topic(oracle: Oracle) -> None:
    """The angry caller is handed to a supervisor: the first agent's leg ends as a transfer."""
    director = oracle.server.emulator.director
    _, uri = await _channel(
        oracle, [f"v2.routing.queues.{QUEUE_IDS['Billing']}.conversations.calls"]
    )
    collecting = asyncio.create_task(_frames(uri, _ended))
    await asyncio.sleep(0.2)
    call = director.prepare("angry-overtalk")
    director.start(call)
    frames = [f for f in await collecting if f["topicName"] != "channel.metadata"]
    for frame in frames:
        conform(frame["eventBody"], "QueueConversationCallEventTopicCallConversation")
    agents = [
        [(p["name"], p["state"]) for p in f["eventBody"]["participants"] if p["purpose"] == "agent"]
        for f in frames
    ]
    assert ("Rita Gomez", "connected") in agents[-3]  # after the transfer
    assert agents[-3][0][1] == "disconnected"  # the first agent
    assert agents[-1] == [(call.agent, "terminated"), ("Rita Gomez", "terminated")]
    api = sdk.ConversationsApi(oracle.client)
    conversation = await asyncio.to_thread(api.get_conversation, call.conversation_id)
    conform(json.loads(oracle.client.last_response.data), "Conversation")
    assert [p.name for p in conversation.participants if p.purpose == "agent"][-1] == "Rita Gomez"

"""Every REST call the project makes, made through the official SDK against the emulator.

Each answer is held strictly against the SDK's model (see oracle.py); each request body
the project builds is held against the SDK's request model.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from assist_tui.genesys.discovery import live_query
from assist_tui.sinks.push_targets import participant_attributes_body

from ..quiet_sdk import sdk
from .conftest import Oracle
from .oracle import conform, conform_error


def _last(oracle: Oracle, kind: str) -> Any:
    """The raw JSON of the SDK's last answer, held against ``kind``."""
    response = oracle.client.last_response
    assert response.getheader("Content-Type", "").startswith("application/json")
    assert response.getheader("inin-correlation-id")
    return conform(json.loads(response.data), kind)


def _topic(topic_id: str) -> Any:
    topic = sdk.models.ChannelTopic()
    topic.id = topic_id
    return topic


async def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(fn, *args, **kwargs)


async def test_notification_channels_and_subscriptions(oracle: Oracle) -> None:
    call = oracle.server.emulator.director.prepare("billing-dispute")
    api = sdk.NotificationsApi(oracle.client)
    channel = await _call(api.post_notifications_channels)
    _last(oracle, "Channel")
    assert channel.connect_uri.startswith("ws://")
    await _call(api.get_notifications_channels)
    _last(oracle, "ChannelEntityListing")
    topics = [
        f"v2.conversations.{call.conversation_id}.transcription",
        f"v2.routing.queues.{call.queue_id}.conversations",
        f"v2.routing.queues.{call.queue_id}.conversations.calls",
        f"v2.conversations.{call.conversation_id}.suggestions.knowledge.article",
        f"v2.speechandtextanalytics.conversation.{call.conversation_id}.sentiment",
        "v2.conversations.not-a-uuid.transcription",
    ]
    body = [{"id": t} for t in topics]
    conform(body, "list[ChannelTopic]")  # what notifications.py sends
    added = await _call(
        api.post_notifications_channel_subscriptions,
        channel.id,
        [_topic(t) for t in topics],
    )
    listing = _last(oracle, "ChannelTopicEntityListing")
    states = {e.id: e.state for e in listing.entities}
    assert states[topics[-1]] == "Rejected"
    assert all(states[t] == "Permitted" for t in topics[:-1]), states
    assert added.entities
    got = await _call(api.get_notifications_channel_subscriptions, channel.id)
    _last(oracle, "ChannelTopicEntityListing")
    assert {e.state for e in got.entities} == {"Permitted"}
    await _call(api.put_notifications_channel_subscriptions, channel.id, [_topic(topics[0])])
    _last(oracle, "ChannelTopicEntityListing")
    await _call(api.head_notifications_channel, channel.id)
    await _call(api.delete_notifications_channel_subscriptions, channel.id)
    await _call(api.get_notifications_availabletopics)
    available = _last(oracle, "AvailableTopicEntityListing")
    ids = {t.id for t in available.entities}
    assert "v2.conversations.{id}.transcription" in ids
    transcription = next(t for t in available.entities if t.id.endswith(".transcription"))
    assert transcription.requires_permissions == ["conversation:transcription:view"]


async def test_analytics_query_as_discovery_sends_it(oracle: Oracle) -> None:
    oracle.server.emulator.director.prepare("billing-dispute")
    now = datetime.now(timezone.utc)
    body = live_query(
        start=now - timedelta(hours=1),
        end=now + timedelta(minutes=5),
        queues=[],
        page_size=100,
        page=1,
    )
    query = conform(body, "ConversationQuery")
    answer = await _call(
        sdk.AnalyticsApi(oracle.client).post_analytics_conversations_details_query, query
    )
    _last(oracle, "AnalyticsConversationQueryResponse")
    assert answer.total_hits == 1
    assert answer.conversations[0].participants


async def test_conversation_lookup_media_statistics_and_attributes(oracle: Oracle) -> None:
    call = oracle.server.emulator.director.prepare("tech-support-bad-line")
    oracle.server.emulator.director.emit_next(call)
    conversations = sdk.ConversationsApi(oracle.client)
    conversation = await _call(conversations.get_conversation, call.conversation_id)
    _last(oracle, "Conversation")
    purposes = {p.purpose for p in conversation.participants}
    assert {"customer", "agent", "ivr", "acd"} <= purposes
    media = await _call(
        sdk.TelephonyProvidersEdgeApi(
            oracle.client
        ).get_telephony_providers_edges_mediastatistics_conversation,
        call.conversation_id,
    )
    _last(oracle, "MediaStatisticsListing")
    assert media.entities[0].media_statistics[0].rtp.estimated_average_mos is not None
    body = participant_attributes_body(
        {"assistTitle": "Dispute a charge", "assistBody": "Open a dispute"}
    )
    attributes = conform(body, "ParticipantAttributes")
    await _call(
        conversations.patch_conversation_participant_attributes,
        call.conversation_id,
        call.participant_ids["agent"],
        attributes,
    )
    assert (
        oracle.server.emulator.attributes[(call.conversation_id, call.participant_ids["agent"])][
            "assistTitle"
        ]
        == "Dispute a charge"
    )


async def test_copilot_rest(oracle: Oracle) -> None:
    call = oracle.server.emulator.director.prepare("billing-dispute")
    while oracle.server.emulator.director.emit_next(call) is not None:
        pass
    conversations = sdk.ConversationsApi(oracle.client)
    listing = await _call(conversations.get_conversation_suggestions, call.conversation_id)
    _last(oracle, "SuggestionListing")
    assert listing.entities, "the billing scenario makes Copilot suggestions"
    await _call(conversations.get_conversation_summaries, call.conversation_id)
    _last(oracle, "ConversationSummariesGetResponse")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v2/no/such/route", 404),
        (
            "GET",
            "/api/v2/notifications/channels/00000000-0000-4000-8000-000000000000/subscriptions",
            404,
        ),
        ("GET", "/api/v2/conversations/00000000-0000-4000-8000-000000000000", 404),
        ("POST", "/api/v2/analytics/conversations/details/query", 400),
    ],
)
async def test_error_bodies_are_json(oracle: Oracle, method: str, path: str, status: int) -> None:
    now = datetime.now(timezone.utc)
    body = live_query(start=now - timedelta(hours=1), end=now, queues=[], page_size=101, page=1)
    headers = {"Authorization": f"Bearer {oracle.client.access_token}"}
    async with httpx.AsyncClient() as http:
        answer = await http.request(method, oracle.server.url + path, headers=headers, json=body)
    assert answer.status_code == status
    assert answer.headers.get("inin-correlation-id")
    conform_error(status, answer.headers.get("content-type"), answer.content)


async def test_sdk_raises_with_json_bodies(oracle: Oracle) -> None:
    """401 and 403 through the SDK itself: ApiException carries a JSON ErrorBody."""
    api = sdk.NotificationsApi(oracle.client)
    oracle.client.access_token = "not-a-token"
    with pytest.raises(sdk.rest.ApiException) as caught:
        await _call(api.post_notifications_channels)
    assert caught.value.status == 401
    conform_error(401, caught.value.headers.get("Content-Type"), caught.value.body)

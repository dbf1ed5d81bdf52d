"""The emulator's encoders: Genesys Cloud payloads as GENESYS.md documents them.

Written independently of the client's parsers on purpose, so a parser bug is not hidden
by a shared helper.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assist_tui.emulator.calls import LiveCall
    from assist_tui.emulator.playback import RecognitionEvent

ORG_ID = "8c3a1e55-0d4f-4d7b-9a7e-3f2b1c0d9e88"
GENESYS_CHANNEL = {"agent": "INTERNAL", "customer": "EXTERNAL"}


def iso(moment: datetime) -> str:
    """ISO-8601 with milliseconds and a Z, as the platform writes times."""
    text = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def envelope(topic: str, body: dict[str, Any]) -> str:
    """One notification frame as text."""
    return json.dumps(
        {
            "topicName": topic,
            "version": "2",
            "eventBody": body,
            "metadata": {"CorrelationId": str(uuid.uuid4())},
        },
        separators=(",", ":"),
    )


def transcription_topic(conversation_id: str) -> str:
    return f"v2.conversations.{conversation_id}.transcription"


def queue_topic(queue_id: str) -> str:
    return f"v2.routing.queues.{queue_id}.conversations"


def transcription_body(call: LiveCall, event: RecognitionEvent, now: datetime) -> dict[str, Any]:
    """A ``TranscriptionTopicTranscriptionMessage`` for one recognition event."""

    def ms(value: int) -> int:
        # Played faster than real time, the speech itself is shorter: scale its timings.
        return round(value / call.speed)

    words = [
        {
            "confidence": w.confidence,
            "offsetMs": ms(w.offset_ms),
            "durationMs": ms(w.duration_ms),
            "word": w.text,
        }
        for w in event.words
    ]
    return {
        "eventTime": iso(now),
        "organizationId": ORG_ID,
        "conversationId": call.conversation_id,
        "communicationId": call.communication_ids[event.speaker],
        "sessionStartTimeMs": call.session_start_ms,
        "transcriptionStartTimeMs": call.session_start_ms - 47,
        "transcripts": [
            {
                "utteranceId": event.utterance_id,
                "isFinal": event.is_final,
                "channel": GENESYS_CHANNEL.get(event.speaker, "UNKNOWN"),
                "alternatives": [
                    {
                        "confidence": event.confidence,
                        "offsetMs": ms(event.offset_ms),
                        "durationMs": ms(event.duration_ms),
                        "transcript": event.text,
                        "decoratedTranscript": event.text,
                        "words": words,
                        "decoratedWords": words,
                    }
                ],
                "engineProvider": "GENESYS",
                "engineId": "genesys-emulator-asr",
                "dialect": call.spoken_language,
                "agentAssistEnabled": True,
                "voiceTranscriptionEnabled": True,
            }
        ],
        "status": {"offsetMs": ms(event.offset_ms), "status": "SESSION_ONGOING"},
    }


def session_ended_body(call: LiveCall, now: datetime, offset_ms: int) -> dict[str, Any]:
    return {
        "eventTime": iso(now),
        "organizationId": ORG_ID,
        "conversationId": call.conversation_id,
        "communicationId": call.communication_ids["customer"],
        "sessionStartTimeMs": call.session_start_ms,
        "transcriptionStartTimeMs": call.session_start_ms - 47,
        "transcripts": [],
        "status": {"offsetMs": offset_ms, "status": "SESSION_ENDED"},
    }


def analytics_conversation(call: LiveCall) -> dict[str, Any]:
    """A conversation as the analytics details query returns it."""

    def session() -> dict[str, Any]:
        return {
            "mediaType": call.media_type,
            "direction": "inbound",
            "segments": [
                {
                    "segmentStart": iso(call.started_at),
                    "segmentType": "interact",
                    "queueId": call.queue_id,
                }
            ],
        }

    data: dict[str, Any] = {
        "conversationId": call.conversation_id,
        "conversationStart": iso(call.started_at),
        "originatingDirection": "inbound",
        "participants": [
            {
                "participantId": call.participant_ids["customer"],
                "participantName": call.customer,
                "purpose": "customer",
                "sessions": [session()],
            },
            {
                "participantId": call.participant_ids["agent"],
                "participantName": call.agent,
                "purpose": "agent",
                "userId": call.agent_user_id,
                "sessions": [session()],
            },
        ],
    }
    if call.ended_at is not None:
        data["conversationEnd"] = iso(call.ended_at)
    return data


def heartbeat() -> str:
    return envelope("channel.metadata", {"message": "WebSocket Heartbeat"})


def pong() -> str:
    return envelope("channel.metadata", {"message": "pong"})


def socket_closing(channel_id: str) -> str:
    return envelope(
        "v2.system.socket_closing",
        {
            "channelId": channel_id,
            "systemTopicType": "socket_closing",
            "reason": "maintenance",
            "message": "The WebSocket will close for maintenance; reconnect to the same URI.",
        },
    )


def system_message(channel_id: str, topic_type: str, message: str) -> str:
    """``v2.system.token_revoked.{id}`` or ``v2.system.no_longer_subscribed.{id}``."""
    body: dict[str, Any] = {
        "channelId": channel_id,
        "systemTopicType": topic_type,
        "organizationId": ORG_ID,
        "message": message,
    }
    if topic_type == "token_revoked":
        body["reason"] = "user_tokens_revoked"
    return envelope(f"v2.system.{topic_type}.{channel_id}", body)


def error_body(status: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message": message,
        "code": code,
        "status": status,
        "messageWithParams": message,
        "messageParams": {},
        "contextId": str(uuid.uuid4()),
        "details": [],
        "errors": [],
    }
    body.update(extra)
    return body

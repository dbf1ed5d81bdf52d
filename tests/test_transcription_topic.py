"""The transcription-topic translator and frame decoder, on hand-made frames."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from assist_tui.genesys.notification_frames import Control, decode_frame
from assist_tui.model import ConversationEnded, RejectedFrame, Speaker, UtteranceUpdate

NOW = datetime(2026, 3, 19, 22, 4, 49, tzinfo=timezone.utc)
CONV = "4a9e2f61-0f4b-4e0e-9c51-2a3f1f6d7e10"


def frame(body: dict, topic: str = f"v2.conversations.{CONV}.transcription") -> str:
    return json.dumps({"topicName": topic, "version": "2", "eventBody": body, "metadata": {}})


def body(**transcript_changes: object) -> dict:
    transcript = {
        "utteranceId": "u-1",
        "isFinal": True,
        "channel": "EXTERNAL",
        "alternatives": [
            {
                "confidence": 0.658,
                "offsetMs": 278620,
                "durationMs": 12480,
                "transcript": "and I want to cancel",
                "decoratedTranscript": "and I want to cancel",
                "words": [
                    {"confidence": 0.917, "offsetMs": 278620, "durationMs": 80, "word": "and"}
                ],
                "decoratedWords": [],
                "somethingNew": {"nested": True},
            }
        ],
        "engineProvider": "GENESYS",
        "dialect": "en-US",
        "futureField": [1, 2, 3],
    }
    transcript.update(transcript_changes)
    return {
        "eventTime": "2026-03-19T22:04:48.128Z",
        "organizationId": "org",
        "conversationId": CONV,
        "communicationId": "comm-1",
        "sessionStartTimeMs": 1773957594383,
        "transcripts": [transcript],
        "status": {"offsetMs": 278620, "status": "SESSION_ONGOING"},
        "anotherUnknownTopLevel": "ok",
    }


def decode(raw: str, max_bytes: int = 65536):  # type: ignore[no-untyped-def]
    return decode_frame(raw, max_bytes=max_bytes, received_at=NOW)


def test_documented_example_with_unknown_fields() -> None:
    decoded = decode(frame(body()))
    assert decoded.control is None
    [update] = decoded.events
    assert isinstance(update, UtteranceUpdate)
    assert update.speaker is Speaker.CUSTOMER and update.is_final
    assert update.text == "and I want to cancel" and update.confidence == 0.658
    assert update.offset_ms == 278620 and update.duration_ms == 12480
    assert update.words[0].text == "and" and update.words[0].duration_ms == 80
    assert update.session_start == datetime(2026, 3, 19, 21, 59, 54, 383000, tzinfo=timezone.utc)
    assert update.event_time is not None and update.received_at == NOW
    assert update.language == "en-US" and update.adjustments == ()


def test_channels_map_to_speakers() -> None:
    speakers = {
        ch: decode(frame(body(channel=ch))).events[0].speaker  # type: ignore[union-attr]
        for ch in ("INTERNAL", "EXTERNAL", "BOTH", "UNKNOWN", "weird")
    }
    assert speakers == {
        "INTERNAL": Speaker.AGENT,
        "EXTERNAL": Speaker.CUSTOMER,
        "BOTH": Speaker.UNKNOWN,
        "UNKNOWN": Speaker.UNKNOWN,
        "weird": Speaker.UNKNOWN,
    }


def test_confidence_clamped_and_missing_noted() -> None:
    alt = body()["transcripts"][0]["alternatives"][0]
    alt["confidence"] = 1.7
    alt["words"][0].pop("confidence")
    [update] = decode(frame(body(alternatives=[alt]))).events
    assert isinstance(update, UtteranceUpdate)
    assert update.confidence == 1.0 and update.words[0].confidence == 0.0
    assert update.adjustments == ("word confidence missing", "utterance confidence 1.7 clamped")


def test_session_ended_ends_the_conversation() -> None:
    b = body()
    b["transcripts"] = []
    b["status"]["status"] = "SESSION_ENDED"
    [event] = decode(frame(b)).events
    assert isinstance(event, ConversationEnded) and event.conversation_id == CONV


def test_heartbeat_pong_and_system_topics() -> None:
    hb = json.dumps(
        {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}
    )
    pong = json.dumps({"topicName": "channel.metadata", "eventBody": {"message": "pong"}})
    closing = json.dumps({"topicName": "v2.system.socket_closing", "eventBody": {}})
    revoked = json.dumps({"topicName": "v2.system.token_revoked.abc", "eventBody": {}})
    gone = json.dumps({"topicName": "v2.system.no_longer_subscribed.abc", "eventBody": {}})
    other = json.dumps({"topicName": "v2.users.x.presence", "eventBody": {}})
    assert [decode(f).control for f in (hb, pong, closing, revoked, gone, other)] == [
        Control.HEARTBEAT,
        Control.PONG,
        Control.SOCKET_CLOSING,
        Control.TOKEN_REVOKED,
        Control.NO_LONGER_SUBSCRIBED,
        Control.IGNORED,
    ]


def test_bad_frames_become_rejections_with_reasons() -> None:
    cases = {
        "{nope": "malformed JSON",
        "[1, 2]": "frame is not a JSON object",
        json.dumps({"eventBody": {}}): "bad envelope: topicName",
        frame(
            {"conversationId": CONV, "transcripts": [{"isFinal": True}]}
        ): "bad transcription event",
        frame({"transcripts": []}): "bad transcription event: conversationId",
    }
    for raw, reason in cases.items():
        [event] = decode(raw).events
        assert isinstance(event, RejectedFrame)
        assert event.reason.startswith(reason), (raw, event.reason)
        assert event.size == len(raw.encode())


def test_size_is_checked_before_parsing() -> None:
    raw = "x" * 2000  # not JSON: would be "malformed" if it were parsed first
    [event] = decode(raw, max_bytes=1024).events
    assert isinstance(event, RejectedFrame) and event.reason.startswith(
        "oversized frame: 2000 bytes"
    )

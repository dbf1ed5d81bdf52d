"""The emulator's encoders for the seed dialects (seeds 000-004), from the same calls.

Written apart from the client's translators (genesys/dialects/) on purpose: a shared
helper would hide a parser bug.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from assist_tui.emulator.wire import iso

if TYPE_CHECKING:
    from assist_tui.emulator.calls import LiveCall
    from assist_tui.emulator.playback import RecognitionEvent

# Words that make the emulator's stand-in Agent Assist raise an insight, by type.
INSIGHT_CUES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "compliance_flag",
        ("card number", "social security", "date of birth", "account number", "ssn"),
        "Sensitive data spoken: confirm the caller is verified before going on.",
    ),
    (
        "sentiment_alert",
        ("cancel", "complaint", "frustrat", "angry", "ridiculous", "unacceptable", "upset"),
        "The caller sounds frustrated: acknowledge and offer a next step.",
    ),
    (
        "knowledge_recommendation",
        ("claim", "deductible", "policy", "refund", "payment", "balance", "transfer", "fee"),
        "Knowledge article suggested for what the caller asked.",
    ),
)


def spoken_at(call: LiveCall, event: RecognitionEvent) -> datetime:
    """When the words of this result ended, on the call's (speed-scaled) clock."""
    end_ms = event.offset_ms + event.duration_ms
    return call.started_at + timedelta(milliseconds=end_ms / call.speed)


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def audio_quality(call: LiveCall) -> dict[str, Any]:
    profile, t = call.audio, call.progress

    def at(span: tuple[float, float]) -> float:
        return round(span[0] + (span[1] - span[0]) * t, 2)

    return {
        "snrDb": at(profile.snr_db),
        "jitterMs": max(at(profile.jitter_ms), 0.0),
        "packetLossPercent": min(max(at(profile.packet_loss_pct), 0.0), 100.0),
        "detectedLanguage": call.spoken_language,
    }


def transcription_segments(
    call: LiveCall,
    event: RecognitionEvent,
    *,
    audio: bool,
    interrupted: bool,
    participant_id: str,
) -> str:
    """Seed 000's event: segments with word timings, ``isPartial``, ``audioQuality``."""
    scale = 1000 * call.speed
    words = [
        {
            "word": w.text,
            "start": round(w.offset_ms / scale, 3),
            "end": round((w.offset_ms + w.duration_ms) / scale, 3),
            "confidence": w.confidence,
        }
        for w in event.words
    ]
    body: dict[str, Any] = {
        "type": "transcription",
        "conversationId": call.conversation_id,
        "participantId": participant_id,
        "language": call.spoken_language,
        "segments": [
            {
                "text": event.text,
                "startTime": round(event.offset_ms / scale, 3),
                "endTime": round((event.offset_ms + event.duration_ms) / scale, 3),
                "confidence": event.confidence,
                "words": words,
            }
        ],
        "isPartial": not event.is_final,
        "interruptionDetected": interrupted,
        "timestamp": iso(spoken_at(call, event)),
    }
    if audio:
        body["audioQuality"] = audio_quality(call)
    return _dumps(body)


def transcription_text(call: LiveCall, event: RecognitionEvent, participant_id: str) -> str:
    """Seed 003's event: ``text``, ``final``, ``mediaTimestamp`` and the codec."""
    return _dumps(
        {
            "type": "transcription",
            "interactionId": call.conversation_id,
            "participantId": participant_id,
            "mediaTimestamp": iso(spoken_at(call, event)),
            "text": event.text,
            "confidence": event.confidence,
            "final": event.is_final,
            "mediaType": call.audio.codec,
        }
    )


def transcripts_frame(call: LiveCall, event: RecognitionEvent, now: datetime) -> str:
    """Seed 001's update: a transcript array of lines (finals only)."""
    return _dumps(
        {
            "conversationId": call.conversation_id,
            "mediaType": call.media_type,
            "timestamp": iso(now),
            "transcript": [
                {
                    "id": event.utterance_id,
                    "speaker": event.speaker,
                    "text": event.text,
                    "type": "text",
                    "timestamp": iso(spoken_at(call, event)),
                }
            ],
        }
    )


def transcripts_system_line(call: LiveCall, text: str, now: datetime) -> str:
    return _dumps(
        {
            "conversationId": call.conversation_id,
            "mediaType": call.media_type,
            "timestamp": iso(now),
            "transcript": [{"speaker": "system", "text": text, "type": "system"}],
        }
    )


def stream_transcript(call: LiveCall, event: RecognitionEvent) -> str:
    """Seed 004's ``eventType: transcript`` event."""
    return _dumps(
        {
            "eventType": "transcript",
            "conversationId": call.conversation_id,
            "timestamp": iso(spoken_at(call, event)),
            "transcript": {
                "id": event.utterance_id,
                "text": event.text,
                "speaker": event.speaker,
                "confidence": event.confidence,
            },
        }
    )


def insights_for(call: LiveCall, event: RecognitionEvent) -> list[dict[str, Any]]:
    """What the stand-in Agent Assist derives from one final (seed 002's payload)."""
    lowered = event.text.lower()
    found = []
    for kind, cues, advice in INSIGHT_CUES:
        cue = next((c for c in cues if c in lowered), None)
        if cue is None:
            continue
        found.append(
            {
                "type": "agentassist.insight",
                "insight_id": f"{event.utterance_id}:{kind}",
                "interaction_id": call.conversation_id,
                "insight_type": kind,
                "confidence": event.confidence,
                "content": {"text": f"{advice} (heard: “{cue}”)"},
                "timestamp": iso(spoken_at(call, event)),
            }
        )
    return found

"""Translate ``v2.conversations.{id}.transcription`` event bodies into the normalized model.

Unknown fields are tolerated; confidences outside [0, 1] are clamped and the clamp is
noted on the update (``adjustments``) so later stages can count it.

Words are read only where something uses them: the best alternative of a final, and of a
partial with no transcript text (its text is made from them). A partial's words, and the
words of other alternatives, are neither validated nor noted: no stage reads them (the
final replaces a partial), and on the wire they are most of every frame.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from assist_tui.genesys.dialects.base import clamp_confidence
from assist_tui.genesys.frame_limits import as_utc, epoch_ms
from assist_tui.genesys.frame_limits import offset_ms as bounded_ms
from assist_tui.model import (
    ConversationEnded,
    Speaker,
    UtteranceUpdate,
)

TOPIC = re.compile(r"^v2\.conversations\.(?P<id>[^.]+)\.transcription$")

SPEAKERS = {"INTERNAL": Speaker.AGENT, "EXTERNAL": Speaker.CUSTOMER}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class WireWord(_Lenient):
    word: str
    confidence: float | None = None
    offset_ms: int | None = Field(None, alias="offsetMs")
    duration_ms: int | None = Field(None, alias="durationMs")
    start_time_ms: int | None = Field(None, alias="startTimeMs")


class WireAlternative(_Lenient):
    transcript: str = ""
    confidence: float | None = None
    offset_ms: int | None = Field(None, alias="offsetMs")
    duration_ms: int | None = Field(None, alias="durationMs")
    words: list[Any] = Field(default_factory=list)  # read where used: _read_words


class WireTranscript(_Lenient):
    utterance_id: str = Field(alias="utteranceId", min_length=1)
    is_final: bool = Field(alias="isFinal")
    channel: str = "UNKNOWN"
    alternatives: list[WireAlternative] = Field(default_factory=list)
    dialect: str | None = None


class WireStatus(_Lenient):
    status: str = "UNKNOWN"
    offset_ms: int | None = Field(None, alias="offsetMs")


class TranscriptionMessage(_Lenient):
    """``TranscriptionTopicTranscriptionMessage`` as GENESYS.md documents it."""

    conversation_id: str = Field(alias="conversationId", min_length=1)
    communication_id: str | None = Field(None, alias="communicationId")
    event_time: datetime | None = Field(None, alias="eventTime")
    session_start_ms: int | None = Field(None, alias="sessionStartTimeMs")
    transcripts: list[WireTranscript] = Field(default_factory=list)
    status: WireStatus | None = None


_WIRE_WORDS = TypeAdapter(list[WireWord])


def _read_words(raw: list[Any], transcript: int) -> list[WireWord]:
    """The best alternative's words, validated; a bad one is rejected with its place."""
    try:
        return _WIRE_WORDS.validate_python(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise ValueError(
            f"transcripts.{transcript}.alternatives.0.words.{where}: {error['msg']}"
        ) from None


def _word(wire: WireWord, notes: list[str]) -> dict[str, object]:
    offset = wire.offset_ms if wire.offset_ms is not None else wire.start_time_ms
    return {
        "text": wire.word,
        "confidence": clamp_confidence(wire.confidence, "word", notes),
        "offset_ms": bounded_ms(offset, "word offsetMs", notes) or 0,
        "duration_ms": bounded_ms(wire.duration_ms, "word durationMs", notes) or 0,
    }


def translate(
    message: TranscriptionMessage, received_at: datetime
) -> list[UtteranceUpdate | ConversationEnded]:
    """Utterance updates for each transcript, and an end when the session ended.

    Times and offsets are bounded (genesys/frame_limits.py); each fix is an adjustment.
    """
    frame_notes: list[str] = []
    session_start = epoch_ms(message.session_start_ms, "sessionStartTimeMs", frame_notes)
    event_time = as_utc(message.event_time, "eventTime", frame_notes)
    events: list[UtteranceUpdate | ConversationEnded] = []
    for index, transcript in enumerate(message.transcripts):
        if not transcript.alternatives:
            continue
        best = transcript.alternatives[0]
        notes: list[str] = list(frame_notes)
        text = best.transcript.strip()
        words: list[dict[str, object]] = []
        if transcript.is_final or not text:
            words = [_word(w, notes) for w in _read_words(best.words, index)]
            text = text or " ".join(str(w["text"]) for w in words)
        if not transcript.is_final:
            words = []  # a partial's words: read by nothing (model.UtteranceUpdate.words)
        # One validation call per utterance (words included) is the cheapest way through
        # pydantic: per-word model objects or model_construct cost far more.
        events.append(
            UtteranceUpdate.model_validate(
                {
                    "conversation_id": message.conversation_id,
                    "communication_id": message.communication_id,
                    "media_type": "voice",  # the transcription topic is voice transcription
                    "speaker": SPEAKERS.get(transcript.channel.upper(), Speaker.UNKNOWN),
                    "utterance_id": transcript.utterance_id,
                    "text": text,
                    "words": words,
                    "confidence": clamp_confidence(best.confidence, "utterance", notes),
                    "is_final": transcript.is_final,
                    "language": transcript.dialect,
                    "offset_ms": bounded_ms(best.offset_ms, "offsetMs", notes),
                    "duration_ms": bounded_ms(best.duration_ms, "durationMs", notes),
                    "session_start": session_start,
                    "event_time": event_time,
                    "received_at": received_at,
                    "adjustments": tuple(dict.fromkeys(notes)),
                }
            )
        )
    if message.status is not None and message.status.status.upper() == "SESSION_ENDED":
        events.append(
            ConversationEnded(
                conversation_id=message.conversation_id,
                reason="transcription session ended",
                received_at=received_at,
            )
        )
    return events

"""Seeds 000 and 003: ``/api/v2/interactions/transcription``, one subscribe per participant.

Two event shapes arrive on it: seed 000's (segments, ``isPartial``, ``audioQuality``) and
seed 003's (``text``, ``final``, ``mediaTimestamp``, ``mediaType``). Both become utterance
updates; audio quality and codec become ``AudioMetrics``. Neither carries an utterance id,
so one is kept per participant: partials belong to the open utterance until its final.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assist_tui.genesys.dialects.base import (
    Decoded,
    Dialect,
    Lenient,
    Outgoing,
    SubscriptionInvalid,
    ack_from,
    clamp_confidence,
    load_object,
    rejected,
    schema_reason,
    total_decode,
)
from assist_tui.genesys.errors import NotFoundError
from assist_tui.genesys.frame_limits import as_utc
from assist_tui.genesys.frame_limits import offset_ms as bounded_ms
from assist_tui.genesys.rest import GenesysApi
from assist_tui.model import AudioMetrics, Speaker, StreamEvent, UtteranceUpdate

PURPOSES = {
    "agent": Speaker.AGENT,
    "user": Speaker.AGENT,
    "customer": Speaker.CUSTOMER,
    "external": Speaker.CUSTOMER,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RedactionRequest(_Strict):
    enabled: bool
    type: Literal["pii", "custom", "none"]


class SubscribeMessage(_Strict):
    """The atomic subscribe (seed 000's fields plus seed 003's), validated before sending."""

    type: Literal["subscribe"] = "subscribe"
    id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9-]+$")
    participantId: str | None = Field(None, min_length=1, max_length=128)
    language: str = Field(pattern=r"^[a-z]{2}-[A-Z]{2}$")
    format: Literal["json"] = "json"
    includeAudioMetrics: bool = True
    includeInterruptionDetection: bool = True
    model: str | None = Field(None, min_length=1)
    redaction: RedactionRequest | None = None
    maxConcurrentStreams: int = Field(ge=1, le=10)


class Segment(Lenient):
    text: str
    startTime: float = Field(ge=0, lt=1e9, allow_inf_nan=False)
    endTime: float = Field(ge=0, lt=1e9, allow_inf_nan=False)
    confidence: float | None = None
    words: list[dict[str, Any]] | None = None


class AudioQuality(Lenient):
    snrDb: float | None = Field(None, allow_inf_nan=False)
    jitterMs: float | None = Field(None, ge=0, allow_inf_nan=False)
    packetLossPercent: float | None = Field(None, ge=0, le=100, allow_inf_nan=False)
    detectedLanguage: str | None = None


class SegmentEvent(Lenient):
    """Seed 000's event."""

    conversationId: str = Field(min_length=1)
    participantId: str | None = None
    language: str | None = None
    segments: list[Segment] = Field(min_length=1)
    isPartial: bool
    interruptionDetected: bool | None = False
    audioQuality: AudioQuality | None = None
    timestamp: datetime | None = None


class TextEvent(Lenient):
    """Seed 003's event."""

    interactionId: str = Field(min_length=1)
    participantId: str | None = None
    text: str
    confidence: float | None = None
    final: bool
    mediaTimestamp: datetime | None = None
    mediaType: str | None = None


def _seconds(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) and 0 <= value < 1e9 else None


def _word(raw: dict[str, Any], notes: list[str]) -> dict[str, object] | None:
    text = raw.get("word", raw.get("text"))
    if not isinstance(text, str) or not text:
        return None
    start = _seconds(raw.get("start", raw.get("startTime")))
    end = _seconds(raw.get("end", raw.get("endTime")))
    conf = raw.get("confidence")
    number = float(conf) if isinstance(conf, (int, float)) and not isinstance(conf, bool) else None
    return {
        "text": text,
        "confidence": clamp_confidence(number, "word", notes),
        "offset_ms": int(start * 1000) if start is not None else 0,
        "duration_ms": max(int((end - start) * 1000), 0) if start is not None and end else 0,
    }


class TranscriptionDialect(Dialect):
    name = "transcription"
    path = "/api/v2/interactions/transcription"
    resubscribe = "per-conversation"

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        # conversation -> participant id -> who it is (from the conversation's participants)
        self.participants: dict[str, dict[str, Speaker]] = {}
        self._open: dict[tuple[str, str], str] = {}  # (conversation, participant) -> utterance
        self._ids = itertools.count(1)

    async def prepare(self, api: GenesysApi, conversation_id: str) -> None:
        if conversation_id in self.participants:
            return
        body = await api.json(
            "GET", f"/api/v2/conversations/{conversation_id}", what="reading participants"
        )
        found: dict[str, Speaker] = {}
        for p in body.get("participants", []) if isinstance(body, dict) else []:
            if isinstance(p, dict) and isinstance(p.get("id"), str):
                speaker = PURPOSES.get(str(p.get("purpose", "")).lower())
                if speaker is not None:
                    found[p["id"]] = speaker
        if not found:
            raise NotFoundError(f"conversation {conversation_id} has no agent or customer yet")
        self.participants[conversation_id] = found

    def subscribe_message(self, conversation_id: str, participant_id: str | None) -> str:
        """One validated subscribe message; ``SubscriptionInvalid`` says what is wrong."""
        s = self.settings
        try:
            message = SubscribeMessage(
                id=conversation_id,
                participantId=participant_id,
                language=s.language,
                includeAudioMetrics=s.include_audio_metrics,
                model=s.model or None,
                redaction=(
                    RedactionRequest(enabled=True, type=s.redaction)
                    if s.redaction != "none"
                    else None
                ),
                maxConcurrentStreams=s.max_concurrent_streams,
            )
        except ValidationError as exc:
            raise SubscriptionInvalid(
                f"transcription subscribe for {conversation_id!r} is invalid: "
                f"{schema_reason(exc).removeprefix('schema: ')}"
            ) from None
        return message.model_dump_json(exclude_none=True)

    def subscribe_messages(self, conversation_ids: Sequence[str]) -> list[Outgoing]:
        out: list[Outgoing] = []
        for cid in conversation_ids:
            known: list[str | None] = list(self.participants.get(cid, {})) or [None]
            for pid in known:
                out.append(Outgoing(self.subscribe_message(cid, pid), ack_key=f"{cid}/{pid}"))
        return out

    def unsubscribe_messages(self, conversation_ids: Sequence[str]) -> list[Outgoing]:
        return [Outgoing(json.dumps({"type": "unsubscribe", "id": c})) for c in conversation_ids]

    def forget(self, conversation_id: str) -> None:
        self.participants.pop(conversation_id, None)
        for key in [k for k in self._open if k[0] == conversation_id]:
            del self._open[key]

    @total_decode
    def decode(self, raw: str | bytes, received_at: datetime) -> Decoded:
        body = load_object(raw, received_at)
        if isinstance(body, Decoded):
            return body
        answer = ack_from(body, self._ack_key(body))
        if answer is not None:
            return answer
        kind = body.get("type")
        if kind not in ("transcription", "transcript", None):
            return rejected(f"unknown: frame type {str(kind)[:40]!r}", raw, received_at)
        try:
            if "segments" in body:
                events = self._segment_event(SegmentEvent.model_validate(body), received_at)
            else:
                events = self._text_event(TextEvent.model_validate(body), received_at)
        except ValidationError as exc:
            return rejected(schema_reason(exc), raw, received_at)
        return Decoded(events=events)

    @staticmethod
    def _ack_key(body: dict[str, Any]) -> str | None:
        cid = body.get("id", body.get("conversationId", body.get("interactionId")))
        if not isinstance(cid, str):
            return None
        pid = body.get("participantId")
        return f"{cid}/{pid if isinstance(pid, str) else None}"

    def _utterance(self, cid: str, pid: str | None, final: bool) -> str:
        key = (cid, pid or "")
        uid = self._open.get(key)
        if uid is None:
            uid = f"{pid or 'stream'}-{next(self._ids)}"
            self._open[key] = uid
        if final:
            del self._open[key]
        return uid

    def _speaker(self, cid: str, pid: str | None) -> Speaker:
        return self.participants.get(cid, {}).get(pid or "", Speaker.UNKNOWN)

    def _segment_event(self, event: SegmentEvent, received_at: datetime) -> list[StreamEvent]:
        notes: list[str] = []
        confidences = [clamp_confidence(s.confidence, "segment", notes) for s in event.segments]
        words = [w for s in event.segments for raw in s.words or [] if (w := _word(raw, notes))]
        first, last = event.segments[0], event.segments[-1]
        cid, pid = event.conversationId, event.participantId
        final = not event.isPartial
        # seed 000: partials report their least certain segment, finals the mean
        confidence = sum(confidences) / len(confidences) if final else min(confidences)
        out: list[StreamEvent] = [
            UtteranceUpdate.model_validate(
                {
                    "conversation_id": cid,
                    "participant_id": pid,
                    "speaker": self._speaker(cid, pid),
                    "utterance_id": self._utterance(cid, pid, final),
                    "text": " ".join(s.text.strip() for s in event.segments).strip(),
                    "words": words if final else [],  # model.UtteranceUpdate.words
                    "confidence": confidence,
                    "is_final": final,
                    "language": event.language,
                    "offset_ms": bounded_ms(int(first.startTime * 1000), "startTime", notes),
                    "duration_ms": bounded_ms(
                        max(int((last.endTime - first.startTime) * 1000), 0), "endTime", notes
                    ),
                    "event_time": as_utc(event.timestamp, "timestamp", notes),
                    "received_at": received_at,
                    "adjustments": tuple(dict.fromkeys(notes)),
                    "interruption_detected": bool(event.interruptionDetected),
                }
            )
        ]
        quality = event.audioQuality
        if quality is not None:
            out.append(
                AudioMetrics(
                    conversation_id=cid,
                    snr_db=quality.snrDb,
                    jitter_ms=quality.jitterMs,
                    packet_loss_pct=quality.packetLossPercent,
                    detected_language=quality.detectedLanguage,
                    received_at=received_at,
                )
            )
        return out

    def _text_event(self, event: TextEvent, received_at: datetime) -> list[StreamEvent]:
        notes: list[str] = []
        cid, pid = event.interactionId, event.participantId
        media_time = as_utc(event.mediaTimestamp, "mediaTimestamp", notes)
        out: list[StreamEvent] = [
            UtteranceUpdate(
                conversation_id=cid,
                participant_id=pid,
                speaker=self._speaker(cid, pid),
                utterance_id=self._utterance(cid, pid, event.final),
                text=event.text.strip(),
                confidence=clamp_confidence(event.confidence, "utterance", notes),
                is_final=event.final,
                event_time=media_time,
                received_at=received_at,
                adjustments=tuple(dict.fromkeys(notes)),
            )
        ]
        if event.mediaType:
            out.append(
                AudioMetrics(
                    conversation_id=cid, codec=event.mediaType[:64], received_at=received_at
                )
            )
        return out

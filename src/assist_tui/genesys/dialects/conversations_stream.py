"""Seed 004: ``/api/v2/conversations/stream?filter=type:transcript``.

One socket carries every conversation's transcript events; the followed set is applied
here (client side). Each ``transcript`` event is a finished line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import Field, ValidationError

from assist_tui.genesys.dialects.base import (
    Decoded,
    Dialect,
    Lenient,
    load_object,
    rejected,
    schema_reason,
    total_decode,
)
from assist_tui.genesys.dialects.lines import final_line


class TranscriptBody(Lenient):
    id: str | None = None
    text: str
    speaker: str | None = None
    confidence: float | None = None


class StreamFrame(Lenient):
    eventType: str
    conversationId: str = Field(min_length=1)
    timestamp: datetime | None = None
    transcript: TranscriptBody


class ConversationsStreamDialect(Dialect):
    name = "conversations-stream"
    path = "/api/v2/conversations/stream"
    resubscribe = "client-side"

    def url(self, ws_base: str, conversation_ids: Sequence[str], token: str) -> str:
        return f"{ws_base.rstrip('/')}{self.path}?filter=type:transcript"

    @total_decode
    def decode(self, raw: str | bytes, received_at: datetime) -> Decoded:
        body = load_object(raw, received_at)
        if isinstance(body, Decoded):
            return body
        kind = body.get("eventType")
        if kind != "transcript":
            return rejected(f"unknown: eventType {str(kind)[:40]!r}", raw, received_at)
        try:
            frame = StreamFrame.model_validate(body)
        except ValidationError as exc:
            return rejected(schema_reason(exc), raw, received_at)
        text = frame.transcript.text.strip()
        if not text:
            return Decoded()
        return Decoded(
            events=[
                final_line(
                    frame.conversationId,
                    frame.transcript.speaker,
                    text,
                    wire_id=frame.transcript.id,
                    confidence=frame.transcript.confidence,
                    default_confidence=None,
                    event_time=frame.timestamp,
                    received_at=received_at,
                )
            ]
        )

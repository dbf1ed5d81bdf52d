"""Seed 001: ``/api/v2/interactions/conversations/transcripts``, voice and chat lines.

The token travels in the query string (``access_token``), so the URL is redacted
wherever it could be shown; the followed conversations are in the query too, so a new
set means a new socket. System lines and empty lines are skipped; every line is final.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlencode

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
from assist_tui.model import StreamEvent, media_type_of


class TranscriptLine(Lenient):
    id: str | None = None
    speaker: str | None = None
    text: str = ""
    type: str = "text"
    timestamp: datetime | None = None
    confidence: float | None = None


class TranscriptsFrame(Lenient):
    conversationId: str = Field(min_length=1)
    mediaType: str | None = None
    timestamp: datetime | None = None
    transcript: list[TranscriptLine] = Field(default_factory=list)


class TranscriptsDialect(Dialect):
    name = "transcripts"
    path = "/api/v2/interactions/conversations/transcripts"
    resubscribe = "reconnect"
    token_in_query = True

    def url(self, ws_base: str, conversation_ids: Sequence[str], token: str) -> str:
        query = {
            "access_token": token,
            "mediaTypes": ",".join(self.settings.media_types),
            "conversationIds": ",".join(conversation_ids),
        }
        return f"{ws_base.rstrip('/')}{self.path}?{urlencode(query, safe=',')}"

    @total_decode
    def decode(self, raw: str | bytes, received_at: datetime) -> Decoded:
        body = load_object(raw, received_at)
        if isinstance(body, Decoded):
            return body
        try:
            frame = TranscriptsFrame.model_validate(body)
        except ValidationError as exc:
            return rejected(schema_reason(exc), raw, received_at)
        events: list[StreamEvent] = []
        for line in frame.transcript:
            text = line.text.strip()
            if not text or line.type.lower() == "system":
                continue
            events.append(
                final_line(
                    frame.conversationId,
                    line.speaker,
                    text,
                    wire_id=line.id,
                    confidence=line.confidence,
                    # Lines carry no ASR confidence unless the platform adds one: chat is exact.
                    default_confidence=1.0,
                    event_time=line.timestamp or frame.timestamp,
                    received_at=received_at,
                    media_type=media_type_of(frame.mediaType),
                )
            )
        return Decoded(events=events)

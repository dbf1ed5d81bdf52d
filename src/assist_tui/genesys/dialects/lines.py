"""Helpers for dialects whose frames carry finished lines (no partials): ids and speakers."""

from __future__ import annotations

import hashlib
from datetime import datetime

from assist_tui.genesys.dialects.base import clamp_confidence
from assist_tui.genesys.frame_limits import as_utc
from assist_tui.model import MediaType, Speaker, UtteranceUpdate

SPEAKERS = {
    "agent": Speaker.AGENT,
    "internal": Speaker.AGENT,
    "customer": Speaker.CUSTOMER,
    "external": Speaker.CUSTOMER,
}


def speaker_of(value: str | None) -> Speaker:
    return SPEAKERS.get((value or "").strip().lower(), Speaker.UNKNOWN)


def line_id(conversation_id: str, *parts: str | None) -> str:
    """A stable id for a line the wire did not name: a replay gets the same id (deduped)."""
    digest = hashlib.blake2b(digest_size=8)
    for part in (conversation_id, *parts):
        digest.update((part or "").encode("utf-8", "replace") + b"\x1f")
    return f"line-{digest.hexdigest()}"


def final_line(
    conversation_id: str,
    speaker: str | None,
    text: str,
    *,
    wire_id: str | None,
    confidence: float | None,
    default_confidence: float | None,
    event_time: datetime | None,
    received_at: datetime,
    media_type: MediaType | None = None,
) -> UtteranceUpdate:
    """One finished line as a final utterance; without a wire id it gets a stable one."""
    notes: list[str] = []
    event_time = as_utc(event_time, "timestamp", notes)
    if confidence is None and default_confidence is not None:
        certainty = default_confidence
    else:
        certainty = clamp_confidence(confidence, "line", notes)
    return UtteranceUpdate(
        conversation_id=conversation_id,
        media_type=media_type,
        speaker=speaker_of(speaker),
        utterance_id=wire_id or line_id(conversation_id, speaker, str(event_time), text),
        text=text,
        confidence=certainty,
        is_final=True,
        event_time=event_time,
        received_at=received_at,
        adjustments=tuple(notes),
    )

"""The platform timing profile of the transcription topic (GENESYS.md, corrections):
finals only, collected and published in groups within a window; a status-only message
at the start of each session and every few minutes while it lasts.

``live`` timing (the demo's default) publishes every partial and final at once instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from assist_tui.emulator import wire

if TYPE_CHECKING:
    from assist_tui.emulator.calls import LiveCall
    from assist_tui.emulator.playback import RecognitionEvent

Publish = Callable[[str, dict[str, Any]], int]


@dataclass
class _Session:
    pending: list[RecognitionEvent] = field(default_factory=list)
    flush: asyncio.TimerHandle | None = None
    status: asyncio.TimerHandle | None = None


class PlatformTiming:
    """Buffers a call's finals and publishes them in groups, as Genesys Cloud does."""

    def __init__(self, publish: Publish, *, window_s: float, status_interval_s: float) -> None:
        self.publish = publish
        self.window_s = window_s
        self.status_interval_s = status_interval_s
        self.sessions: dict[str, _Session] = {}
        self.groups_published = 0

    def on_event(self, call: LiveCall, event: RecognitionEvent) -> None:
        session = self.sessions.get(call.conversation_id)
        if session is None:
            session = self.sessions[call.conversation_id] = _Session()
            self._status(call)  # the session starts: a message with no transcripts
        if not event.is_final:
            return  # the platform publishes finals only
        session.pending.append(event)
        if session.flush is None:
            loop = asyncio.get_running_loop()
            session.flush = loop.call_later(self.window_s, self.flush, call)

    def flush(self, call: LiveCall) -> None:
        """Publish what is buffered: one message per communication (speaker)."""
        session = self.sessions.get(call.conversation_id)
        if session is None or not session.pending:
            return
        if session.flush is not None:
            session.flush.cancel()
            session.flush = None
        pending, session.pending = session.pending, []
        now = datetime.now(timezone.utc)
        for speaker in dict.fromkeys(e.speaker for e in pending):
            group = [e for e in pending if e.speaker == speaker]
            body = wire.transcription_body(call, group[0], now)
            body["transcripts"] = [
                wire.transcription_body(call, e, now)["transcripts"][0] for e in group
            ]
            body["status"]["offsetMs"] = max(
                t["alternatives"][0]["offsetMs"] for t in body["transcripts"]
            )
            self.publish(wire.transcription_topic(call.conversation_id), body)
            self.groups_published += 1

    def _status(self, call: LiveCall) -> None:
        session = self.sessions.get(call.conversation_id)
        if session is None or call.ended_at is not None:
            return
        self.publish(wire.transcription_topic(call.conversation_id), status_body(call))
        loop = asyncio.get_running_loop()
        session.status = loop.call_later(self.status_interval_s, self._status, call)

    def end(self, call: LiveCall) -> None:
        """The call ended: what is buffered goes out before SESSION_ENDED."""
        self.flush(call)
        session = self.sessions.pop(call.conversation_id, None)
        if session is not None and session.status is not None:
            session.status.cancel()


def status_body(call: LiveCall) -> dict[str, Any]:
    """A message with no transcripts and status SESSION_ONGOING."""
    now = datetime.now(timezone.utc)
    offset = int((now - call.started_at).total_seconds() * 1000)  # wire times are wall times
    return {
        "eventTime": wire.iso(now),
        "organizationId": wire.ORG_ID,
        "conversationId": call.conversation_id,
        "communicationId": call.communication_ids["customer"],
        "sessionStartTimeMs": call.session_start_ms,
        "transcriptionStartTimeMs": call.session_start_ms - 47,
        "transcripts": [],
        "status": {"offsetMs": offset, "status": "SESSION_ONGOING"},
    }

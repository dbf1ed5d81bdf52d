"""The emulator's seed-dialect sockets: who listens to what, handshakes, and delivery.

Every dialect is fed from the same calls as the Notifications channels: the call
director tells ``DialectHub`` about each recognition event and each end.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from assist_tui.emulator import dialect_wire
from assist_tui.emulator.hub import Connection

if TYPE_CHECKING:
    from assist_tui.emulator.calls import CallDirector, LiveCall
    from assist_tui.emulator.playback import RecognitionEvent

FILTER_OPS = {"eq", "in", "gte", "lte"}
FILTER_ATTRIBUTES = {"event_type", "insight_type", "confidence", "interaction_id"}
LANGUAGE = re.compile(r"^[a-z]{2}-[A-Za-z]{2}$")
INSIGHT_STREAM_LIMIT = 10


@dataclass(eq=False)  # one per socket: identity, so it can live in a set
class DialectSocket:
    """One client socket of a seed dialect and what it asked for."""

    dialect: str
    conn: Connection = field(default_factory=Connection)
    # conversation -> participant ids asked for (empty set: every participant)
    conversations: dict[str, set[str]] = field(default_factory=dict)
    every_conversation: bool = False
    text_form: bool = False  # seed 003's event shape
    audio: bool = True
    insight_types: set[str] | None = None
    confidence: tuple[float, float] = (0.0, 1.0)
    insights_sent: int = 0
    media_types: set[str] = field(default_factory=lambda: {"voice", "chat", "message"})


@dataclass
class DialectFaults:
    """Handshake faults, consumed one subscribe at a time."""

    silent: int = 0  # subscribes left unanswered (the client's ack timeout)
    throttled: int = 0  # subscribes answered 429
    errors: list[str] = field(default_factory=list)  # subscribes answered with an error
    policy_violation: bool = False  # the next insights subscription is closed with 1008
    insights_busy: int = 0  # streams "used elsewhere" in the stream limits


class DialectHub:
    """All seed-dialect sockets of the emulator."""

    def __init__(self, director: CallDirector) -> None:
        self.director = director
        self.sockets: set[DialectSocket] = set()
        self.faults = DialectFaults()
        self.subscribes = 0
        # (conversation, speaker) -> end (ms) of that speaker's latest words: interruptions
        self._spoken_until: dict[tuple[str, str], int] = {}
        self._seen_utterances: set[str] = set()
        director.listeners.append(self.on_event)

    def attach(self, dialect: str) -> DialectSocket:
        socket = DialectSocket(dialect)
        self.sockets.add(socket)
        return socket

    def detach(self, socket: DialectSocket) -> None:
        self.sockets.discard(socket)

    def connections(self) -> list[Connection]:
        return [s.conn for s in self.sockets]

    def limits(self) -> dict[str, int]:
        current = sum(1 for s in self.sockets if s.dialect == "insights")
        return {
            "maxConcurrentStreams": INSIGHT_STREAM_LIMIT,
            "maxSubscriptionsPerStream": 5,
            "currentStreams": min(current + self.faults.insights_busy, INSIGHT_STREAM_LIMIT),
        }

    # -- handshakes -----------------------------------------------------------------------
    def _handshake_fault(self, socket: DialectSocket, ack_id: dict[str, Any]) -> bool:
        """Apply a pending handshake fault; True when it answered (or ignored) the message."""
        f = self.faults
        if f.silent > 0:
            f.silent -= 1
            return True
        if f.throttled > 0:
            f.throttled -= 1
            socket.conn.send(
                json.dumps({"type": "error", "code": 429, "message": "Too many requests"} | ack_id)
            )
            return True
        if f.errors:
            socket.conn.send(json.dumps({"type": "error", "message": f.errors.pop(0)} | ack_id))
            return True
        return False

    def on_message(self, socket: DialectSocket, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            socket.conn.send(json.dumps({"type": "error", "message": "message is not JSON"}))
            return
        if not isinstance(message, dict):
            socket.conn.send(json.dumps({"type": "error", "message": "message is not an object"}))
            return
        if socket.dialect == "transcription":
            self._transcription_message(socket, message)
        elif socket.dialect == "insights":
            self._insights_message(socket, message)

    def _transcription_message(self, socket: DialectSocket, message: dict[str, Any]) -> None:
        cid = message.get("id", message.get("interactionId"))
        pid = message.get("participantId")
        ack_id: dict[str, Any] = {"id": cid, "participantId": pid}
        if message.get("type") == "unsubscribe":
            socket.conversations.pop(str(cid), None)
            return
        if message.get("type") != "subscribe":
            socket.conn.send(json.dumps({"type": "error", "message": "unknown message type"}))
            return
        self.subscribes += 1
        if self._handshake_fault(socket, ack_id):
            return
        problem = None
        call = self.director.calls.get(str(cid))
        streams = message.get("maxConcurrentStreams", 1)
        if not isinstance(message.get("language"), str) or not LANGUAGE.match(message["language"]):
            problem = "language must look like en-US"
        elif not isinstance(streams, int) or not 1 <= streams <= 10:
            problem = "maxConcurrentStreams must be 1-10"
        elif call is None or call.ended_at is not None:
            problem = f"conversation {cid} is not active"
        elif pid is not None and pid not in call.participant_ids.values():
            problem = f"participant {pid} is not in conversation {cid}"
        if problem is not None:
            socket.conn.send(json.dumps({"type": "error", "message": problem} | ack_id))
            return
        socket.conversations.setdefault(str(cid), set())
        if pid is not None:
            socket.conversations[str(cid)].add(str(pid))
        socket.text_form = "model" in message or "interactionId" in message
        socket.audio = bool(message.get("includeAudioMetrics", True))
        socket.conn.send(json.dumps({"type": "subscribed"} | ack_id))

    def _insights_message(self, socket: DialectSocket, message: dict[str, Any]) -> None:
        if message.get("type") != "subscribe":
            socket.conn.send(json.dumps({"type": "error", "message": "unknown message type"}))
            return
        self.subscribes += 1
        ack_id = {"id": message.get("id")}
        if self.faults.policy_violation:
            self.faults.policy_violation = False
            socket.conn.close(1008, "invalid filter attribute: insight_type")
            return
        if self._handshake_fault(socket, ack_id):
            return
        filters = message.get("filters")
        if not isinstance(filters, list) or not filters:
            socket.conn.close(1008, "filters must be a non-empty list")
            return
        types: set[str] | None = None
        for f in filters:
            attribute = f.get("attribute") if isinstance(f, dict) else None
            if not isinstance(f, dict) or f.get("type") not in FILTER_OPS:
                socket.conn.close(1008, f"invalid filter operator in {json.dumps(f)[:60]}")
                return
            if attribute not in FILTER_ATTRIBUTES:
                socket.conn.close(1008, f"invalid filter attribute: {attribute}")
                return
            if attribute == "insight_type" and f["type"] == "in":
                types = {str(v) for v in f.get("value") or []}
        window = message.get("confidence_threshold") or {}
        socket.insight_types = types
        socket.confidence = (
            float(window.get("min_confidence", 0.0)),
            float(window.get("max_confidence", 1.0)),
        )
        socket.conversations = {str(i): set() for i in message.get("interaction_ids") or []}
        socket.conn.send(json.dumps({"type": "subscribed"} | ack_id))

    # -- delivery -------------------------------------------------------------------------
    def on_event(self, call: LiveCall, event: RecognitionEvent | None) -> None:
        """The director's listener: one recognition event of a call (None: it ended)."""
        cid = call.conversation_id
        if event is None:
            for key in [k for k in self._spoken_until if k[0] == cid]:
                del self._spoken_until[key]
            return
        if not self.sockets:
            return  # the default (Notifications) demo: nothing to track per event
        interrupted = self._interrupts(call, event)
        now = datetime.now(timezone.utc)
        for socket in list(self.sockets):
            if not socket.every_conversation and cid not in socket.conversations:
                continue
            for frame in self._frames(socket, call, event, interrupted, now):
                socket.conn.send(frame)

    def _interrupts(self, call: LiveCall, event: RecognitionEvent) -> bool:
        other = "agent" if event.speaker == "customer" else "customer"
        first = event.utterance_id not in self._seen_utterances
        if first:
            self._seen_utterances.add(event.utterance_id)
            if len(self._seen_utterances) > 50_000:
                self._seen_utterances.clear()
        until = self._spoken_until.get((call.conversation_id, other), -1)
        end = event.offset_ms + event.duration_ms
        key = (call.conversation_id, event.speaker)
        self._spoken_until[key] = max(self._spoken_until.get(key, 0), end)
        return first and event.offset_ms < until

    def _frames(
        self,
        socket: DialectSocket,
        call: LiveCall,
        event: RecognitionEvent,
        interrupted: bool,
        now: datetime,
    ) -> list[str | bytes]:
        if socket.dialect == "transcription":
            if call.media_type != "voice":
                return []  # speech transcription: there is no audio in a chat
            pid = call.participant_ids.get(event.speaker, "")
            wanted = socket.conversations.get(call.conversation_id) or set()
            if wanted and pid not in wanted:
                return []
            if socket.text_form:
                return [dialect_wire.transcription_text(call, event, pid)]
            return [
                dialect_wire.transcription_segments(
                    call, event, audio=socket.audio, interrupted=interrupted, participant_id=pid
                )
            ]
        if not event.is_final:
            return []  # the other dialects carry finished lines only
        if socket.dialect == "transcripts":
            if call.media_type not in socket.media_types:
                return []
            return [dialect_wire.transcripts_frame(call, event, now)]
        if socket.dialect == "conversations-stream":
            return [dialect_wire.stream_transcript(call, event)]
        frames: list[str | bytes] = []
        low, high = socket.confidence
        for insight in dialect_wire.insights_for(call, event):
            types = socket.insight_types
            if types is not None and insight["insight_type"] not in types:
                continue
            if not low <= insight["confidence"] <= high:
                continue
            text = json.dumps(insight)
            # Seed 002: frames come as JSON text or as base64 JSON in binary frames.
            binary = socket.insights_sent % 2 == 1
            frames.append(base64.b64encode(text.encode()) if binary else text)
            socket.insights_sent += 1
        return frames

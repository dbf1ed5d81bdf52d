"""Decode one Notifications API frame: size check first, then JSON, then the envelope,
then the topic's own translator. A bad frame becomes a ``RejectedFrame`` with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from pydantic import ValidationError

from assist_tui.genesys import (
    copilot_topics,
    discovery,
    frame_limits,
    transcription_fast,
    transcription_topic,
    transcription_typed,
)
from assist_tui.model import RejectedFrame, StreamEvent


class Control(str, Enum):
    """Frames about the channel itself rather than about conversations."""

    HEARTBEAT = "heartbeat"
    PONG = "pong"
    SOCKET_CLOSING = "socket_closing"
    NO_LONGER_SUBSCRIBED = "no_longer_subscribed"
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 - a topic kind, not a secret
    METADATA = "metadata"
    IGNORED = "ignored"  # a well-formed event on a topic nobody here handles


@dataclass
class Decoded:
    events: list[StreamEvent] = field(default_factory=list)
    control: Control | None = None
    topic: str | None = None


def _reject(reason: str, size: int, received_at: datetime, topic: str | None = None) -> Decoded:
    shown = topic[:200] if isinstance(topic, str) else None
    return Decoded(
        [RejectedFrame(reason=reason[:300], size=size, topic=shown, received_at=received_at)]
    )


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "(root)"
    return f"{where}: {error['msg']}"


def decode_frame(raw: str | bytes, *, max_bytes: int, received_at: datetime) -> Decoded:
    """Decode one frame; never raises, whatever the input (bounds: genesys/frame_limits.py)."""
    if isinstance(raw, str):
        # An ASCII text is as long in UTF-8 bytes as in characters: no encoding needed.
        size = len(raw) if raw.isascii() else len(raw.encode("utf-8", "replace"))
    else:
        size = len(raw)
    if size > max_bytes:
        # Checked before parsing: a huge frame costs no JSON work.
        return _reject(f"oversized frame: {size} bytes > limit {max_bytes}", size, received_at)
    try:
        return _decode(raw, size, received_at)
    except (Exception, RecursionError) as exc:
        # The last line of defence: the reason names the type only (a message may quote text).
        return _reject(f"translator error: {type(exc).__name__}", size, received_at)


def _decode(raw: str | bytes, size: int, received_at: datetime) -> Decoded:
    if isinstance(raw, str):
        typed = transcription_typed.translate_typed(raw, received_at)
        if typed is not None:  # the usual frame, read by a typed decoder in one pass
            return Decoded(list(typed[1]), topic=typed[0])
    try:
        data = frame_limits.load_bounded(raw)
    except frame_limits.FrameLimitError as exc:
        return _reject(f"limit: {exc}", size, received_at)
    except ValueError as exc:
        return _reject(f"malformed JSON: {exc}", size, received_at)
    if not isinstance(data, dict):
        return _reject("frame is not a JSON object", size, received_at)
    # The envelope is two fields: checked by hand, as this runs for every frame.
    topic = data.get("topicName")
    body = data.get("eventBody")
    if not isinstance(topic, str) or not topic:
        return _reject("bad envelope: topicName: a non-empty string is required", size, received_at)
    if not isinstance(body, dict):
        return _reject("bad envelope: eventBody: an object is required", size, received_at)

    if topic == "channel.metadata":
        message = str(body.get("message", ""))
        if message == "WebSocket Heartbeat":
            return Decoded(control=Control.HEARTBEAT, topic=topic)
        if message == "pong":
            return Decoded(control=Control.PONG, topic=topic)
        return Decoded(control=Control.METADATA, topic=topic)
    if topic.startswith("v2.system."):
        if topic == "v2.system.socket_closing":
            return Decoded(control=Control.SOCKET_CLOSING, topic=topic)
        if topic.startswith("v2.system.no_longer_subscribed"):
            return Decoded(control=Control.NO_LONGER_SUBSCRIBED, topic=topic)
        if topic.startswith("v2.system.token_revoked"):
            return Decoded(control=Control.TOKEN_REVOKED, topic=topic)
        return Decoded(control=Control.METADATA, topic=topic)

    if transcription_topic.TOPIC.match(topic):
        plain = transcription_fast.translate_plain(body, received_at)
        if plain is not None:  # the usual frame: no wire models needed
            return Decoded(list(plain), topic=topic)
        try:
            message_model = transcription_topic.TranscriptionMessage.model_validate(body)
            events = transcription_topic.translate(message_model, received_at)
        except (ValidationError, ValueError, OverflowError) as exc:
            reason = _first_error(exc) if isinstance(exc, ValidationError) else str(exc)[:200]
            return _reject(f"bad transcription event: {reason}", size, received_at, topic)
        return Decoded(list(events), topic=topic)

    queue_match = discovery.QUEUE_TOPIC.match(topic)
    if queue_match:
        try:
            event = discovery.translate_queue_event(body, queue_match["id"], received_at)
        except ValueError as exc:
            return _reject(str(exc), size, received_at, topic)
        return Decoded([event], topic=topic)

    copilot = copilot_topics.decode(topic, body, received_at)
    if isinstance(copilot, str):
        return _reject(copilot, size, received_at, topic)
    if copilot is not None:
        return Decoded(copilot, topic=topic)

    return Decoded(control=Control.IGNORED, topic=topic)

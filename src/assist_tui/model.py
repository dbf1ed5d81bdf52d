"""The normalized event model: what every wire dialect translates into.

The pipeline, the stores and the UI know only these types; nothing here does I/O.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (the only kind of time the model holds)."""
    return datetime.now(timezone.utc)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Speaker(str, Enum):
    """Who spoke. Genesys INTERNAL is the agent, EXTERNAL the customer."""

    AGENT = "agent"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


class Word(_Frozen):
    """One recognised word with its timing (milliseconds from session start)."""

    text: str
    confidence: float = Field(ge=0.0, le=1.0)
    offset_ms: int = Field(ge=0)
    duration_ms: int = Field(ge=0)


MediaType = Literal["voice", "chat", "message"]
# What the platform and the seeds call the media, to the three kinds shown here.
MEDIA_ALIASES: dict[str, MediaType] = {
    "voice": "voice",
    "call": "voice",
    "callback": "voice",
    "chat": "chat",
    "webchat": "chat",
    "message": "message",
    "messages": "message",
    "messaging": "message",
    "webmessaging": "message",
    "sms": "message",
}


def media_type_of(value: str | None) -> MediaType | None:
    """The normalized media of a wire value (None when unknown or absent)."""
    return MEDIA_ALIASES.get((value or "").strip().lower())


class UtteranceUpdate(_Frozen):
    """A partial or final recognition result for one utterance.

    A later partial replaces an earlier one with the same ``utterance_id``; the final
    replaces them all. Finals are unique per ``utterance_id``.
    """

    kind: Literal["utterance"] = "utterance"
    conversation_id: str
    communication_id: str | None = None
    participant_id: str | None = None
    speaker: Speaker = Speaker.UNKNOWN
    utterance_id: str
    text: str
    # Finals only: a partial's words are read by no stage (the final replaces it), so
    # the translators leave them out (no per-word work on most of the stream).
    words: tuple[Word, ...] = ()
    confidence: float = Field(ge=0.0, le=1.0)
    is_final: bool
    language: str | None = None
    offset_ms: int | None = Field(default=None, ge=0)
    duration_ms: int | None = Field(default=None, ge=0)
    session_start: datetime | None = None
    event_time: datetime | None = None
    received_at: datetime = Field(default_factory=utc_now)
    adjustments: tuple[str, ...] = ()  # what the translator had to fix (clamped confidence)
    interruption_detected: bool = False  # the stream itself flagged this as an interruption
    media_type: MediaType | None = None  # voice, chat or message; None if the source is silent


class ConversationStarted(_Frozen):
    """A conversation became live (seen through discovery or a queue topic)."""

    kind: Literal["conversation_started"] = "conversation_started"
    conversation_id: str
    queue_id: str | None = None
    queue_name: str | None = None
    agent_name: str | None = None
    started_at: datetime | None = None
    media_type: str | None = None
    received_at: datetime = Field(default_factory=utc_now)


class ConversationEnded(_Frozen):
    """A conversation finished: its transcription session ended or every party left."""

    kind: Literal["conversation_ended"] = "conversation_ended"
    conversation_id: str
    reason: str
    received_at: datetime = Field(default_factory=utc_now)


class StreamState(str, Enum):
    """The state of one streaming connection."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class StreamHealth(_Frozen):
    """A change in the health of the stream (connection, heartbeat, channel).

    ``detail`` is a short human sentence; it never carries a secret.
    """

    kind: Literal["stream_health"] = "stream_health"
    state: StreamState
    channel_id: str | None = None
    attempt: int = 0
    next_delay_s: float | None = None
    heartbeat_age_s: float | None = None
    reconnects: int = 0
    detail: str = ""
    received_at: datetime = Field(default_factory=utc_now)


class SubscriptionRejected(_Frozen):
    """The platform refused a topic subscription; the reason is the platform's own."""

    kind: Literal["subscription_rejected"] = "subscription_rejected"
    topic: str
    reason: str
    missing_permissions: tuple[str, ...] = ()
    received_at: datetime = Field(default_factory=utc_now)


class StreamGap(_Frozen):
    """The socket was down for a while; events sent meanwhile may be missing.

    The Notifications API has no durability: a gap is reported, never hidden.
    """

    kind: Literal["stream_gap"] = "stream_gap"
    channel_id: str | None
    started_at: datetime
    ended_at: datetime
    # Conversations whose events went through the socket that was down.
    conversation_ids: tuple[str, ...] = ()
    received_at: datetime = Field(default_factory=utc_now)

    @property
    def seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


class RejectedFrame(_Frozen):
    """A frame that could not be used; the stream goes on without it."""

    kind: Literal["rejected_frame"] = "rejected_frame"
    reason: str
    size: int = Field(ge=0)
    topic: str | None = None
    received_at: datetime = Field(default_factory=utc_now)


class AudioStatus(str, Enum):
    """Overall audio verdict for a conversation."""

    UNKNOWN = "unknown"
    GOOD = "good"
    DEGRADED = "degraded"
    BAD = "bad"


class AudioMetrics(_Frozen):
    """Line-quality measurements at one moment; any may be missing on a given path."""

    kind: Literal["audio_metrics"] = "audio_metrics"
    conversation_id: str
    snr_db: float | None = None
    jitter_ms: float | None = None
    packet_loss_pct: float | None = None
    mos: float | None = None
    codec: str | None = None
    detected_language: str | None = None
    received_at: datetime = Field(default_factory=utc_now)


class Insight(_Frozen):
    """An Agent Assist insight the platform derived (knowledge, sentiment, compliance...).

    ``relevance`` is the translator's weighting of ``confidence`` by insight type.
    """

    kind: Literal["insight"] = "insight"
    conversation_id: str
    insight_id: str
    insight_type: str
    confidence: float = Field(ge=0.0, le=1.0)
    relevance: float = Field(ge=0.0, le=1.0)
    snippet: str = ""
    event_time: datetime | None = None
    received_at: datetime = Field(default_factory=utc_now)


class PlatformSentiment(_Frozen):
    """Genesys speech analytics' running sentiment of a conversation (-100 to 100)."""

    kind: Literal["platform_sentiment"] = "platform_sentiment"
    conversation_id: str
    overall: float = Field(ge=-100.0, le=100.0)
    trend: float | None = None
    received_at: datetime = Field(default_factory=utc_now)


StreamEvent = Annotated[
    UtteranceUpdate
    | AudioMetrics
    | Insight
    | PlatformSentiment
    | ConversationStarted
    | ConversationEnded
    | StreamHealth
    | SubscriptionRejected
    | StreamGap
    | RejectedFrame,
    Field(discriminator="kind"),
]
"""Any event the genesys layer hands to the engine."""


class LiveConversation(_Frozen):
    """A conversation discovered as live, before anyone subscribes to it."""

    conversation_id: str
    queue_id: str | None = None
    queue_name: str | None = None
    agent_name: str | None = None
    started_at: datetime | None = None
    media_type: str | None = None


class Interruption(_Frozen):
    """One speaker started while the other was still talking."""

    conversation_id: str
    interrupter: Speaker
    interrupted: Speaker
    utterance_id: str
    overlap_ms: int = Field(ge=0)
    explicit: bool = False  # flagged by the stream rather than derived from timings
    at: datetime = Field(default_factory=utc_now)


class KeywordHit(_Frozen):
    """A rule or entity matched in a final utterance."""

    conversation_id: str
    utterance_id: str
    rule_id: str
    category: str
    severity: str
    speaker: Speaker
    matched: str
    snippet: str
    relevance: float = Field(ge=0.0)
    confidence: float = Field(ge=0.0, le=1.0)
    source: Literal["phrase", "lemma", "entity"] = "phrase"
    suggestion_title: str | None = None
    at: datetime = Field(default_factory=utc_now)


class SuggestionOutcome(str, Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    RETRYING = "retrying"
    INACTIVE = "conversation inactive"
    FAILED = "failed"
    NOT_SENT = "not sent"  # push target none, or turned off after a 404/403


class Suggestion(_Frozen):
    """A suggestion pushed (or to be pushed) to the agent's Agent Assist panel."""

    suggestion_id: str
    conversation_id: str
    rule_id: str
    title: str
    body: str
    links: tuple[str, ...] = ()
    outcome: SuggestionOutcome = SuggestionOutcome.PENDING
    detail: str = ""
    at: datetime = Field(default_factory=utc_now)

"""What a dashboard frame shows, copied out of the engine: plain, picklable values.

The UI never holds live engine objects: it asks for a view (a row per conversation, the
selected conversation's gauges, and its lines and hits only when they changed) and draws
that. The same view comes from an engine in this process or in the engine process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from assist_tui.engine.board_types import SEVERITY_RANK, AlertView, CallAnalytics
from assist_tui.engine.conversation import ConversationState, Line
from assist_tui.engine.latency import LatencySummary
from assist_tui.engine.latency_policy import LatencyPolicy
from assist_tui.engine.quality import QualityVerdict
from assist_tui.model import (
    AudioMetrics,
    AudioStatus,
    Insight,
    KeywordHit,
    Speaker,
    StreamHealth,
    Suggestion,
)

if TYPE_CHECKING:  # the dashboard imports this module; it must not pull spaCy in
    from assist_tui.engine.engine import AssistEngine
    from assist_tui.engine.stages.runner import BoardStages

SPARK_SAMPLES = 60  # latency samples the sparkline draws


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """One line of the conversations table."""

    conversation_id: str
    queue_id: str | None
    agent_name: str | None
    first_seen: datetime
    ended_at: datetime | None
    last_speaker: Speaker | None
    hit_count: int
    status: AudioStatus
    latency_p95_ms: float | None
    paused: bool
    finals: int
    media_type: str | None = None  # voice, chat, message
    platform_sentiment: float | None = None  # Genesys speech analytics, -100 to 100
    queue_name: str | None = None  # from the org's queue directory, when it could be read
    # The call board (issue 14): filled by the engine's analytics and rules stages.
    started_at: datetime | None = None  # the platform's conversation start: real duration
    analytics: CallAnalytics | None = None
    open_alerts: int = 0
    top_severity: str | None = None  # the highest severity among the open alerts
    own_latency_p50_ms: float | None = None  # our processing, receive to processed
    leaves_at: datetime | None = None  # an ended call leaves the board then (linger)


@dataclass(frozen=True, slots=True)
class ConversationGauges:
    """The selected conversation's live figures: sent with every view (they are small)."""

    conversation_id: str
    paused: bool
    audio: AudioMetrics | None
    verdict: QualityVerdict
    mean_confidence: float | None
    latency_samples: tuple[float, ...]
    latency: LatencySummary | None
    finals: int
    # The source's delay is the platform's; ours (receive to processed) is shown apart.
    latency_label: str = "delay"
    warn_ms: float = 500.0
    own_latency: LatencySummary | None = None
    all_own_latency: LatencySummary | None = None  # every conversation
    media_type: str | None = None  # chat and messages have no audio to judge
    analytics: CallAnalytics | None = None


@dataclass(frozen=True, slots=True)
class ConversationContent:
    """The selected conversation's lines, hits, insights and suggestions at ``version``."""

    conversation_id: str
    version: int
    lines: tuple[Line, ...]
    hits: tuple[KeywordHit, ...]
    hit_count: int
    insights: tuple[Insight, ...]
    suggestions: tuple[Suggestion, ...]


@dataclass(frozen=True, slots=True)
class EngineView:
    """One frame's worth of engine state."""

    ready: bool  # the stream is open: commands are accepted
    source: str
    health: StreamHealth | None
    heartbeat_age_s: float | None
    rate: float
    events: int
    reconnects: int
    rejected: int
    paused: int  # conversations paused
    rows: tuple[ConversationRow, ...] | None  # None: not asked for this frame
    gauges: ConversationGauges | None
    content: ConversationContent | None  # None: unchanged since the version the UI holds
    notices: tuple[str, ...]
    gaps: int = 0  # stream gaps so far
    gap_seconds: float = 0.0  # and the seconds they missed
    # Alerts across every call, newest first (bounded); None: not asked for this frame.
    alerts: tuple[AlertView, ...] | None = None
    # Other supervisors showing the selected call (attached dashboards, bus/presence.py).
    watching: tuple[str, ...] = ()


class StreamFigures(TypedDict):
    """What the status bar shows of an engine's stream: in its view (the dashboard's own
    engine) and in its status on the bus (``bus/codec.EngineStatus``)."""

    ready: bool
    source: str
    health: StreamHealth | None
    heartbeat_age_s: float | None
    rate: float
    events: int
    reconnects: int
    rejected: int
    gaps: int
    gap_seconds: float


def stream_figures(engine: AssistEngine) -> StreamFigures:
    stream = engine.stream
    return StreamFigures(
        ready=stream is not None,
        source=engine.platform.source,
        health=engine.health,
        heartbeat_age_s=stream.heartbeat_age() if stream is not None else None,
        rate=engine.metrics.rate.rate(),
        events=engine.metrics.events,
        reconnects=engine.reconnects,
        rejected=engine.metrics.rejected_total,
        gaps=engine.gaps.count,
        gap_seconds=engine.gaps.seconds,
    )


def take_view(
    engine: AssistEngine,
    selected: str | None,
    *,
    rows: bool = True,
    known_version: int | None = None,
) -> EngineView:
    """A view of ``engine``; the selected conversation's content only if it changed since
    ``known_version``. Notices are handed out once."""
    state = engine.conversations.get(selected) if selected else None
    notices = tuple(engine.notices)
    engine.notices.clear()
    return EngineView(
        **stream_figures(engine),
        paused=sum(1 for s in engine.conversations.values() if s.paused),
        rows=(
            tuple(row_of(s, engine.board) for s in engine.conversations.values()) if rows else None
        ),
        gauges=(
            gauges_of(
                state,
                engine.latency_policy,
                engine.metrics.own_latency.summary(),
                board=engine.board,
            )
            if state is not None
            else None
        ),
        content=(
            content_of(state) if state is not None and state.version != known_version else None
        ),
        notices=notices,
        alerts=engine.board.alerts.newest_first() if rows else None,
    )


def row_of(state: ConversationState, board: BoardStages | None = None) -> ConversationRow:
    latency = state.latency.summary()
    own = state.own_latency.summary()
    cid = state.conversation_id
    open_alerts, top = board.alerts.open_summary(cid) if board else (0, None)
    return ConversationRow(
        conversation_id=state.conversation_id,
        queue_id=state.queue_id,
        queue_name=board.engine.queue_names.name(state.queue_id) if board else None,
        agent_name=state.agent_name,
        first_seen=state.first_seen,
        ended_at=state.ended_at,
        last_speaker=state.last_speaker,
        hit_count=state.hit_count,
        status=state.verdict.status,
        latency_p95_ms=latency.p95_ms if latency else None,
        paused=state.paused,
        finals=state.finals,
        media_type=state.media_type,
        platform_sentiment=(
            state.platform_sentiment.overall if state.platform_sentiment is not None else None
        ),
        started_at=board.started_at.get(cid) if board else None,
        analytics=board.analytics(state) if board else None,
        open_alerts=open_alerts,
        top_severity=top,
        own_latency_p50_ms=own.p50_ms if own else None,
        leaves_at=board.leaves_at(state) if board else None,
    )


def gauges_of(
    state: ConversationState,
    policy: LatencyPolicy | None = None,
    all_own: LatencySummary | None = None,
    *,
    board: BoardStages | None = None,
) -> ConversationGauges:
    samples = state.latency.samples
    recent = tuple(samples[i] for i in range(max(0, len(samples) - SPARK_SAMPLES), len(samples)))
    return ConversationGauges(
        conversation_id=state.conversation_id,
        paused=state.paused,
        audio=state.audio,
        verdict=state.verdict,
        mean_confidence=state.mean_confidence,
        latency_samples=recent,
        latency=state.latency.summary(),
        finals=state.finals,
        latency_label=policy.label if policy else "delay",
        warn_ms=policy.warn_ms if policy else state.latency.threshold_ms,
        own_latency=state.own_latency.summary(),
        all_own_latency=all_own,
        media_type=state.media_type,
        analytics=board.analytics(state) if board else None,
    )


def content_of(state: ConversationState) -> ConversationContent:
    return ConversationContent(
        conversation_id=state.conversation_id,
        version=state.version,
        lines=tuple(state.lines.values()),
        hits=tuple(state.hits),
        hit_count=state.hit_count,
        insights=tuple(state.insights),
        suggestions=tuple(state.suggestions.values()),
    )


def attention_key(row: ConversationRow) -> tuple[int, int, int, float, float]:
    """Sort key of the call board, most in need of a supervisor first: live before ended,
    then open alerts by their highest severity (and how many), then the lowest sentiment,
    then the oldest call."""
    sentiment = row.analytics.sentiment if row.analytics else None
    start = row.started_at or row.first_seen
    return (
        1 if row.ended_at is not None else 0,
        -SEVERITY_RANK.get(row.top_severity or "", 0),
        -row.open_alerts,
        sentiment if sentiment is not None else 0.0,
        start.timestamp(),
    )


def attention_order(rows: tuple[ConversationRow, ...]) -> tuple[ConversationRow, ...]:
    """The rows in board order (see ``attention_key``)."""
    return tuple(sorted(rows, key=attention_key))

"""Per-conversation state: utterance lines by id, dedup, interruptions, gauges, context.

Memory stays flat however long the call: at most ``MAX_LINES`` lines, ``MAX_HITS`` hits
``MAX_SUGGESTIONS`` suggestions and ``MAX_INSIGHTS``
insights are kept (oldest dropped first), finals are
remembered for deduplication up to ``MAX_FINAL_IDS``.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from assist_tui.engine.latency import LatencyHistogram
from assist_tui.engine.quality import QualityVerdict
from assist_tui.model import (
    AudioMetrics,
    AudioStatus,
    Insight,
    Interruption,
    KeywordHit,
    MediaType,
    PlatformSentiment,
    Speaker,
    Suggestion,
    UtteranceUpdate,
    utc_now,
)

MAX_LINES = 500
MAX_HITS = 200
MAX_SUGGESTIONS = 100
MAX_INSIGHTS = 100
MAX_FINAL_IDS = 5000


@dataclass(slots=True)  # one per update: slots make it smaller and quicker to build
class Line:
    """One utterance as the supervisor sees it (text already redacted)."""

    utterance_id: str
    speaker: Speaker
    text: str
    is_final: bool
    confidence: float
    offset_ms: int | None
    duration_ms: int | None
    received_at: datetime
    latency_ms: float | None = None
    redacted: bool = False
    bad_audio: bool = False
    interrupted: bool = False  # this speaker was cut off by the other
    late: bool = False  # latency above the warn threshold
    hits: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, rule)
    kind: str = "utterance"  # "gap": a marked stream gap, not speech
    backfilled: bool = False  # filled in from the recorded transcript after a gap

    @property
    def end_ms(self) -> int | None:
        if self.offset_ms is None:
            return None
        return self.offset_ms + (self.duration_ms or 0)

    @property
    def spoken_final(self) -> bool:
        """A final of speech (not a marked gap, not a partial)."""
        return self.is_final and self.kind == "utterance"

    def as_final(self, conversation_id: str) -> UtteranceUpdate:
        """The final update this line shows (a call continued elsewhere, or reopened,
        goes on from it); ValidationError if the line could not have come from one."""
        return UtteranceUpdate(
            conversation_id=conversation_id,
            utterance_id=self.utterance_id,
            speaker=self.speaker,
            text=self.text,
            confidence=self.confidence,
            is_final=True,
            offset_ms=self.offset_ms,
            duration_ms=self.duration_ms,
            received_at=self.received_at,
        )


def said_in(lines: Iterable[Line]) -> list[tuple[str, str, datetime]]:
    """(speaker, text, time) of the spoken finals: what alert rules read."""
    return [
        (line.speaker.value, line.text, line.received_at) for line in lines if line.spoken_final
    ]


@dataclass(slots=True)
class ApplyResult:
    line: Line | None
    duplicate: bool = False
    new_final: bool = False
    interruption: Interruption | None = None


class ConversationState:
    """Everything the engine knows about one conversation; plain data, no I/O."""

    def __init__(
        self,
        conversation_id: str,
        *,
        latency_window: int = 2000,
        latency_threshold_ms: float = 500.0,
        own_threshold_ms: float = 250.0,
    ) -> None:
        self.conversation_id = conversation_id
        self.queue_id: str | None = None
        self.agent_name: str | None = None
        self.first_seen = utc_now()
        self.ended_at: datetime | None = None
        self.lines: OrderedDict[str, Line] = OrderedDict()
        self._finals: OrderedDict[str, None] = OrderedDict()
        self._partials: dict[Speaker, str] = {}
        self.last_speaker: Speaker | None = None
        self.hits: deque[KeywordHit] = deque(maxlen=MAX_HITS)
        self.hit_count = 0
        self.suggestions: OrderedDict[str, Suggestion] = OrderedDict()
        self.insights: deque[Insight] = deque(maxlen=MAX_INSIGHTS)
        self.platform_sentiment: PlatformSentiment | None = None  # Genesys speech analytics
        self.media_type: MediaType | None = None  # voice, chat or message, once known
        self.interruptions = 0
        self.audio: AudioMetrics | None = None
        self.verdict = QualityVerdict(AudioStatus.UNKNOWN, ())
        self.language: str | None = None
        self.latency = LatencyHistogram(latency_window, latency_threshold_ms)
        # Receive to processed: assist-tui's own time, apart from the platform's delay.
        self.own_latency = LatencyHistogram(latency_window, own_threshold_ms)
        self.finals = 0
        self.confidence_total = 0.0
        self.paused = False
        self.inactive = False  # Agent Assist answered 409: no more pushes
        self.hold_sync_until = 0.0  # monotonic time: knowledge sync waits until then
        self.nlp_context: dict[Speaker, str] = {}
        self.cooldowns: dict[str, float] = {}
        self.version = 0  # bumped on every change, so a UI can skip what did not change

    # -- utterances --------------------------------------------------------------------------
    def apply(self, update: UtteranceUpdate, text: str, redacted: bool) -> ApplyResult:
        """Fold one (redacted) update in: a partial replaces the last, a final ends it."""
        uid = update.utterance_id
        if uid in self._finals:
            return ApplyResult(None, duplicate=True)
        interruption = None
        if uid not in self.lines:
            if update.interruption_detected and update.speaker in (Speaker.AGENT, Speaker.CUSTOMER):
                interruption = self.record_interruption(
                    interrupter=update.speaker, utterance_id=uid, overlap_ms=0, explicit=True
                )
            else:
                interruption = self._detect_interruption(update)
        line = Line(
            utterance_id=uid,
            speaker=update.speaker,
            text=text,
            is_final=update.is_final,
            confidence=update.confidence,
            offset_ms=update.offset_ms,
            duration_ms=update.duration_ms,
            received_at=update.received_at,
            redacted=redacted,
        )
        previous = self.lines.get(uid)
        if previous is not None:
            line.interrupted = previous.interrupted
        self.lines[uid] = line
        self.lines.move_to_end(uid)
        if update.is_final:
            self._finals[uid] = None
            if len(self._finals) > MAX_FINAL_IDS:
                self._finals.popitem(last=False)
            if self._partials.get(update.speaker) == uid:
                del self._partials[update.speaker]
            self.finals += 1
            self.confidence_total += update.confidence
        else:
            self._partials[update.speaker] = uid
        while len(self.lines) > MAX_LINES:
            self.lines.popitem(last=False)
        self.last_speaker = update.speaker
        if update.language:
            self.language = update.language
        self.version += 1
        return ApplyResult(line, new_final=update.is_final, interruption=interruption)

    def _detect_interruption(self, update: UtteranceUpdate) -> Interruption | None:
        """A new utterance that starts before the other speaker's current one ends."""
        if update.speaker not in (Speaker.AGENT, Speaker.CUSTOMER) or update.offset_ms is None:
            return None
        other = Speaker.CUSTOMER if update.speaker is Speaker.AGENT else Speaker.AGENT
        candidate = None
        for line in reversed(self.lines.values()):
            if line.speaker is other:
                candidate = line
                break
        if candidate is None or candidate.end_ms is None or candidate.offset_ms is None:
            return None
        if not (candidate.offset_ms < update.offset_ms < candidate.end_ms):
            return None
        return self.record_interruption(
            interrupter=update.speaker,
            utterance_id=update.utterance_id,
            overlap_ms=candidate.end_ms - update.offset_ms,
            explicit=False,
        )

    def record_interruption(
        self, *, interrupter: Speaker, utterance_id: str, overlap_ms: int, explicit: bool
    ) -> Interruption:
        """Mark the other speaker as cut off: drop their partial and their NLP context.

        Finals are never touched: only the in-progress partial goes.
        """
        other = Speaker.CUSTOMER if interrupter is Speaker.AGENT else Speaker.AGENT
        partial = self._partials.pop(other, None)
        if partial is not None:
            self.lines.pop(partial, None)
        for line in reversed(self.lines.values()):
            if line.speaker is other:
                line.interrupted = True
                break
        self.nlp_context.pop(other, None)
        self.interruptions += 1
        self.version += 1
        return Interruption(
            conversation_id=self.conversation_id,
            interrupter=interrupter,
            interrupted=other,
            utterance_id=utterance_id,
            overlap_ms=max(overlap_ms, 0),
            explicit=explicit,
        )

    # -- context ----------------------------------------------------------------------------
    def drop_partials(self) -> None:
        """Remove the lines of utterances still in progress (their finals will not come)."""
        for uid in list(self._partials.values()):
            self.lines.pop(uid, None)
        self._partials.clear()
        self.version += 1

    def reset_context(self) -> None:
        """Clear partials, NLP context and cooldowns (finals and gauges stay)."""
        self.drop_partials()
        self.nlp_context.clear()
        self.cooldowns.clear()
        self.version += 1

    def partial_ids(self) -> list[str]:
        return list(self._partials.values())

    @property
    def mean_confidence(self) -> float | None:
        return self.confidence_total / self.finals if self.finals else None

    def add_hit(self, hit: KeywordHit) -> None:
        self.hits.append(hit)
        self.hit_count += 1
        line = self.lines.get(hit.utterance_id)
        if line is not None:
            start = line.text.find(hit.matched)
            if start >= 0:
                line.hits.append((start, start + len(hit.matched), hit.rule_id))
        self.version += 1

    def add_insight(self, insight: Insight) -> None:
        self.insights.append(insight)
        self.version += 1

    def put_suggestion(self, suggestion: Suggestion) -> None:
        self.suggestions[suggestion.suggestion_id] = suggestion
        while len(self.suggestions) > MAX_SUGGESTIONS:
            self.suggestions.popitem(last=False)
        self.version += 1

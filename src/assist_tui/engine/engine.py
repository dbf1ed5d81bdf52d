"""The assist engine: runs every stage over the stream and is the one API the dashboard
and headless mode drive (subscribe, unsubscribe, pause, resume, reset context).

Order per utterance update: frame guard (counts the translator's clamps), latency (and
the optional drop threshold), redaction, conversation state (dedup, interruptions),
quality flags; then, for finals, audit, knowledge outbox and the NLP queue. NLP runs in
slices of a few milliseconds between other work, so no key press waits on spaCy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from assist_tui.audit.store import AuditStore
from assist_tui.config import Settings
from assist_tui.engine.conversation import ConversationState, Line
from assist_tui.engine.gaps import GapKeeper
from assist_tui.engine.latency import speech_latency_ms
from assist_tui.engine.latency_policy import policy_for
from assist_tui.engine.metrics import EngineMetrics
from assist_tui.engine.nlp import KeywordMatcher, Match
from assist_tui.engine.pii.hold import FinalHold
from assist_tui.engine.platform_insights import PlatformInsights
from assist_tui.engine.quality import QualityGate
from assist_tui.engine.redaction import Redaction, Redactor
from assist_tui.engine.relevance import relevance, snippet
from assist_tui.engine.restore import restore_lines
from assist_tui.engine.rules import Rule, load_rules
from assist_tui.engine.stage_guard import StageGuard
from assist_tui.engine.stages.runner import BoardStages
from assist_tui.genesys.discovery import discover_live, transcription_topic
from assist_tui.genesys.errors import GenesysError, NotFoundError
from assist_tui.genesys.feed import EventFeed
from assist_tui.genesys.follow import ConversationFollower
from assist_tui.genesys.media_stats import fetch_media_statistics
from assist_tui.model import (
    AudioMetrics,
    AudioStatus,
    ConversationEnded,
    ConversationStarted,
    Insight,
    Interruption,
    KeywordHit,
    LiveConversation,
    PlatformSentiment,
    RejectedFrame,
    StreamEvent,
    StreamGap,
    StreamHealth,
    StreamState,
    SubscriptionRejected,
    Suggestion,
    SuggestionOutcome,
    UtteranceUpdate,
    media_type_of,
    utc_now,
)
from assist_tui.platform import Platform
from assist_tui.sinks.assist_push import AssistPusher
from assist_tui.sinks.outbox import Outbox
from assist_tui.sinks.outbox_feed import WEBHOOK_FIELD, feed, webhook_fields
from assist_tui.sinks.webhook import WebhookDeliverer, webhook_limits

if TYPE_CHECKING:
    from assist_tui.engine.snapshot import ConversationRow

log = logging.getLogger(__name__)

YIELD_AFTER_S = 0.002  # the longest the pipeline works before letting the loop run
NLP_BATCH = 64
NLP_SLICE_S = 0.004  # the longest the NLP stage may hold the event loop at once
OUTBOX_FLUSH_S = 0.1
HOLD_TICK_S = 0.25  # how often finals held past [redaction] hold_s are released


class AssistEngine:
    """``await engine.run()`` until cancelled; commands may be called meanwhile."""

    def __init__(
        self,
        settings: Settings,
        platform: Platform,
        *,
        audit: AuditStore,
        outbox: Outbox | None = None,
        conversations: list[str] | None = None,
        matcher: KeywordMatcher | None = None,
    ) -> None:
        self.settings = settings
        self.platform = platform
        self.audit = audit
        self.outbox = outbox
        self.follow_ids = conversations
        self.conversations: dict[str, ConversationState] = {}
        self.metrics = EngineMetrics()
        self.latency_policy = policy_for(settings.latency, platform.source)
        self.metrics.latency.threshold_ms = self.latency_policy.warn_ms
        self.metrics.own_latency.threshold_ms = self.latency_policy.own_warn_ms
        self.guard = StageGuard(audit, self.metrics.stage_errors)
        self.health: StreamHealth | None = None
        self.notices: list[str] = []
        r = settings.redaction
        self.redactor = Redactor(r.mode == "pii", categories=r.categories, disabled=r.disabled)
        self.hold = FinalHold(self.redactor, r.hold_s)
        self.gate = QualityGate(settings.quality)
        self.rules = load_rules(settings.nlp.rules_file)
        self._rules_by_id = self.rules.by_id()
        self.matcher = matcher
        self.stream: EventFeed | None = None
        self.follower: ConversationFollower | None = None
        self.platform_insights = PlatformInsights(
            self.notices.append, enabled=platform.source == "notifications"
        )
        self.pusher = AssistPusher(
            platform.session.api,
            audit,
            settings.push.max_in_flight,
            target=settings.push.target,
            on_notice=self.notices.append,
        )
        self.deliverer: WebhookDeliverer | None = None
        self.webhook_url = settings.webhook.url or (
            f"{platform.emulator.url}/emulator/knowledge" if platform.emulator else None
        )
        self.ready = asyncio.Event()
        self.gaps = GapKeeper(self)  # stream gaps: audited, marked, backfilled
        self.board = BoardStages(self)  # sentiment, talk analytics, rules and alerts, linger
        self._nlp_queue: asyncio.Queue[tuple[ConversationState, Line, UtteranceUpdate]] = (
            asyncio.Queue()
        )
        self._background: set[asyncio.Task[Any]] = set()
        self._speakers = {s for rule in self.rules.rules for s in (rule.speakers or [])} | set(
            settings.nlp.speakers
        )

    # -- lifecycle -------------------------------------------------------------------------
    async def run(self) -> None:
        """Connect, subscribe, and process until cancelled; everything is flushed on exit."""
        if self.matcher is None:
            # Building the matcher loads spaCy: seconds of CPU kept off the event loop.
            self.matcher = await asyncio.to_thread(
                KeywordMatcher, self.rules, self.settings.nlp.trained_pipeline or None
            )
        if self.matcher.notice:
            self.notices.append(self.matcher.notice)
            log.info("%s", self.matcher.notice)
        http = httpx.AsyncClient(
            timeout=self.settings.webhook.timeout_s,
            limits=webhook_limits(self.settings.webhook.max_in_flight),
        )
        stream = self.platform.open_stream()
        self.stream = stream
        self.follower = ConversationFollower(
            stream,
            self.settings.discovery,
            conversation_ids=self.follow_ids,
            on_change=self._on_follow_change,
        )
        tasks: list[asyncio.Task[Any]] = []
        try:
            async with stream:
                try:
                    await self._start_stages(stream, http, tasks)
                    self.ready.set()
                    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
                    for task in done:
                        task.result()  # a stage that crashed is re-raised here
                finally:
                    # Everything that may still call the stream stops before it closes.
                    await self.follower.stop()
                    await self.platform_insights.aclose()
                    await self.gaps.stop()
                    for task in [*tasks, *self._background]:
                        task.cancel()
                    for task in [*tasks, *self._background]:
                        with contextlib.suppress(asyncio.CancelledError, Exception):
                            await task
        finally:
            self.release_held()  # nothing held is lost on shutdown
            self.audit.flush()  # the outbox is fed from committed finals only
            self._flush_outbox_now()
            await http.aclose()
            self.audit.flush()

    async def _start_stages(
        self, stream: EventFeed, http: httpx.AsyncClient, tasks: list[asyncio.Task[Any]]
    ) -> None:
        assert self.follower is not None
        await self.follower.start()
        if not self.follower.follow_all:
            for cid in self.follower.following:
                self.state(cid)
                self._audit_command("subscribe", cid, actor="engine")
                self.platform_insights.follow(stream, cid)
        # After a restart (a killed engine), what was shown comes back from the audit.
        restored = [self.state(cid) for cid in self.follower.following]
        lookback = timedelta(hours=self.settings.discovery.lookback_hours)
        self.guard.call("restore", restore_lines, self.audit, restored, lookback, default=0)
        tasks += [
            asyncio.create_task(self._consume(stream), name="engine-consume"),
            asyncio.create_task(self._nlp_worker(), name="engine-nlp"),
            asyncio.create_task(
                self.audit.run_flusher(self.settings.audit.flush_interval_s), name="engine-audit"
            ),
            asyncio.create_task(self._poll_media(), name="engine-media"),
            asyncio.create_task(self._release_held_periodically(), name="engine-hold"),
            asyncio.create_task(self._board_ticks(), name="engine-board"),
        ]
        if self.outbox is not None and self.webhook_url:
            self._flush_outbox_now()  # finals a killed run audited but did not enqueue
            self.deliverer = WebhookDeliverer(
                self.outbox,
                self.settings.webhook.model_copy(update={"url": self.webhook_url}),
                http,
                self.audit,
                self.held_conversations,
            )
            tasks.append(asyncio.create_task(self._flush_outbox(), name="engine-outbox"))
            tasks.append(asyncio.create_task(self.deliverer.run(), name="engine-webhook"))

    # -- commands (the engine API) ----------------------------------------------------------
    async def subscribe(self, conversation_ids: Iterable[str]) -> list[SubscriptionRejected]:
        ids = list(dict.fromkeys(conversation_ids))
        stream = self._require_stream()
        rejected = await stream.subscribe(transcription_topic(c) for c in ids)
        refused = {r.topic for r in rejected}
        for cid in ids:
            if transcription_topic(cid) not in refused:
                self.state(cid)
                self.platform_insights.follow(stream, cid)
                if self.follower is not None:
                    self.follower.following.setdefault(cid, LiveConversation(conversation_id=cid))
                self._audit_command("subscribe", cid)
        return rejected

    async def unsubscribe(self, conversation_ids: Iterable[str]) -> None:
        ids = list(dict.fromkeys(conversation_ids))
        await self._require_stream().unsubscribe(transcription_topic(c) for c in ids)
        for cid in ids:
            self.platform_insights.unfollow(self._require_stream(), cid)
            if self.follower is not None:
                self.follower.following.pop(cid, None)
                self.follower.ended[cid] = None  # follow-all must not pick it up again
            self.release_held(cid)
            self.conversations.pop(cid, None)
            self.board.forget(cid)
            self._audit_command("unsubscribe", cid)

    def pause(self, conversation_id: str | None = None) -> None:
        """Pause one conversation (or all): the engine keeps buffering, sync waits."""
        for state in self._targets(conversation_id):
            if not state.paused:
                state.paused = True
                state.version += 1
                self._audit_command("pause", state.conversation_id)

    def resume(self, conversation_id: str | None = None) -> None:
        for state in self._targets(conversation_id):
            if state.paused:
                state.paused = False
                state.version += 1
                self._audit_command("resume", state.conversation_id)

    def reset_context(self, conversation_id: str) -> None:
        state = self.conversations.get(conversation_id)
        if state is None:
            raise KeyError(f"not following conversation {conversation_id}")
        state.reset_context()
        self._audit_command("reset_context", conversation_id)

    def acknowledge(self, alert_id: str, actor: str) -> None:
        """Acknowledge an open alert (audited with ``actor``); KeyError if none is open."""
        self.board.alerts.acknowledge(alert_id, actor)

    def ended_conversations(self) -> list[ConversationRow]:
        """Calls that ended and left the board, newest first."""
        return self.board.ended_rows()

    def reopen(self, conversation_id: str) -> None:
        """Put an ended call back on the board (its lines from the audit) until it lingers out."""
        self.board.reopen(conversation_id)

    async def _board_ticks(self) -> None:
        while True:
            await asyncio.sleep(self.settings.alerts.tick_s)
            self.guard.call("board", self.board.tick, default=None)

    async def live_conversations(self) -> list[LiveConversation]:
        """What the platform says is live now (for a subscribe dialog)."""
        d = self.settings.discovery
        return await discover_live(
            self.platform.session.api,
            queues=d.queues,
            lookback=timedelta(hours=d.lookback_hours),
            page_size=d.page_size,
        )

    def state(self, conversation_id: str) -> ConversationState:
        state = self.conversations.get(conversation_id)
        if state is None:
            state = ConversationState(
                conversation_id,
                latency_window=self.settings.latency.window,
                latency_threshold_ms=self.latency_policy.warn_ms,
                own_threshold_ms=self.latency_policy.own_warn_ms,
            )
            self.conversations[conversation_id] = state
        return state

    @property
    def reconnects(self) -> int:
        """Socket reconnections, as the stream counts them (one truth for every view)."""
        return self.stream.stats.reconnects if self.stream is not None else 0

    def governance(self) -> dict[str, Any]:
        """The governance figures (seeds 002/003): latency, confidence, counts, health."""
        m = self.metrics
        latency = m.latency.summary()
        stream = self.stream.stats if self.stream is not None else None
        return {
            "events_per_second": round(m.rate.rate(), 1),
            "events": m.events,
            "finals": m.finals,
            "average_latency_ms": round(latency.mean_ms, 1) if latency else None,
            "latency_p95_ms": round(latency.p95_ms, 1) if latency else None,
            "share_under_warn": round(latency.under_threshold, 3) if latency else None,
            "average_confidence": round(m.mean_confidence, 3) if m.mean_confidence else None,
            "confidence_clamps": m.confidence_clamps,
            "stage_errors": dict(m.stage_errors),
            "dropped_late": m.dropped_late,
            "rejected_frames": dict(m.rejected),
            "duplicates_dropped": m.duplicates + (stream.duplicates_dropped if stream else 0),
            "reconnects": self.reconnects,
            "stream_gaps": self.gaps.count,
            "gap_seconds": round(self.gaps.seconds, 1),
            "backfilled": self.gaps.backfilled,
            "interruptions": m.interruptions,
            "keyword_hits": m.hits,
            "insights": m.insights,
            "source": self.platform.source,
            "redactions": dict(m.redactions),
            "audit_counts": dict(self.audit.counts),
        }

    def held_conversations(self) -> set[str]:
        """Conversations whose knowledge sync waits: paused, or just interrupted."""
        now = time.monotonic()
        return {cid for cid, s in self.conversations.items() if s.paused or s.hold_sync_until > now}

    def _targets(self, conversation_id: str | None) -> list[ConversationState]:
        if conversation_id is None:
            return list(self.conversations.values())
        state = self.conversations.get(conversation_id)
        if state is None:
            raise KeyError(f"not following conversation {conversation_id}")
        return [state]

    def _require_stream(self) -> EventFeed:
        if self.stream is None:
            raise RuntimeError("the engine is not running")
        return self.stream

    def _on_follow_change(self, kind: str, conversation_id: str) -> None:
        if self.stream is not None:
            if kind == "subscribe":
                self.platform_insights.follow(self.stream, conversation_id)
            elif kind == "unsubscribe":
                self.platform_insights.unfollow(self.stream, conversation_id)
        if kind == "subscribe":
            state = self.state(conversation_id)
            known = self.follower.following.get(conversation_id) if self.follower else None
            if known is not None:
                state.queue_id = state.queue_id or known.queue_id
                state.agent_name = state.agent_name or known.agent_name
                state.media_type = state.media_type or media_type_of(known.media_type)
                self.board.on_started(conversation_id, known.started_at)
        self._audit_command(kind, conversation_id, actor="engine")

    def _audit_command(self, kind: str, conversation_id: str, actor: str = "supervisor") -> None:
        self.audit.append(kind, {}, conversation=conversation_id, actor=actor)

    # -- the pipeline ---------------------------------------------------------------------------
    async def _consume(self, stream: EventFeed) -> None:
        # A queue that already holds events never suspends its reader: without an explicit
        # yield a backlog would be worked off in one go while keys and frames wait.
        slice_start = time.perf_counter()
        async for event in stream:
            await self.process(event)
            if self.follower is not None:
                with self.guard.stage("follower", event):
                    await self.follower.observe(event)
            if time.perf_counter() - slice_start > YIELD_AFTER_S:
                await asyncio.sleep(0)
                slice_start = time.perf_counter()

    async def process(self, event: StreamEvent | AudioMetrics) -> None:
        """Run one normalized event through the stages; one that fails is reported, not fatal."""
        self.metrics.events += 1
        self.metrics.rate.add()
        with self.guard.stage(getattr(event, "kind", "event"), event):
            self._dispatch(event)

    def _dispatch(self, event: StreamEvent | AudioMetrics) -> None:
        if isinstance(event, UtteranceUpdate):
            self._on_utterance(event)
        elif isinstance(event, AudioMetrics):
            self._on_audio(event)
        elif isinstance(event, Insight):
            self._on_insight(event)
        elif isinstance(event, PlatformSentiment):
            if (felt := self.conversations.get(event.conversation_id)) is not None:
                felt.platform_sentiment = event
                felt.version += 1
                self.board.on_platform_sentiment(event)
        elif isinstance(event, RejectedFrame):
            kind = event.reason.split(":", 1)[0]
            self.metrics.rejected[kind] += 1
            self.audit.append(
                "rejected_frame",
                {"reason": event.reason[:300], "size": event.size, "topic": event.topic},
                actor="frame-guard",
            )
        elif isinstance(event, StreamHealth):
            self.health = event
            if event.state is StreamState.CLOSED:
                self.audit.append("stream_closed", {"detail": event.detail}, actor="stream")
            if event.state is StreamState.RECONNECTING:
                self.audit.append(
                    "stream_reconnect",
                    {
                        "detail": event.detail,
                        "attempt": event.attempt,
                        "delay_s": event.next_delay_s,
                    },
                    actor="stream",
                )
        elif isinstance(event, StreamGap):
            self.gaps.on_gap(event)
        elif isinstance(event, SubscriptionRejected):
            self.audit.append(
                "subscription_rejected",
                {
                    "topic": event.topic,
                    "reason": event.reason,
                    "missing": list(event.missing_permissions),
                },
                actor="stream",
            )
        elif isinstance(event, ConversationStarted):
            if self.follower is None or self.follower.follow_all:
                started = self.state(event.conversation_id)
                started.queue_id = started.queue_id or event.queue_id
                started.agent_name = started.agent_name or event.agent_name
                self.board.on_started(event.conversation_id, event.started_at)
        elif isinstance(event, ConversationEnded):
            self.release_held(event.conversation_id)
            ended = self.conversations.get(event.conversation_id)
            if ended is not None and ended.ended_at is None:
                ended.ended_at = event.received_at
                ended.version += 1
                self.audit.append(
                    "conversation_ended",
                    {"reason": event.reason},
                    conversation=event.conversation_id,
                    actor="stream",
                )
                self.gaps.on_ended(event.conversation_id)
                self.board.on_ended(ended)

    def _on_utterance(self, update: UtteranceUpdate) -> None:
        metrics = self.metrics
        metrics.utterance_updates += 1
        if update.adjustments:
            metrics.confidence_clamps += len(update.adjustments)
        latency = speech_latency_ms(update)
        drop_ms = self.latency_policy.drop_ms
        if latency is not None and drop_ms is not None and latency > drop_ms:
            metrics.dropped_late += 1
            return
        # A final ending inside a digit run may be held (shown masked) until it is whole.
        for redacted, redaction in self.hold.offer(update):
            self._on_redacted(redacted, redaction)

    def _on_redacted(self, update: UtteranceUpdate, redaction: Redaction) -> None:
        metrics = self.metrics
        latency = speech_latency_ms(update)
        state = self.state(update.conversation_id)
        if update.media_type is not None and state.media_type != update.media_type:
            state.media_type = update.media_type
            state.version += 1
        language_before = state.language
        result = state.apply(update, update.text, redaction.changed)
        if result.duplicate or result.line is None:
            metrics.duplicates += 1
            return
        line = result.line
        if latency is not None:
            line.latency_ms = latency
            line.late = latency > self.latency_policy.warn_ms
            state.latency.add(latency)
            metrics.latency.add(latency)
            metrics.late += line.late
        if result.interruption is not None:
            self._on_interruption(state, result.interruption)
        if state.language != language_before:
            self._judge(state)  # the spoken language is one of the quality gates
        if result.new_final:
            with self.guard.stage("final", update):
                self._on_final(state, line, update, redaction.found)
        own_ms = (utc_now() - update.received_at).total_seconds() * 1000
        metrics.own_latency.add(own_ms)
        state.own_latency.add(own_ms)

    def release_held(self, conversation_id: str | None = None) -> None:
        """Pass on held finals now (a conversation ended, or the engine stops)."""
        for redacted, redaction in self.hold.release(conversation_id):
            self._on_redacted(redacted, redaction)

    async def _release_held_periodically(self) -> None:
        while True:
            await asyncio.sleep(HOLD_TICK_S)
            for redacted, redaction in self.hold.expired():
                with self.guard.stage("redaction", redacted):
                    self._on_redacted(redacted, redaction)

    def _on_interruption(self, state: ConversationState, interruption: Interruption) -> None:
        self.metrics.interruptions += 1
        state.hold_sync_until = time.monotonic() + self.settings.webhook.interruption_hold_s
        self.audit.append(
            "interruption",
            {
                "interrupter": interruption.interrupter.value,
                "interrupted": interruption.interrupted.value,
                "utterance_id": interruption.utterance_id,
                "overlap_ms": interruption.overlap_ms,
                "explicit": interruption.explicit,
            },
            conversation=state.conversation_id,
            actor="pipeline",
        )

    def _on_final(
        self, state: ConversationState, line: Line, update: UtteranceUpdate, found: Any
    ) -> None:
        metrics = self.metrics
        metrics.finals += 1
        metrics.confidence_total += update.confidence
        metrics.redactions.update(found)
        status = state.verdict.status
        line.bad_audio = status is AudioStatus.BAD
        data: dict[str, Any] = {
            "utterance_id": update.utterance_id,
            "speaker": update.speaker.value,
            "text": line.text,
            "confidence": round(update.confidence, 4),
            "latency_ms": round(line.latency_ms, 1) if line.latency_ms is not None else None,
            "audio_status": status.value,
            "redactions": dict(found),
            **self.gaps.audit_extra(update),
        }
        if (
            self.outbox is not None
            and self.webhook_url
            and (not line.bad_audio or self.settings.quality.send_bad_audio_to_webhook)
        ):
            # The outbox is fed from this record once it is committed (sinks/outbox_feed.py).
            data[WEBHOOK_FIELD] = webhook_fields(
                offset_ms=update.offset_ms,
                duration_ms=update.duration_ms,
                language=update.language,
                received_at=update.received_at.isoformat(),
            )
        self.audit.append(
            "final_utterance", data, conversation=state.conversation_id, actor="pipeline"
        )
        if update.speaker.value in self._speakers:
            self._nlp_queue.put_nowait((state, line, update))
        self.board.on_final(update, line.text, line.latency_ms)

    # -- insights (seed 002's stream) -------------------------------------------------------
    def _on_insight(self, insight: Insight) -> None:
        state = self.conversations.get(insight.conversation_id)
        if state is None:
            return
        # An insight may quote the caller: its snippet is redacted like a transcript.
        redaction = self.redactor.redact(insight.snippet)
        if redaction.changed:
            insight = insight.model_copy(update={"snippet": redaction.text})
        state.add_insight(insight)
        self.metrics.insights += 1
        self.audit.append(
            "insight",
            {
                "type": insight.insight_type,
                "confidence": round(insight.confidence, 3),
                "relevance": insight.relevance,
                "snippet": insight.snippet[:120],
            },
            conversation=insight.conversation_id,
            actor="insights",
        )

    # -- audio quality ---------------------------------------------------------------------------
    def _on_audio(self, metrics: AudioMetrics) -> None:
        state = self.conversations.get(metrics.conversation_id)
        if state is None:
            return
        old = state.audio
        if old is not None:
            merged = {
                k: v if v is not None else getattr(old, k) for k, v in metrics.model_dump().items()
            }
            metrics = AudioMetrics.model_validate(merged)
        state.audio = metrics
        self._judge(state)

    def _judge(self, state: ConversationState) -> None:
        verdict = self.gate.judge(state.audio, state.language)
        if verdict.status is not state.verdict.status:
            self.audit.append(
                "quality_change",
                {
                    "from": state.verdict.status.value,
                    "to": verdict.status.value,
                    "reasons": list(verdict.reasons),
                },
                conversation=state.conversation_id,
                actor="quality",
            )
        state.verdict = verdict
        state.version += 1

    async def _poll_media(self) -> None:
        """Poll telephony media statistics: no notification topic carries audio metrics.

        Calls are spread evenly within ``poll_budget_per_minute`` (the platform limits
        requests per app), so with many conversations each is polled less often than
        ``poll_interval_s``.
        """
        api = self.platform.session.api
        quality = self.settings.quality
        spacing = 60.0 / quality.poll_budget_per_minute
        last_polled: dict[str, float] = {}
        warned = False
        while True:
            await asyncio.sleep(spacing)
            now = time.monotonic()
            due = [
                (last_polled.get(cid, 0.0), cid)
                for cid, state in self.conversations.items()
                if state.ended_at is None
                and now - last_polled.get(cid, 0.0) >= quality.poll_interval_s
            ]
            if not due:
                continue
            _, cid = min(due)  # the longest unpolled conversation goes first
            last_polled[cid] = now
            try:
                parsed = await fetch_media_statistics(api, cid)
            except NotFoundError:
                continue
            except GenesysError as exc:
                if not warned:
                    log.warning("media statistics unavailable: %s", exc)
                    warned = True
                continue
            if parsed is not None:
                await self.process(parsed)
            for gone in [c for c in last_polled if c not in self.conversations]:
                del last_polled[gone]

    # -- knowledge outbox -------------------------------------------------------------------------
    def _flush_outbox_now(self) -> None:
        if self.outbox is not None:
            self.guard.call("outbox", feed, self.audit, self.outbox, default=0)

    async def _flush_outbox(self) -> None:
        # In a thread: reading the audit waits for its lock while the flusher commits.
        while True:
            await asyncio.sleep(OUTBOX_FLUSH_S)
            await asyncio.to_thread(self._flush_outbox_now)

    # -- NLP -------------------------------------------------------------------------------------
    async def _nlp_worker(self) -> None:
        """Match finals in slices of a few milliseconds on the event loop.

        spaCy holds the GIL, so a worker thread would only fight the event loop for it
        (each socket read would wait out the thread's switch interval). Instead each
        slice is sized from the measured cost per text to stay within ``NLP_SLICE_S``,
        and the loop runs other work between slices.
        """
        assert self.matcher is not None
        matcher = self.matcher
        context_tokens = self.settings.nlp.context_tokens
        per_text_s = 0.0005  # first guess; measured from then on
        while True:
            batch = [await self._nlp_queue.get()]
            limit = max(1, min(NLP_BATCH, int(NLP_SLICE_S / per_text_s)))
            while len(batch) < limit and not self._nlp_queue.empty():
                batch.append(self._nlp_queue.get_nowait())
            texts: list[str] = []
            offsets: list[int] = []
            for state, line, update in batch:
                context = state.nlp_context.get(update.speaker, "")
                full = f"{context} {line.text}" if context else line.text
                texts.append(full)
                offsets.append(len(full) - len(line.text))
                # A phrase split across two finals still matches: carry the tail over.
                tail = full.split()[-context_tokens:] if context_tokens else []
                state.nlp_context[update.speaker] = " ".join(tail)
            started = time.perf_counter()
            results = self.guard.call("nlp", matcher.match, texts, default=None)
            if results is None:
                continue
            spent = time.perf_counter() - started
            per_text_s = 0.8 * per_text_s + 0.2 * (spent / len(texts))
            self.metrics.nlp_seconds += spent
            self.metrics.nlp_batches += 1
            self.metrics.nlp_max_batch_s = max(self.metrics.nlp_max_batch_s, spent)
            for (state, line, update), matches, full, offset in zip(
                batch, results, texts, offsets, strict=True
            ):
                for match in matches:
                    if match.end > offset:  # only what this final added
                        with self.guard.stage("keyword_hit", update):
                            self._on_match(state, line, update, match, full)
            await asyncio.sleep(0)  # let the stream and the UI run between slices

    def _on_match(
        self, state: ConversationState, line: Line, update: UtteranceUpdate, match: Match, full: str
    ) -> None:
        rule: Rule | None = self._rules_by_id.get(match.rule_id)
        speakers = (rule.speakers if rule and rule.speakers else None) or self.settings.nlp.speakers
        if update.speaker.value not in speakers:
            return
        key = match.rule_id if rule else f"{match.rule_id}:{match.text.lower()}"
        now = time.monotonic()
        if now - state.cooldowns.get(key, -1e9) < self.settings.nlp.cooldown_s:
            return
        state.cooldowns[key] = now
        category = rule.category if rule else "entity"
        hit = KeywordHit(
            conversation_id=state.conversation_id,
            utterance_id=update.utterance_id,
            rule_id=match.rule_id,
            category=category,
            severity=rule.severity if rule else "low",
            speaker=update.speaker,
            matched=match.text,
            snippet=snippet(full, match.start, match.end),
            relevance=relevance(category, update.confidence, self.settings.nlp.weights),
            confidence=update.confidence,
            source=match.source,
            suggestion_title=rule.suggestion.title if rule and rule.suggestion else None,
        )
        state.add_hit(hit)
        self.metrics.hits += 1
        self.audit.append(
            "keyword_hit",
            {
                "rule": hit.rule_id,
                "category": hit.category,
                "severity": hit.severity,
                "matched": hit.matched,
                "relevance": hit.relevance,
                "source": hit.source,
                "utterance_id": hit.utterance_id,
                "speaker": hit.speaker.value,
            },
            conversation=state.conversation_id,
            actor="nlp",
        )
        if rule and rule.suggestion and self.settings.push.enabled and not state.inactive:
            suggestion = Suggestion(
                suggestion_id=str(uuid.uuid4()),
                conversation_id=state.conversation_id,
                rule_id=rule.id,
                title=rule.suggestion.title,
                body=rule.suggestion.body,
                links=tuple(rule.suggestion.links),
            )
            state.put_suggestion(suggestion)
            task = asyncio.create_task(self._push(state, suggestion))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _push(self, state: ConversationState, suggestion: Suggestion) -> None:
        result = await self.pusher.push(suggestion)
        state.put_suggestion(result)
        if result.outcome is SuggestionOutcome.INACTIVE:
            state.inactive = True

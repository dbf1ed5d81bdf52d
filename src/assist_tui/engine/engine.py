"""The assist engine: a small orchestrator over the stages in engine/stages/, and the one
API the dashboard and headless mode drive (subscribe, unsubscribe, pause, resume, reset
context, acknowledge, ended conversations, reopen).

Events reach their stage through a dispatch table (stages/stream_events.py). Order per
utterance update: frame guard (counts the translator's clamps), latency (and the optional
drop threshold), redaction, conversation state (dedup, interruptions), quality flags;
then, for finals, audit, knowledge outbox, the NLP queue and the call-board stages
(sentiment, talk analytics, rules and alerts). NLP runs in slices of a few milliseconds
between other work, so no key press waits on spaCy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from assist_tui.audit.store import AuditStore
from assist_tui.cancelling import cancel_and_wait
from assist_tui.config import Settings
from assist_tui.engine import gc_policy
from assist_tui.engine.action_gate import ActionGate, OrderedFinals
from assist_tui.engine.call_start import CallStarts
from assist_tui.engine.conversation import ConversationState
from assist_tui.engine.ended_history import ended_page, find_older
from assist_tui.engine.follow_changes import follow_change
from assist_tui.engine.gaps import GapKeeper
from assist_tui.engine.governance import governance_of
from assist_tui.engine.latency_policy import policy_for
from assist_tui.engine.metrics import EngineMetrics
from assist_tui.engine.nlp import KeywordMatcher, shared_matcher
from assist_tui.engine.pii.hold import FinalHold
from assist_tui.engine.platform_insights import PlatformInsights
from assist_tui.engine.quality import QualityGate
from assist_tui.engine.queue_names import QueueNames
from assist_tui.engine.redaction import Redactor
from assist_tui.engine.rules import load_rules
from assist_tui.engine.stage_guard import StageGuard
from assist_tui.engine.stages.audio import AudioStage
from assist_tui.engine.stages.insights import InsightStage
from assist_tui.engine.stages.keywords import KeywordStage
from assist_tui.engine.stages.runner import BoardStages
from assist_tui.engine.stages.stream_events import StreamEventStage
from assist_tui.engine.stages.transcript import TranscriptStage
from assist_tui.engine.startup import start_stages
from assist_tui.engine.tap import EventTap
from assist_tui.genesys.discovery import discover_live, transcription_topic
from assist_tui.genesys.feed import EventFeed
from assist_tui.genesys.follow import ConversationFollower
from assist_tui.model import (
    AudioMetrics,
    LiveConversation,
    StreamEvent,
    StreamHealth,
    SubscriptionRejected,
    utc_now,
)
from assist_tui.platform import Platform
from assist_tui.sinks.assist_push import AssistPusher
from assist_tui.sinks.outbox import Outbox
from assist_tui.sinks.outbox_feed import feed
from assist_tui.sinks.webhook import WebhookDeliverer, webhook_limits

if TYPE_CHECKING:
    from assist_tui.engine.snapshot import ConversationRow

log = logging.getLogger(__name__)

YIELD_AFTER_S = 0.002  # the longest the pipeline works before letting the loop run
OUTBOX_FLUSH_S = 0.1


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
        self.tap = EventTap(self.redactor)  # recorders: every event as the stages take it
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
        # Several engines (bus/once.py): every action once; None in the embedded default.
        self.action_gate: ActionGate | None = None
        self.once_finals: OrderedFinals | None = None
        self.follow_filter: Callable[[str], bool] | None = None  # bus/shard.py: our partitions
        self.webhook_url = settings.webhook.url or (
            f"{platform.emulator.url}/emulator/knowledge" if platform.emulator else None
        )
        self.ready = asyncio.Event()
        self.gaps = GapKeeper(self)  # stream gaps: audited, marked, backfilled
        # The stages (engine/stages/): each owns its state, settings and audit kinds.
        self.transcript = TranscriptStage(self)  # latency, redaction, state, finals
        self.keywords = KeywordStage(self)
        self.audio = AudioStage(self)
        self.insights = InsightStage(self)
        self.board = BoardStages(self)  # sentiment, talk analytics, rules and alerts, linger
        self.queue_names = QueueNames(platform.session.api)  # ids to names, for people
        self.run_started = utc_now()  # this run's ended calls are read back from then
        # A call followed by id learns its start from discovery or one background lookup.
        self.starts = CallStarts(
            platform.session.api, self.board.on_looked_up, self.board.started_at.__contains__
        )
        self.stream_events = StreamEventStage(self)  # frames, health, starts and ends
        self._handlers = self.stream_events.handlers()
        self._nlp_queue = self.keywords.queue
        self._nlp_worker = self.keywords.run  # names the tests and replays use
        self._push = self.keywords.push
        self._release_held_periodically = self.transcript.release_periodically
        self.release_held = self.transcript.release_held
        self._background: set[asyncio.Task[Any]] = set()
        self._speakers = {s for rule in self.rules.rules for s in (rule.speakers or [])} | set(
            settings.nlp.speakers
        )

    # -- lifecycle -------------------------------------------------------------------------
    async def run(self) -> None:
        """Connect, subscribe, and process until cancelled; everything is flushed on exit."""
        gc_policy.apply()  # fewer young collections: a fifth of the per-event cost
        if self.matcher is None:
            # Building the matcher loads spaCy: seconds of CPU kept off the event loop.
            self.matcher = await asyncio.to_thread(
                shared_matcher, self.rules, self.settings.nlp.trained_pipeline
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
        self.queue_names.start()
        self.follower = ConversationFollower(
            stream,
            self.settings.discovery,
            conversation_ids=self.follow_ids,
            on_change=self._on_follow_change,
            accept=self.follow_filter,
        )
        tasks: list[asyncio.Task[Any]] = []
        try:
            async with stream:
                try:
                    await start_stages(self, stream, http, tasks)
                    self.ready.set()
                    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
                    for task in done:
                        task.result()  # a stage that crashed is re-raised here
                finally:
                    # Everything that may still call the stream stops before it closes.
                    await self.follower.stop()
                    await self.platform_insights.aclose()
                    await self.gaps.stop()
                    await self.starts.aclose()
                    await self.queue_names.aclose()
                    # Again if one goes on: a stage in a NATS publish may swallow its cancel.
                    await cancel_and_wait([*tasks, *self._background])
        finally:
            self.release_held()  # nothing held is lost on shutdown
            if self.once_finals is not None:
                await self.once_finals.aclose()
            self.audit.flush()  # the outbox is fed from committed finals only
            self._flush_outbox_now()
            await http.aclose()
            self.audit.flush()

    # -- commands (the engine API) ----------------------------------------------------------
    async def subscribe(
        self, conversation_ids: Iterable[str], *, actor: str = "supervisor"
    ) -> list[SubscriptionRejected]:
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
                self._audit_command("subscribe", cid, actor)
                self.starts.fill(cid)
        return rejected

    async def unsubscribe(
        self, conversation_ids: Iterable[str], *, actor: str = "supervisor"
    ) -> None:
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
            self._audit_command("unsubscribe", cid, actor)

    def pause(self, conversation_id: str | None = None, *, actor: str = "supervisor") -> None:
        """Pause one conversation (or all): the engine keeps buffering, sync waits."""
        for state in self._targets(conversation_id):
            if not state.paused:
                state.paused = True
                state.version += 1
                self._audit_command("pause", state.conversation_id, actor)

    def resume(self, conversation_id: str | None = None, *, actor: str = "supervisor") -> None:
        for state in self._targets(conversation_id):
            if state.paused:
                state.paused = False
                state.version += 1
                self._audit_command("resume", state.conversation_id, actor)

    def reset_context(self, conversation_id: str, *, actor: str = "supervisor") -> None:
        state = self.conversations.get(conversation_id)
        if state is None:
            raise KeyError(f"not following conversation {conversation_id}")
        state.reset_context()
        self._audit_command("reset_context", conversation_id, actor)

    def acknowledge(self, alert_id: str, actor: str) -> None:
        """Acknowledge an open alert (audited with ``actor``); KeyError if none is open."""
        self.board.alerts.acknowledge(alert_id, actor)

    def ended_conversations(
        self, offset: int = 0, limit: int | None = None
    ) -> list[ConversationRow]:
        """Calls that ended and left the board, newest first; past the newest 1,000 kept in
        memory, this run's older ones come from the audit, a page at a time."""
        return ended_page(self.board, self.audit, self.run_started, offset, limit)

    def reopen(self, conversation_id: str, *, actor: str = "supervisor") -> None:
        """Put an ended call back on the board (its lines from the audit) until it lingers out."""
        find_older(self.board, self.audit, self.run_started, conversation_id)
        self.board.reopen(conversation_id, actor)

    async def _board_ticks(self) -> None:
        while True:
            await asyncio.sleep(self.settings.alerts.tick_s)
            self.guard.call("board", self.board.tick, default=None)

    async def live_conversations(self) -> list[LiveConversation]:
        """What the platform says is live now (for a subscribe dialog)."""
        d = self.settings.discovery
        live = await discover_live(
            self.platform.session.api,
            queues=d.queues,
            lookback=timedelta(hours=d.lookback_hours),
            page_size=d.page_size,
        )
        self.starts.remember(live)
        return [
            c.model_copy(update={"queue_name": self.queue_names.name(c.queue_id)})
            if c.queue_id and not c.queue_name
            else c
            for c in live
        ]

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
        return governance_of(self)

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
        follow_change(self, kind, conversation_id)

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
        self.tap.consumed(event)
        handler = self._handlers.get(type(event))
        if handler is not None:
            with self.guard.stage(getattr(event, "kind", "event"), event):
                handler(event)

    # -- knowledge outbox -------------------------------------------------------------------------
    def _flush_outbox_now(self) -> None:
        if self.outbox is not None:
            self.guard.call("outbox", feed, self.audit, self.outbox, default=0)

    async def _flush_outbox(self) -> None:
        # In a thread: reading the audit waits for its lock while the flusher commits.
        while True:
            await asyncio.sleep(OUTBOX_FLUSH_S)
            await asyncio.to_thread(self._flush_outbox_now)

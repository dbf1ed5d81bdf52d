"""Runs the call-board stages (sentiment, talk analytics, rules and alerts) for the engine,
each inside the stage-error boundary, and keeps the board's lifecycle: the platform's start
time, the linger of ended calls, the memory of calls that left, reopening one."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from assist_tui.engine.alert_rules import load_alert_rules
from assist_tui.engine.board_types import CallAnalytics
from assist_tui.engine.quality import QualityVerdict
from assist_tui.engine.stages.alerts import AlertStage
from assist_tui.engine.stages.sentiment import CallSentiment, SentimentStage
from assist_tui.engine.stages.talk import CallTalk, TalkStage
from assist_tui.model import AudioStatus, PlatformSentiment, UtteranceUpdate, utc_now

if TYPE_CHECKING:
    from assist_tui.engine.conversation import ConversationState
    from assist_tui.engine.engine import AssistEngine
    from assist_tui.engine.snapshot import ConversationRow

MAX_ENDED = 1000  # calls that left the board, remembered for the ended-calls view


class BoardStages:
    """The engine's call-board stages and the board lifecycle around them."""

    def __init__(self, engine: AssistEngine) -> None:
        self.engine = engine
        a = engine.settings.alerts
        self.linger = timedelta(seconds=a.linger_s)
        self.sentiment = SentimentStage()
        self.talk = TalkStage()
        self.alerts = AlertStage(load_alert_rules(a.rules_file), engine.audit)
        # Adding a stage: one module in stages/ (``name``, ``forget``), one line here.
        self.stages = (self.sentiment, self.talk, self.alerts)
        self.started_at: dict[str, datetime] = {}
        self.linger_from: dict[str, datetime] = {}  # reopened calls linger from then
        self.ended: OrderedDict[str, ConversationRow] = OrderedDict()  # oldest first
        self.kept_analytics: dict[str, tuple[CallSentiment | None, CallTalk | None]] = {}
        self.clock: Callable[[], datetime] = utc_now  # a replay's is the recording's (replay.py)

    # -- events -----------------------------------------------------------------------------
    def on_final(self, update: UtteranceUpdate, text: str, latency_ms: float | None) -> None:
        guard = self.engine.guard
        cid = update.conversation_id
        self.alerts.call(cid, self.started_at.get(cid))
        with guard.stage("sentiment", update):
            self.sentiment.on_final(update, text)
        with guard.stage("talk", update):
            self.talk.on_final(update)
        with guard.stage("alerts", update):
            self.alerts.on_final(update, text, self.sentiment.calls.get(cid), latency_ms)

    def on_platform_sentiment(self, event: PlatformSentiment) -> None:
        self.sentiment.on_platform(event)

    def on_started(self, conversation_id: str, started_at: datetime | None) -> None:
        if started_at is not None and conversation_id not in self.started_at:
            self.started_at[conversation_id] = started_at
            self.alerts.anchor(conversation_id, started_at)

    def on_looked_up(self, conversation_id: str, started_at: datetime) -> None:
        """A start learned after subscribing (call_start.py): only for a call still shown."""
        state = self.engine.conversations.get(conversation_id)
        if state is not None:
            self.on_started(conversation_id, started_at)
            self.engine.tap.looked_up(conversation_id, started_at)  # a replay learns it too
            state.version += 1

    def on_ended(self, state: ConversationState) -> None:
        """Not-said windows close when the call ends."""
        with self.engine.guard.stage("alerts", None):
            self._tick_one(state, state.ended_at or self.clock(), ended=True)

    def tick(self, now: datetime | None = None) -> None:
        """Close rule windows, check silences, and let ended calls leave the board."""
        now = now or self.clock()
        engine = self.engine
        for cid, state in list(engine.conversations.items()):
            if state.ended_at is None:
                with engine.guard.stage("alerts", None):
                    self._tick_one(state, now)
            elif (
                now - self.linger_from.get(cid, state.ended_at) >= self.linger
                and cid not in engine.gaps.open  # its backfill still comes (gaps.py)
            ):
                self.leave(state)

    def _tick_one(self, state: ConversationState, now: datetime, ended: bool = False) -> None:
        cid = state.conversation_id
        self.alerts.call(cid, self.started_at.get(cid))
        bad = state.verdict.status is AudioStatus.BAD
        self.alerts.tick(cid, now, self.talk.calls.get(cid), bad, ended=ended)

    # -- the board's lifecycle ----------------------------------------------------------------
    def leave(self, state: ConversationState) -> None:
        """The call leaves the board: remembered as a row, its state freed."""
        from assist_tui.engine.snapshot import row_of

        cid = state.conversation_id
        self.ended[cid] = row_of(state, self)
        self.ended.move_to_end(cid)
        # Its sentiment and talk time, for a reopen (the audit holds neither whole).
        self.kept_analytics[cid] = (self.sentiment.calls.get(cid), self.talk.calls.get(cid))
        while len(self.ended) > MAX_ENDED:
            gone, _ = self.ended.popitem(last=False)
            self.kept_analytics.pop(gone, None)
        self.engine.release_held(cid)
        self.engine.conversations.pop(cid, None)
        self.forget(cid)
        self.engine.audit.append("conversation_left_board", {}, conversation=cid, actor="board")

    def forget(self, conversation_id: str) -> None:
        for stage in self.stages:
            stage.forget(conversation_id)
        self.started_at.pop(conversation_id, None)
        self.linger_from.pop(conversation_id, None)

    def ended_rows(self) -> list[ConversationRow]:
        return list(reversed(self.ended.values()))

    def reopen(self, conversation_id: str, actor: str = "supervisor") -> ConversationState:
        """Put an ended call back on the board with its audited lines, until it lingers out."""
        from assist_tui.engine.restore import restore_lines

        row = self.ended.get(conversation_id)
        if row is None:
            raise KeyError(f"no ended conversation {conversation_id}")
        if conversation_id in self.engine.conversations:
            return self.engine.conversations[conversation_id]
        state = self.engine.state(conversation_id)
        state.queue_id, state.agent_name = row.queue_id, row.agent_name
        state.media_type = row.media_type  # type: ignore[assignment]
        state.first_seen = row.first_seen
        restore_lines(self.engine.audit, [state], timedelta(days=2))
        state.ended_at = row.ended_at or utc_now()
        state.verdict = QualityVerdict(row.status, ())  # the audio as it last was
        state.version += 1
        if row.started_at is not None:
            self.started_at[conversation_id] = row.started_at
        self._analytics_again(state, row)
        self.linger_from[conversation_id] = utc_now()
        del self.ended[conversation_id]
        self.engine.audit.append(
            "conversation_reopened", {}, conversation=conversation_id, actor=actor
        )
        return state

    def _analytics_again(self, state: ConversationState, row: ConversationRow) -> None:
        """A reopened call's sentiment and talk time as they were when it left (kept for
        the last ended calls; else its sentiment from its finals), and its alerts (still in
        the book) counted on its row again."""
        cid = state.conversation_id
        felt, talk = self.kept_analytics.pop(cid, (None, None))
        if felt is not None:
            self.sentiment.calls[cid] = felt
        if talk is not None:
            self.talk.calls[cid] = talk
        if felt is None:  # not kept (too many calls ended since): scored again
            for line in [line for line in state.lines.values() if line.spoken_final]:
                update = line.as_final(cid)  # it came from an audited final: valid
                with self.engine.guard.stage("sentiment", update):
                    self.sentiment.on_final(update, line.text)
        self.alerts.continue_call(cid, row.started_at, self.alerts.of_call(cid), [])
        self.alerts.calls[cid].windows.clear()  # it ended: every window closed then

    # -- the view -------------------------------------------------------------------------------
    def analytics(self, state: ConversationState, now: datetime | None = None) -> CallAnalytics:
        cid = state.conversation_id
        felt = self.sentiment.calls.get(cid)
        talk = self.talk.calls.get(cid)
        rules = self.alerts.calls.get(cid)
        categories = dict.fromkeys(h.category for h in state.hits)
        if rules is not None:
            categories.update(rules.categories)
        live = state.ended_at is None
        return CallAnalytics(
            sentiment=round(felt.overall, 3) if felt and felt.overall is not None else None,
            trend=felt.trend() if felt else None,
            sentiment_by_speaker=felt.speaker_means() if felt else (),
            talk_ms=tuple(sorted(talk.talk_ms.items())) if talk else (),
            talk_ratio=talk.ratio() if talk else None,
            silence_ms=talk.silence_ms(now or self.clock()) if talk and live else 0,
            longest_silence_ms=talk.longest_silence_ms if talk else 0,
            overtalk_ms=talk.overtalk_ms if talk else 0,
            overtalk_count=talk.overtalk_count if talk else 0,
            interruptions=tuple(sorted(talk.interruptions.items())) if talk else (),
            categories=tuple(categories),
        )

    def leaves_at(self, state: ConversationState) -> datetime | None:
        if state.ended_at is None:
            return None
        return self.linger_from.get(state.conversation_id, state.ended_at) + self.linger

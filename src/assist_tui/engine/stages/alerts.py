"""Rules and alerts stage: evaluates the alert rules (alert_rules.py) on finals and on a
periodic tick, raises alerts (audited ``alert_raised``) and acknowledges them (audited
``alert_acknowledged``). Not-said rules fire when their window closes or the call ends."""

from __future__ import annotations

import dataclasses
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from assist_tui.audit.store import AuditStore
from assist_tui.engine.alert_rules import AlertRule, Matcher
from assist_tui.engine.board_types import SEVERITY_RANK, AlertView
from assist_tui.engine.stages.sentiment import CallSentiment
from assist_tui.engine.stages.talk import CallTalk
from assist_tui.model import UtteranceUpdate, utc_now

MAX_ALERTS = 200  # kept for the view, newest first (the audit keeps every one)


@dataclass(slots=True)
class CallRules:
    started_at: datetime
    windows: dict[str, datetime] = field(default_factory=dict)  # not_said rule -> closes at
    satisfied: set[str] = field(default_factory=set)  # not_said rules said in their window
    fired_at: dict[str, datetime] = field(default_factory=dict)  # rule -> last alert
    latched: set[str] = field(default_factory=set)  # condition rules raised, until it clears
    bad_since: datetime | None = None
    categories: dict[str, None] = field(default_factory=dict)
    open_alerts: dict[str, AlertView] = field(default_factory=dict)
    offset_ms: int | None = None  # the latest call offset heard


class AlertStage:
    """Owns the rules, every call's rule state and the alerts raised."""

    name = "alerts"

    def __init__(self, rules: list[AlertRule], audit: AuditStore | None) -> None:
        self.rules = rules
        self.audit = audit
        self._text: dict[str, Matcher] = {
            r.id: r.text() for r in rules if r.kind in ("said", "not_said")
        }
        self._after: dict[str, Matcher] = {
            r.id: r.after.compiled() for r in rules if r.after is not None
        }
        self.calls: dict[str, CallRules] = {}
        self.alerts: OrderedDict[str, AlertView] = OrderedDict()  # oldest first
        # Raised since a reader last took them (take_raised); bounded when nobody does.
        self.raised: deque[AlertView] = deque(maxlen=MAX_ALERTS)

    # -- lifecycle --------------------------------------------------------------------------
    def call(self, conversation_id: str, started_at: datetime | None = None) -> CallRules:
        call = self.calls.get(conversation_id)
        if call is None:
            start = started_at or utc_now()
            call = CallRules(started_at=start)
            for rule in self.rules:
                if rule.kind == "not_said" and rule.after is None and rule.within_s:
                    call.windows[rule.id] = start + timedelta(seconds=rule.within_s)
            self.calls[conversation_id] = call
        return call

    def anchor(self, conversation_id: str, started_at: datetime) -> None:
        """The call's real start learned late: its open from-the-start windows move with it."""
        call = self.calls.get(conversation_id)
        if call is None or call.started_at == started_at:
            return
        shift = started_at - call.started_at
        call.started_at = started_at
        for rule in self.rules:
            if rule.id in call.windows and rule.after is None:
                call.windows[rule.id] += shift

    def forget(self, conversation_id: str) -> None:
        self.calls.pop(conversation_id, None)

    def of_call(self, conversation_id: str) -> tuple[AlertView, ...]:
        """The alerts raised on one call (kept ones, open or acknowledged), oldest first."""
        return self.by_call().get(conversation_id, ())

    def by_call(self) -> dict[str, tuple[AlertView, ...]]:
        """Every call's alerts (kept ones), oldest first: one pass for a round of views."""
        grouped: dict[str, list[AlertView]] = {}
        for alert in self.alerts.values():
            grouped.setdefault(alert.conversation_id, []).append(alert)
        return {cid: tuple(alerts) for cid, alerts in grouped.items()}

    def continue_call(
        self,
        conversation_id: str,
        started_at: datetime | None,
        raised: tuple[AlertView, ...],
        said: list[tuple[str, str, datetime]],
    ) -> None:
        """A call taken over from another engine: its alerts are this stage's now, the
        rules that fired are not fired again, and a from-the-start window already
        satisfied by what was said (``said``: speaker, text and time of its finals) stays so."""
        call = self.call(conversation_id, started_at)
        for speaker, text, at in said:
            for rule in self.rules:
                if rule.kind == "not_said" and rule.id in call.windows:
                    self._not_said(call, rule, speaker, text, at)
        kinds = {rule.id: rule.kind for rule in self.rules}
        for alert in raised:
            if alert.alert_id not in self.alerts:
                self.alerts[alert.alert_id] = alert
            if alert.open:
                call.open_alerts[alert.alert_id] = alert
            call.fired_at[alert.rule_id] = alert.raised_at
            kind = kinds.get(alert.rule_id)
            if kind == "not_said":
                call.windows.pop(alert.rule_id, None)  # it closed and was raised
            elif kind is not None and kind != "said":
                call.latched.add(alert.rule_id)  # again only after the condition clears
        while len(self.alerts) > MAX_ALERTS:
            self.alerts.popitem(last=False)

    # -- events -----------------------------------------------------------------------------
    def on_final(
        self,
        update: UtteranceUpdate,
        text: str,
        sentiment: CallSentiment | None,
        latency_ms: float | None,
        own_ms: float | None = None,
    ) -> None:
        """``latency_ms`` is the platform's delay (spoken to received); ``own_ms`` ours
        (received to processed), measured now when not given."""
        cid, speaker, now = update.conversation_id, update.speaker.value, update.received_at
        if own_ms is None:
            own_ms = (utc_now() - update.received_at).total_seconds() * 1000
        call = self.call(cid)
        if update.offset_ms is not None:
            call.offset_ms = update.offset_ms
        for rule in self.rules:
            kind = rule.kind
            if kind == "said":
                found = self._text[rule.id].matches(speaker, text)
                if found and self._cooled(call, rule, now):
                    self.raise_alert(cid, rule, f"{speaker} said {found!r}", update, now)
            elif kind == "not_said":
                self._not_said(call, rule, speaker, text, now)
            elif kind == "sentiment_below" and sentiment is not None:
                last = sentiment.last_turns(rule.speaker, rule.turns)
                low = len(last) == rule.turns and all(s < (rule.threshold or 0) for s in last)
                self._latch(
                    cid, call, rule, low, f"{rule.turns} turns below {rule.threshold}", update, now
                )
            elif kind == "latency_over":
                ms = own_ms if rule.source == "ours" else latency_ms
                if ms is not None and ms > (rule.threshold or 0) and self._cooled(call, rule, now):
                    late = "processed" if rule.source == "ours" else "late"
                    self.raise_alert(cid, rule, f"final {ms:.0f} ms {late}", update, now)

    def _not_said(
        self, call: CallRules, rule: AlertRule, speaker: str, text: str, now: datetime
    ) -> None:
        """Said in an open window: satisfied. Its ``after`` said: a window opens."""
        closes = call.windows.get(rule.id)
        open_window = closes is not None and rule.id not in call.satisfied and now <= closes
        if open_window and self._text[rule.id].matches(speaker, text):
            call.satisfied.add(rule.id)
        after = self._after.get(rule.id)
        if (
            after is not None
            and rule.within_s
            and (rule.id not in call.windows or rule.id in call.satisfied)
            and after.matches(speaker, text)
        ):
            call.windows[rule.id] = now + timedelta(seconds=rule.within_s)
            call.satisfied.discard(rule.id)

    def tick(
        self,
        conversation_id: str,
        now: datetime,
        talk: CallTalk | None,
        bad_audio: bool,
        ended: bool = False,
    ) -> None:
        """Close windows that have passed (all of them when the call ``ended``) and check
        the conditions that hold over time."""
        call = self.call(conversation_id)
        for rule in self.rules:
            kind = rule.kind
            if kind == "not_said":
                closes = call.windows.get(rule.id)
                if closes is not None and (ended or now >= closes):
                    del call.windows[rule.id]
                    if rule.id not in call.satisfied:
                        self.raise_alert(
                            conversation_id, rule, f"not said within {rule.within_s:g} s", None, now
                        )
                    call.satisfied.discard(rule.id)
            elif ended:
                continue
            elif kind == "silence_over" and talk is not None:
                silent = talk.silence_ms(now)
                self._latch(
                    conversation_id,
                    call,
                    rule,
                    silent > (rule.seconds or 0) * 1000,
                    f"silent for {silent / 1000:.0f} s",
                    None,
                    now,
                )
            elif kind == "overtalk_over" and talk is not None:
                over = talk.overtalk_ms > (rule.seconds or 0) * 1000
                if over and rule.id not in call.latched:
                    self._latch(
                        conversation_id,
                        call,
                        rule,
                        True,
                        f"{talk.overtalk_ms / 1000:.1f} s of overtalk",
                        None,
                        now,
                    )
            elif kind == "bad_audio_for":
                if not bad_audio:
                    call.bad_since = None
                elif call.bad_since is None:
                    call.bad_since = now
                long_bad = call.bad_since is not None and (now - call.bad_since).total_seconds() > (
                    rule.seconds or 0
                )
                self._latch(
                    conversation_id,
                    call,
                    rule,
                    long_bad,
                    f"bad audio for {rule.seconds:g} s",
                    None,
                    now,
                )

    # -- alerts -----------------------------------------------------------------------------
    def raise_alert(
        self,
        conversation_id: str,
        rule: AlertRule,
        detail: str,
        update: UtteranceUpdate | None,
        now: datetime,
    ) -> AlertView:
        call = self.call(conversation_id)
        call.fired_at[rule.id] = now
        if rule.category:
            call.categories.setdefault(rule.category, None)
        alert = AlertView(
            alert_id=uuid.uuid4().hex[:12],
            conversation_id=conversation_id,
            rule_id=rule.id,
            title=rule.title,
            severity=rule.severity,
            raised_at=now,
            call_offset_ms=update.offset_ms if update is not None else call.offset_ms,
            utterance_id=update.utterance_id if update is not None else None,
            detail=detail[:160],
        )
        self.alerts[alert.alert_id] = alert
        while len(self.alerts) > MAX_ALERTS:
            self.alerts.popitem(last=False)
        call.open_alerts[alert.alert_id] = alert
        self.raised.append(alert)
        if self.audit is None:  # a read-only follower (tail, alerts): the engine audits
            return alert
        self.audit.append(
            "alert_raised",
            {
                "alert_id": alert.alert_id,
                "rule": rule.id,
                "severity": rule.severity,
                "title": rule.title,
                "detail": alert.detail,
                "utterance_id": alert.utterance_id,
                "call_offset_ms": alert.call_offset_ms,
            },
            conversation=conversation_id,
            actor="rules",
        )
        return alert

    def acknowledge(self, alert_id: str, actor: str) -> AlertView:
        alert = self.alerts.get(alert_id)
        call = self.calls.get(alert.conversation_id) if alert is not None else None
        if alert is None or not alert.open:
            raise KeyError(f"no open alert {alert_id}")
        done = dataclasses.replace(alert, acknowledged_by=actor, acknowledged_at=utc_now())
        self.alerts[alert_id] = done
        if call is not None:
            call.open_alerts.pop(alert_id, None)
        if self.audit is None:
            return done
        self.audit.append(
            "alert_acknowledged",
            {"alert_id": alert_id, "rule": alert.rule_id},
            conversation=alert.conversation_id,
            actor=actor,
        )
        return done

    def take_raised(self) -> list[AlertView]:
        """The alerts raised since the last call (for printers such as ``alerts``)."""
        raised = list(self.raised)
        self.raised.clear()
        return raised

    def newest_first(self) -> tuple[AlertView, ...]:
        return tuple(reversed(self.alerts.values()))

    def open_summary(self, conversation_id: str) -> tuple[int, str | None]:
        """How many alerts are open on the call, and the highest severity among them."""
        call = self.calls.get(conversation_id)
        if call is None or not call.open_alerts:
            return 0, None
        top = max(call.open_alerts.values(), key=lambda a: SEVERITY_RANK[a.severity])
        return len(call.open_alerts), top.severity

    def _cooled(self, call: CallRules, rule: AlertRule, now: datetime) -> bool:
        last = call.fired_at.get(rule.id)
        return last is None or (now - last).total_seconds() >= rule.cooldown_s

    def _latch(
        self,
        cid: str,
        call: CallRules,
        rule: AlertRule,
        holds: bool,
        detail: str,
        update: UtteranceUpdate | None,
        now: datetime,
    ) -> None:
        """Raise once when a condition starts holding; again only after it cleared."""
        if not holds:
            call.latched.discard(rule.id)
        elif rule.id not in call.latched:
            call.latched.add(rule.id)
            self.raise_alert(cid, rule, detail, update, now)

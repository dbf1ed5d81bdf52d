"""The call board's analytics and alerts without an engine, for the stream printers
(``tail --json``, ``alerts``): the same stages, nothing audited (the engine audits), and
plain JSON-ready dictionaries out."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from assist_tui.engine.alert_rules import AlertRule
from assist_tui.engine.board_types import AlertView, CallAnalytics
from assist_tui.engine.stages.alerts import AlertStage
from assist_tui.engine.stages.sentiment import SentimentStage
from assist_tui.engine.stages.talk import TalkStage
from assist_tui.model import PlatformSentiment, UtteranceUpdate, utc_now


def analytics_json(analytics: CallAnalytics) -> dict[str, Any]:
    data = dataclasses.asdict(analytics)
    for key in ("sentiment_by_speaker", "talk_ms", "interruptions"):
        data[key] = dict(data[key])
    data["categories"] = list(data["categories"])
    return data


def alert_json(alert: AlertView) -> dict[str, Any]:
    data = dataclasses.asdict(alert)
    for key in ("raised_at", "acknowledged_at"):
        if data[key] is not None:
            data[key] = data[key].isoformat()
    return {"kind": "alert", **data}


def alert_text(alert: AlertView) -> str:
    return (
        f"{alert.raised_at:%H:%M:%S} ALERT {alert.severity.upper():8} "
        f"{alert.conversation_id[:8]} {alert.title} ({alert.rule_id}): {alert.detail}"
    )


class LiveBoard:
    """Sentiment, talk analytics and rules over finals that were already redacted."""

    def __init__(self, rules: list[AlertRule]) -> None:
        self.sentiment = SentimentStage()
        self.talk = TalkStage()
        self.alerts = AlertStage(rules, audit=None)
        self.ended: set[str] = set()
        self.pending: dict[str, list[AlertView]] = {}
        # Raised by the tick or a call's end, not by a final: printed as lines of their own.
        self.loose: list[AlertView] = []

    def on_final(self, update: UtteranceUpdate) -> CallAnalytics:
        cid = update.conversation_id
        self.loose.extend(self.alerts.take_raised())  # raised before this final: not its own
        self.alerts.call(cid)
        self.sentiment.on_final(update, update.text)
        self.talk.on_final(update)
        self.alerts.on_final(update, update.text, self.sentiment.calls.get(cid), None)
        return self.analytics(cid)

    def on_platform_sentiment(self, event: PlatformSentiment) -> None:
        self.sentiment.on_platform(event)

    def on_ended(self, conversation_id: str, at: datetime) -> None:
        if conversation_id in self.alerts.calls and conversation_id not in self.ended:
            self.ended.add(conversation_id)
            self.alerts.tick(conversation_id, at, self.talk.calls.get(conversation_id), False, True)
            for stage in (self.sentiment, self.talk, self.alerts):
                stage.forget(conversation_id)
            self.pending.pop(conversation_id, None)

    def tick(self, now: datetime | None = None) -> None:
        now = now or utc_now()
        for cid in list(self.alerts.calls):
            if cid not in self.ended:
                self.alerts.tick(cid, now, self.talk.calls.get(cid), False)

    def take_alerts(self) -> list[AlertView]:
        """Every alert not handed out yet: those raised outside a final first."""
        loose, self.loose = self.loose, []
        return loose + self.alerts.take_raised()

    def take_alerts_of(self, conversation_id: str) -> list[AlertView]:
        """The call's alerts not handed out yet (``tail --json`` puts them on its finals)."""
        for alert in self.alerts.take_raised():
            self.pending.setdefault(alert.conversation_id, []).append(alert)
        return self.pending.pop(conversation_id, [])

    def analytics(self, conversation_id: str) -> CallAnalytics:
        felt = self.sentiment.calls.get(conversation_id)
        talk = self.talk.calls.get(conversation_id)
        rules = self.alerts.calls.get(conversation_id)
        return CallAnalytics(
            sentiment=round(felt.overall, 3) if felt and felt.overall is not None else None,
            trend=felt.trend() if felt else None,
            sentiment_by_speaker=felt.speaker_means() if felt else (),
            talk_ms=tuple(sorted(talk.talk_ms.items())) if talk else (),
            talk_ratio=talk.ratio() if talk else None,
            silence_ms=0,
            longest_silence_ms=talk.longest_silence_ms if talk else 0,
            overtalk_ms=talk.overtalk_ms if talk else 0,
            overtalk_count=talk.overtalk_count if talk else 0,
            interruptions=tuple(sorted(talk.interruptions.items())) if talk else (),
            categories=tuple(rules.categories) if rules else (),
        )

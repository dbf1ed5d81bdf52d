"""The call board's half of the scripted engine: analytics, alerts, linger and ended calls
laid over the scripted engine's conversations, with the three board commands
(acknowledge, ended_conversations, reopen) changing this link's own state.

The real engine fills the same fields (engine/snapshot.py); this gives the screens fixed
figures, so a snapshot changes only when the UI does.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from assist_tui.engine.board_types import SEVERITY_RANK, AlertView, CallAnalytics
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.link import EngineCommandError, LocalLink
from assist_tui.engine.snapshot import ConversationRow, EngineView, row_of

from .scripted_engine import T0

HANNAH, OWEN, TOMAS = (
    "7d3f0c2a-5b1e-4c6d-9a8f-1e2d3c4b5a69",
    "2b8e4f61-0c3d-4a7e-8b9f-6d5c4b3a2f10",
    "c0ffee00-1234-4abc-9def-0123456789ab",
)
AGENTS = {HANNAH: "Hannah Reyes", OWEN: "Owen Park", TOMAS: "Tomás Silva"}
# The board's clock in the snapshots: live calls are this far in.
NOW = T0 + timedelta(minutes=4, seconds=12)


def _analytics(
    sentiment: float, trend: str, ratio: float, silence_ms: int, categories: tuple[str, ...]
) -> CallAnalytics:
    return CallAnalytics(
        sentiment=sentiment,
        trend=trend,  # type: ignore[arg-type]
        sentiment_by_speaker=(("agent", 0.3), ("customer", sentiment)),
        talk_ms=(("agent", int(60_000 * ratio)), ("customer", int(60_000 * (1 - ratio)))),
        talk_ratio=ratio,
        silence_ms=silence_ms,
        longest_silence_ms=max(silence_ms, 4_000),
        overtalk_ms=1_200,
        overtalk_count=2,
        interruptions=(("customer", 1),),
        categories=categories,
    )


ANALYTICS = {
    HANNAH: _analytics(-0.42, "down", 0.55, 0, ("churn",)),
    OWEN: _analytics(0.08, "flat", 0.31, 14_000, ()),
    TOMAS: _analytics(0.35, "up", 0.62, 0, ("payments",)),
}


def _alert(
    n: int, cid: str, severity: str, title: str, seconds: int, utterance: str | None, offset: int
) -> AlertView:
    return AlertView(
        alert_id=f"a-{n}",
        conversation_id=cid,
        rule_id=title.lower().replace(" ", "-")[:24],
        title=title,
        severity=severity,  # type: ignore[arg-type]
        raised_at=T0 + timedelta(seconds=seconds),
        call_offset_ms=offset,
        utterance_id=utterance,
        detail=f"{title} (scripted)",
    )


def scripted_alerts() -> list[AlertView]:
    """Newest first, as the engine sends them."""
    ack = _alert(1, TOMAS, "low", "Long hold", 8, None, 2900)
    return [
        _alert(4, OWEN, "critical", "Disclosure not given", 31, None, 2900),
        _alert(3, HANNAH, "high", "Cancel threat", 19, "7d3f-5", 14500),
        _alert(2, HANNAH, "medium", "Sentiment falling", 17, "7d3f-4", 11600),
        dataclasses.replace(ack, acknowledged_by="dana", acknowledged_at=T0 + timedelta(seconds=9)),
    ]


class ScriptedBoard(LocalLink):
    """A LocalLink over the scripted engine whose rows carry board figures."""

    def __init__(self, engine: AssistEngine, label: str) -> None:
        super().__init__(engine, label)
        self.live = {HANNAH, OWEN}  # the scripted engine ended all three: two are live here
        self.leaves_at: dict[str, datetime] = {TOMAS: NOW + timedelta(minutes=2)}
        self.gone: set[str] = set()  # ended calls that have left the board
        self.alerts = scripted_alerts()
        self.acknowledged: list[tuple[str, str]] = []

    # -- test controls ------------------------------------------------------------------
    def end(self, cid: str, leaves_at: datetime) -> None:
        self.live.discard(cid)
        self.leaves_at[cid] = leaves_at

    def leave(self, cid: str) -> None:
        """The linger ran out: the engine lets the call go (it stays in the audit)."""
        self.gone.add(cid)

    def raise_alert(self, alert: AlertView) -> None:
        self.alerts.insert(0, alert)

    # -- the link -------------------------------------------------------------------------
    async def view(
        self, selected: str | None, *, rows: bool = True, known_version: int | None = None
    ) -> EngineView:
        view = await super().view(selected, rows=rows, known_version=known_version)
        # ready: the scripted engine has no stream, but it takes the board's commands.
        view = dataclasses.replace(view, ready=True)
        if view.rows is None:
            return view
        dressed = tuple(self._dress(r) for r in view.rows if r.conversation_id not in self.gone)
        return dataclasses.replace(view, rows=dressed, alerts=tuple(self.alerts))

    def _dress(self, row: ConversationRow) -> ConversationRow:
        cid = row.conversation_id
        open_alerts = [a for a in self.alerts if a.conversation_id == cid and a.open]
        top = max(open_alerts, key=lambda a: SEVERITY_RANK[a.severity], default=None)
        live = cid in self.live
        return dataclasses.replace(
            row,
            agent_name=AGENTS.get(cid, row.agent_name),
            started_at=row.first_seen - timedelta(seconds=40),
            analytics=ANALYTICS.get(cid),
            open_alerts=len(open_alerts),
            top_severity=top.severity if top else None,
            own_latency_p50_ms=2.1,
            ended_at=None if live else row.ended_at,
            leaves_at=None if live else self.leaves_at.get(cid),
        )

    async def acknowledge(self, alert_id: str, actor: str) -> None:
        for i, alert in enumerate(self.alerts):
            if alert.alert_id == alert_id:
                if not alert.open:
                    raise EngineCommandError(f"already acknowledged by {alert.acknowledged_by}")
                self.alerts[i] = dataclasses.replace(
                    alert, acknowledged_by=actor, acknowledged_at=NOW
                )
                self.acknowledged.append((alert_id, actor))
                return
        raise EngineCommandError(f"no alert {alert_id}")

    async def ended_conversations(self) -> list[ConversationRow]:
        states = self.engine.conversations
        return [self._dress(row_of(states[cid])) for cid in sorted(self.gone)]

    async def reopen(self, conversation_id: str) -> None:
        if conversation_id not in self.gone:
            raise EngineCommandError(f"{conversation_id} is not an ended call")
        self.gone.discard(conversation_id)
        self.leaves_at.pop(conversation_id, None)  # reopened: it stays until closed again

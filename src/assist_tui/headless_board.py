"""The call board in ``run --headless``: open alerts on the status line, each alert as it is
raised, and every call's analytics as JSON at the end."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from assist_tui.engine.live_board import alert_json, alert_text, analytics_json

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine


def board_segment(engine: AssistEngine) -> str:
    """`` | alerts 3 open (1 high+) | sentiment -0.21``: for the status line."""
    board = engine.board
    open_alerts = [a for a in board.alerts.alerts.values() if a.open]
    high = sum(1 for a in open_alerts if a.severity in ("high", "critical"))
    scores = [
        felt.overall
        for cid, felt in board.sentiment.calls.items()
        if felt.overall is not None and cid in engine.conversations
    ]
    mood = f"{sum(scores) / len(scores):+.2f}" if scores else "-"
    return f" | alerts {len(open_alerts)} open ({high} high+) | sentiment {mood}"


def alert_lines(engine: AssistEngine) -> list[str]:
    """The alerts raised since the last call, one ``alert: ...`` line each."""
    return [f"alert: {alert_text(a)}" for a in engine.board.alerts.take_raised()]


def board_json(engine: AssistEngine) -> str:
    """Every call on the board with its analytics and alerts, for the final report."""
    calls = {
        cid: analytics_json(engine.board.analytics(state))
        for cid, state in engine.conversations.items()
    }
    alerts = [alert_json(a) for a in engine.board.alerts.newest_first()]
    return json.dumps({"calls": calls, "alerts": alerts})

"""The call board in ``tail --json`` and ``assist-tui alerts``: finals carry their call's
analytics, and the alerts the rules raise are printed as lines of their own."""

from __future__ import annotations

import json
from collections.abc import Callable

from assist_tui.config import Settings
from assist_tui.engine.alert_rules import load_alert_rules
from assist_tui.engine.live_board import LiveBoard, alert_json, alert_text, analytics_json
from assist_tui.model import (
    ConversationEnded,
    Insight,
    PlatformSentiment,
    StreamEvent,
    UtteranceUpdate,
)

__all__ = ["LiveBoard", "board_for", "board_line", "emit_alerts", "follow_board"]


def board_for(options: object, settings: Settings) -> LiveBoard | None:
    """A board when the output carries analytics (JSON) or is the alerts."""
    if not (getattr(options, "as_json", False) or getattr(options, "alerts_only", False)):
        return None
    return LiveBoard(load_alert_rules(settings.alerts.rules_file))


def _is_final(item: UtteranceUpdate | Insight) -> bool:
    return not isinstance(item, UtteranceUpdate) or item.is_final


def board_line(board: LiveBoard, item: UtteranceUpdate | Insight, options: object) -> str | None:
    """A final in JSON with its call's analytics; None for anything else."""
    if not isinstance(item, UtteranceUpdate) or not item.is_final:
        return None
    analytics = board.on_final(item)
    if getattr(options, "alerts_only", False) or not getattr(options, "as_json", False):
        return None  # the alerts stay for emit_alerts
    data = json.loads(item.model_dump_json())
    data["analytics"] = analytics_json(analytics)
    data["alerts"] = [alert_json(a) for a in board.take_alerts_of(item.conversation_id)]
    return json.dumps(data)


def emit_alerts(board: LiveBoard, options: object, write: Callable[[str], bool]) -> bool:
    """Print the alerts raised since last time; True once the printer should stop.

    With ``tail --json`` this runs after each tick: an alert a final raised went out on
    that final's line, so what is left was raised by the tick or a call's end (a not-said
    window closing, a silence) and gets a ``{"kind": "alert", ...}`` line of its own."""
    as_json = getattr(options, "as_json", False)
    for alert in board.take_alerts():
        if write(json.dumps(alert_json(alert)) if as_json else alert_text(alert)):
            return True
    return False


def follow_board(board: LiveBoard, event: StreamEvent) -> None:
    if isinstance(event, ConversationEnded):
        board.on_ended(event.conversation_id, event.received_at)
    elif isinstance(event, PlatformSentiment):
        board.on_platform_sentiment(event)

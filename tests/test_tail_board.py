"""``tail --json``: alerts a final raises ride on that final's line; alerts raised by the
tick or a call's end get a line of their own when raised, even after the call's last final."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from assist_tui.engine.alert_rules import AlertRule
from assist_tui.model import Speaker, UtteranceUpdate
from assist_tui.tail_board import LiveBoard, board_line, emit_alerts

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=timezone.utc)
JSON = SimpleNamespace(as_json=True, alerts_only=False)
RULES = [
    AlertRule.model_validate(r)
    for r in (
        {"id": "hi", "title": "t", "kind": "said", "phrases": ["hello"]},
        {"id": "bye", "title": "t", "kind": "not_said", "within_s": 30, "phrases": ["goodbye"]},
    )
]


def final(cid: str, text: str, at_s: float) -> UtteranceUpdate:
    return UtteranceUpdate(
        conversation_id=cid,
        speaker=Speaker("agent"),
        utterance_id=f"{cid}-{at_s}",
        text=text,
        confidence=0.9,
        is_final=True,
        offset_ms=int(at_s * 1000),
        received_at=T0 + timedelta(seconds=at_s),
    )


def printer() -> tuple[list[dict[str, object]], Callable[[str], bool]]:
    lines: list[dict[str, object]] = []

    def write(line: str) -> bool:
        lines.append(json.loads(line))
        return False

    return lines, write


def test_a_tick_alert_after_the_last_final_gets_its_own_line() -> None:
    board = LiveBoard(RULES)
    board.alerts.call("a", T0)
    lines, write = printer()
    line = board_line(board, final("a", "hello there", 1), JSON)
    assert line is not None
    row = json.loads(line)
    assert row["kind"] == "utterance" and [a["rule_id"] for a in row["alerts"]] == ["hi"]
    board.tick(T0 + timedelta(seconds=10))
    assert not emit_alerts(board, JSON, write)
    assert lines == []  # the window is still open
    board.tick(T0 + timedelta(seconds=31))  # no final follows: the call's last one was at 1 s
    emit_alerts(board, JSON, write)
    assert [(r["kind"], r["rule_id"], r["conversation_id"]) for r in lines] == [
        ("alert", "bye", "a")
    ]
    emit_alerts(board, JSON, write)
    assert len(lines) == 1  # printed once


def test_an_alert_raised_by_a_calls_end_is_not_lost_to_another_calls_final() -> None:
    board = LiveBoard(RULES)
    board.alerts.call("a", T0)
    lines, write = printer()
    board_line(board, final("a", "hi", 1), JSON)
    board.on_ended("a", T0 + timedelta(seconds=5))  # the not-said window closes at the end
    other = board_line(board, final("b", "hello", 6), JSON)  # before the next tick
    assert other is not None
    assert [a["rule_id"] for a in json.loads(other)["alerts"]] == ["hi"]  # b's own only
    emit_alerts(board, JSON, write)
    assert [(r["rule_id"], r["conversation_id"]) for r in lines] == [("bye", "a")]

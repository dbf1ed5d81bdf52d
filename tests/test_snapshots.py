"""Snapshot tests of the dashboard at a wide and an 80x24 terminal, from a scripted engine.

Update after an intended UI change with ``pytest tests/test_snapshots.py --snapshot-update``
and review the SVGs in ``tests/__snapshots__/`` (the failure report shows the difference).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from assist_tui.ui.alerts_pane import AlertsPane
from assist_tui.ui.app import AssistApp
from assist_tui.ui.board import ConversationTable
from assist_tui.ui.panes import HitsTable
from assist_tui.ui.transcript import TranscriptView

from .scripted_board import NOW, TOMAS, ScriptedBoard
from .scripted_engine import scripted_engine
from .test_dashboard import demo_settings

SnapCompare = Callable[..., bool]


@pytest.fixture
def scripted_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AssistApp:
    monkeypatch.setenv("TZ", "UTC")  # times on screen do not depend on the machine
    time.tzset()
    # Live calls' durations tick from the board's clock: fixed here.
    monkeypatch.setattr(ConversationTable, "clock", staticmethod(lambda: NOW))
    engine = asyncio.run(scripted_engine(tmp_path))
    # A fixed supervisor: the OS user would make the acknowledgement differ by machine.
    settings = demo_settings(ui={"supervisor": "sam.lee"})
    app = AssistApp(settings, export_dir=tmp_path / "exports", engine=engine)
    app.link = ScriptedBoard(engine, app.label)  # the board's figures, alerts and commands
    return app


async def settled(pilot: Pilot[Any]) -> None:
    """Wait until every pane has drawn the scripted state."""
    app = pilot.app
    for _ in range(200):
        table = app.query_one(ConversationTable)
        if (
            table.row_count == 3
            and app.query_one(TranscriptView)._rows
            and app.query_one(HitsTable).row_count
            and app.query_one(AlertsPane).row_count == 4
        ):
            break
        await pilot.pause(0.02)
    await pilot.pause(0.3)  # gauges refresh at 4 Hz


def test_dashboard_wide(snap_compare: SnapCompare, scripted_app: AssistApp) -> None:
    assert snap_compare(scripted_app, terminal_size=(140, 40), run_before=settled)


def test_dashboard_narrow(snap_compare: SnapCompare, scripted_app: AssistApp) -> None:
    assert snap_compare(scripted_app, terminal_size=(80, 24), run_before=settled)


def test_second_conversation_selected(snap_compare: SnapCompare, scripted_app: AssistApp) -> None:
    async def select_second(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        await pilot.press("down")
        await settled(pilot)

    assert snap_compare(scripted_app, terminal_size=(140, 40), run_before=select_second)


def test_help_screen(snap_compare: SnapCompare, scripted_app: AssistApp) -> None:
    async def help_open(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.3)

    assert snap_compare(scripted_app, terminal_size=(140, 40), run_before=help_open)


def test_alerts_pane_narrow(snap_compare: SnapCompare, scripted_app: AssistApp) -> None:
    """The alerts pane focused at 80x24, its cursor on an older alert."""

    async def alerts_focused(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        pilot.app.query_one(AlertsPane).focus()
        await pilot.press("down")
        await pilot.pause(0.3)

    assert snap_compare(scripted_app, terminal_size=(80, 24), run_before=alerts_focused)


def test_board_after_acknowledge_wide(snap_compare: SnapCompare, scripted_app: AssistApp) -> None:
    """Owen's critical alert acknowledged: the pane names who, the board reorders."""

    async def acknowledged(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        pilot.app.query_one(AlertsPane).focus()
        await pilot.press("a")
        for _ in range(100):
            if pilot.app.query_one(AlertsPane).cells_at(0)[-1][0].startswith("✓"):
                break
            await pilot.pause(0.02)
        pilot.app.clear_notifications()
        await pilot.pause(0.3)

    assert snap_compare(scripted_app, terminal_size=(140, 40), run_before=acknowledged)


def test_ended_calls_view(snap_compare: SnapCompare, scripted_app: AssistApp) -> None:
    """A call that left the board, listed by E for reopening."""

    async def ended_view(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        link = pilot.app.link
        assert isinstance(link, ScriptedBoard)
        link.leave(TOMAS)
        pilot.app._rows_due = True  # type: ignore[attr-defined]
        await pilot.pause(0.3)
        await pilot.press("E")
        await pilot.pause(0.5)

    assert snap_compare(scripted_app, terminal_size=(140, 40), run_before=ended_view)

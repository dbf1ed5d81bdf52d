"""The call board and the alerts pane driven by keys (Pilot), over the scripted engine and
its board link: attention order, linger and the ended calls view, reopen, the jump from an
alert to its moment, acknowledgement, and the bell / desktop notification."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from assist_tui.config import UiSettings
from assist_tui.engine.board_types import AlertView
from assist_tui.ui.alert_notify import AlertNotifier, supervisor_name
from assist_tui.ui.alerts_pane import AlertsPane
from assist_tui.ui.app import AssistApp
from assist_tui.ui.board import ConversationTable
from assist_tui.ui.ended_screen import EndedList, EndedScreen
from assist_tui.ui.transcript import TranscriptView

from .scripted_board import HANNAH, NOW, OWEN, TOMAS, ScriptedBoard
from .scripted_engine import T0, scripted_engine
from .test_dashboard import demo_settings, until


@contextlib.asynccontextmanager
async def board_app(
    tmp_path: Path, size: tuple[int, int] = (140, 40), **ui: object
) -> AsyncIterator[tuple[AssistApp, Pilot[None], ScriptedBoard]]:
    engine = await scripted_engine(tmp_path)
    app = AssistApp(demo_settings(ui=dict(ui)), export_dir=tmp_path / "exports", engine=engine)
    link = ScriptedBoard(engine, app.label)
    app.link = link
    async with app.run_test(size=size) as pilot:
        app.query_one(ConversationTable).clock = lambda: NOW  # live durations fixed
        app._rows_due = True
        await until(pilot, lambda: app.query_one(ConversationTable).row_count == 3)
        await until(pilot, lambda: app.query_one(AlertsPane).row_count == 4)
        yield app, pilot, link


def board_keys(app: AssistApp) -> list[str]:
    return list(app.query_one(ConversationTable)._keys)


def alert(n: int, cid: str, severity: str, utterance: str | None = None) -> AlertView:
    return AlertView(
        alert_id=f"new-{n}",
        conversation_id=cid,
        rule_id="test.rule",
        title=f"test alert {n}",
        severity=severity,  # type: ignore[arg-type]
        raised_at=NOW,
        call_offset_ms=None,
        utterance_id=utterance,
        detail="raised by the test",
    )


async def test_the_board_orders_by_attention_and_the_cursor_follows_its_call(
    tmp_path: Path,
) -> None:
    async with board_app(tmp_path) as (app, pilot, link):
        # Live before ended; Owen's open alert is critical, Hannah's worst is high.
        assert board_keys(app) == [OWEN, HANNAH, TOMAS]
        table = app.query_one(ConversationTable)
        assert table.selected == OWEN
        link.raise_alert(alert(1, HANNAH, "critical"))
        await until(pilot, lambda: board_keys(app) == [HANNAH, OWEN, TOMAS])
        # The order changed under the cursor: it stayed on Owen's call.
        assert table.selected == OWEN and table.cursor_row == 1
        cells = dict(zip([c.title for c in table.COLUMNS], table.cells_at(0), strict=True))
        assert cells["agent"][0] == "Hannah Reyes" and cells["queue"][0] == "billing"
        assert cells["!"] == ("3!", "bold white on red")  # three open, the worst critical
        assert cells["sent"][0] == "-0.42↓" and "red" in cells["sent"][1]
        assert cells["time"][0] == "4:52"  # from the platform's start, not first sight
        owen = dict(zip([c.title for c in table.COLUMNS], table.cells_at(1), strict=True))
        assert owen["talk"] == ("sil 14s", "yellow")  # a silence over 5 s replaces the ratio


async def test_an_ended_call_dims_leaves_and_reopens_from_the_ended_view(tmp_path: Path) -> None:
    async with board_app(tmp_path) as (app, pilot, link):
        table = app.query_one(ConversationTable)
        hannah = table.cells_at(board_keys(app).index(HANNAH))
        assert not any("dim" in style for _, style in hannah)
        link.end(HANNAH, NOW + timedelta(minutes=2))
        await until(pilot, lambda: table.cells_at(board_keys(app).index(HANNAH))[-2][0] == "end")
        assert board_keys(app)[0] == OWEN  # ended calls go below the live ones
        ended = table.cells_at(board_keys(app).index(HANNAH))
        assert all(style.startswith("dim") for _, style in ended), ended  # dim while it lingers
        assert ended[-2][0] == "end"
        link.leave(HANNAH)
        await until(pilot, lambda: HANNAH not in board_keys(app))
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, EndedScreen))
        listed = app.screen.query_one(EndedList)
        await until(pilot, lambda: listed.row_count == 1)
        assert listed.selected == HANNAH
        await pilot.press("enter")
        await until(pilot, lambda: HANNAH in board_keys(app))
        assert not isinstance(app.screen, EndedScreen)
        assert HANNAH not in link.gone
        await until(pilot, lambda: table.selected == HANNAH)


async def test_enter_on_an_alert_jumps_to_its_call_and_line(tmp_path: Path) -> None:
    async with board_app(tmp_path, size=(80, 24)) as (app, pilot, link):
        table = app.query_one(ConversationTable)
        assert table.selected == OWEN
        link.raise_alert(alert(2, HANNAH, "low", utterance="7d3f-1"))
        pane = app.query_one(AlertsPane)
        await until(pilot, lambda: pane.row_count == 5)
        pane.focus()
        await pilot.pause(0.05)
        assert pane.selected == "new-2"  # newest first
        await pilot.press("enter")
        transcript = app.query_one(TranscriptView)
        await until(pilot, lambda: table.selected == HANNAH)
        await until(
            pilot,
            lambda: (
                bool(transcript._lines) and transcript._lines[0].utterance_id.startswith("7d3f")
            ),
        )
        # The line that raised it is at the top: the rows of the one line before it.
        first_rows = len(transcript._strips(transcript._lines[0], transcript._width))
        assert 0 < first_rows <= transcript.max_scroll_y  # the jump has to scroll
        await until(pilot, lambda: transcript.scroll_y == first_rows)


async def test_a_acknowledges_the_selected_alert_as_the_supervisor(tmp_path: Path) -> None:
    async with board_app(tmp_path, supervisor="dana.k") as (app, pilot, link):
        pane = app.query_one(AlertsPane)
        pane.focus()
        await pilot.pause(0.05)
        assert pane.selected == "a-4"  # Owen's critical alert, the newest
        await pilot.press("a")
        await until(pilot, lambda: link.acknowledged == [("a-4", "dana.k")])
        await until(pilot, lambda: pane.cells_at(0)[-1][0] == "✓ dana.k", 3)
        # Owen has no open alert now: Hannah's high one puts her first.
        await until(pilot, lambda: board_keys(app) == [HANNAH, OWEN, TOMAS], 3)
        await pilot.press("a")  # already acknowledged: not sent again
        await pilot.pause(0.2)
        assert link.acknowledged == [("a-4", "dana.k")]


async def test_a_new_alert_never_moves_the_focused_cursor_and_is_counted_above(
    tmp_path: Path,
) -> None:
    """A supervisor reading the top alert of a focused pane presses a: it is that alert
    that is acknowledged, not one that arrived meanwhile; the title counts the newer."""
    async with board_app(tmp_path, supervisor="dana.k", size=(140, 30)) as (app, pilot, link):
        pane = app.query_one(AlertsPane)
        title = app.query_one("#alerts-title")
        pane.focus()
        await pilot.pause(0.05)
        assert pane.selected == "a-4" and pane.cursor_row == 0
        for n in range(8):  # more than the pane's rows: the cursor's row scrolls down
            link.raise_alert(alert(10 + n, HANNAH, "high"))
        await until(pilot, lambda: pane.row_count == 12)
        assert pane.selected == "a-4"
        await until(pilot, lambda: "newer (home)" in str(title.render()))
        await pilot.press("a")
        await until(pilot, lambda: link.acknowledged == [("a-4", "dana.k")])
        await pilot.press("home")
        assert pane.selected == "new-17"
        await until(pilot, lambda: "newer" not in str(title.render()))
        pane.blur()  # unfocused, the pane follows the newest again
        await pilot.pause(0.05)
        link.raise_alert(alert(30, OWEN, "low"))
        await until(pilot, lambda: pane.row_count == 13)
        assert pane.selected == "new-30"


async def test_the_bell_rings_for_a_new_high_alert_only_when_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with board_app(tmp_path, bell=True) as (app, pilot, link):
        rings: list[int] = []
        monkeypatch.setattr(app, "bell", lambda: rings.append(1))
        app._alert_notifier.bell = app.bell
        link.raise_alert(alert(3, HANNAH, "medium"))
        await until(pilot, lambda: app.query_one(AlertsPane).row_count == 5)
        assert rings == []  # medium is not loud
        link.raise_alert(alert(4, OWEN, "high"))
        await until(pilot, lambda: rings == [1])
    async with board_app(tmp_path / "off") as (app, pilot, link):
        assert app._alert_notifier.settings.bell is False  # off by default
        rings2: list[int] = []
        app._alert_notifier.bell = lambda: rings2.append(1)
        link.raise_alert(alert(5, OWEN, "critical"))
        await until(pilot, lambda: app.query_one(AlertsPane).row_count == 5)
        await pilot.pause(0.2)
        assert rings2 == []


async def test_desktop_notification_runs_notify_send_without_a_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    out = tmp_path / "notified.txt"
    script = bin_dir / "notify-send"
    script.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> {out}\necho >> {out}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    notifier = AlertNotifier(UiSettings(desktop_notify=True), bell=lambda: None)
    notifier.seen((), {})  # the first view: nothing there is news
    title = "Customer said `rm -rf` $(cancel)"  # reaches notify-send as one argument
    loud = alert(6, HANNAH, "critical")
    loud = AlertView(**{**{f: getattr(loud, f) for f in loud.__slots__}, "title": title})
    notifier.seen((loud, alert(7, OWEN, "low")), {HANNAH: "Hannah Reyes"})
    for task in list(notifier._tasks):
        await task
    lines = out.read_text().splitlines()
    assert lines == [
        "--urgency|critical|--app-name|assist-tui|assist-tui critical alert|"
        f"{title} (Hannah Reyes)|"
    ]


def test_the_supervisor_is_the_configured_name_or_the_os_user() -> None:
    assert supervisor_name(UiSettings(supervisor=" dana.k ")) == "dana.k"
    assert supervisor_name(UiSettings()) not in ("", None)
    assert T0 < NOW


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((80, 24), ["agent", "!", "time"]),  # 24 columns: the transcript keeps 30
        ((120, 30), ["agent", "!", "sent", "queue", "time", "talk", ""]),
        ((140, 40), ["agent", "!", "sent", "queue", "time", "talk", "audio", ""]),
        ((180, 40), [c.title for c in ConversationTable.COLUMNS]),
    ],
)
async def test_the_board_takes_the_room_it_needs(
    tmp_path: Path, size: tuple[int, int], expected: list[str]
) -> None:
    async with board_app(tmp_path, size=size) as (app, _pilot, _):
        table = app.query_one(ConversationTable)
        shown = [table.COLUMNS[i].title for i, _ in table._shown_columns(table.size.width)]
        assert shown == expected


async def test_the_palette_acknowledges_and_jumps_as_the_alerts_pane_keys_do(
    tmp_path: Path,
) -> None:
    async with board_app(tmp_path, supervisor="dana.k") as (app, pilot, link):
        titles = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"Acknowledge the alert", "Jump to the alert's moment"} <= set(titles)
        assert {"Open the hit or suggestion", "Copy the transcript's lines"} <= set(titles)
        await titles["Acknowledge the alert"].callback()  # as chosen in the palette
        await until(pilot, lambda: link.acknowledged == [("a-4", "dana.k")])
        table = app.query_one(ConversationTable)
        table.action_jump(table._keys.index(HANNAH))  # another call is selected...
        await until(pilot, lambda: table.selected == HANNAH)
        await titles["Jump to the alert's moment"].callback()  # ...the alert's comes back
        await until(pilot, lambda: table.selected == OWEN)


async def test_a_reopened_call_has_its_sentiment_talk_audio_and_alerts_back(
    tmp_path: Path,
) -> None:
    from assist_tui.engine.snapshot import row_of
    from tests.scripted_engine import CALLS, scripted_engine

    engine = await scripted_engine(tmp_path)
    engine.audit.flush()  # the finals a reopen reads back
    cid = next(iter(CALLS))
    board = engine.board
    state = engine.conversations[cid]
    board.alerts.raise_alert(cid, board.alerts.rules[0], "raised by the test", None, NOW)
    before = row_of(state, board)
    assert before.analytics is not None and before.analytics.sentiment is not None
    assert before.open_alerts >= 1
    state.ended_at = NOW
    board.leave(state)
    assert cid not in engine.conversations
    engine.reopen(cid)
    after = row_of(engine.conversations[cid], board)
    assert after.analytics is not None
    assert after.analytics.sentiment == before.analytics.sentiment
    assert after.analytics.talk_ms == before.analytics.talk_ms
    assert after.status == before.status and after.open_alerts == before.open_alerts
    board.tick(NOW + timedelta(seconds=1))  # its windows closed when it ended: none again
    assert row_of(engine.conversations[cid], board).open_alerts == before.open_alerts

"""One-time notices go to the notices screen (n), counted on the status bar, not as prose."""

from __future__ import annotations

from pathlib import Path

from assist_tui.engine.snapshot import EngineView
from assist_tui.model import StreamHealth, StreamState
from assist_tui.ui.app import AssistApp
from assist_tui.ui.notices import NoticeLog, NoticesScreen
from assist_tui.ui.panes import StatusBar, status_text

from .scripted_engine import scripted_engine
from .test_dashboard import demo_settings
from .test_snapshots import settled

PIPELINE = "the trained pipeline 'en_core_web_sm' is not installed: entities come from rules"


def view_of(**changes: object) -> EngineView:
    """A connected engine's view for the status bar, with ``changes``."""
    fields: dict[str, object] = {
        "ready": True,
        "source": "notifications",
        "health": StreamHealth(state=StreamState.CONNECTED),
        "heartbeat_age_s": 0.0,
        "rate": 4.2,
        "events": 10,
        "reconnects": 0,
        "rejected": 0,
        "paused": 0,
        "rows": None,
        "gauges": None,
        "content": None,
        "notices": (),
    }
    fields.update(changes)
    return EngineView(**fields)  # type: ignore[arg-type]


def test_log_keeps_each_notice_once_and_counts_unread() -> None:
    log = NoticeLog()
    assert log.badge() == ""
    assert log.add("a") and not log.add("a") and log.add("b")
    assert log.badge() == "notices 2, 2 new (n)"
    log.unread = 0
    assert log.badge() == "notices 2 (n)"


async def test_notice_is_counted_on_the_status_bar_and_read_on_n(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    app = AssistApp(demo_settings(), export_dir=tmp_path / "exports", engine=engine)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot)
        engine.notices.append(PIPELINE)
        for _ in range(100):
            if app.notices.entries:
                break
            await pilot.pause(0.05)
        app._rows_due = True
        await app.refresh_view()
        bar = str(app.query_one(StatusBar).render())
        assert "notices 1, 1 new (n)" in bar and "trained pipeline" not in bar
        assert not app._notifications  # no toast
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoticesScreen)
        assert any(PIPELINE in str(s.render()) for s in app.screen.query("Static"))
        await pilot.press("escape")
        await pilot.pause()
        app._rows_due = True
        await app.refresh_view()
        assert "notices 1 (n)" in str(app.query_one(StatusBar).render())


def test_status_bar_gives_up_prose_before_the_counts_at_every_width() -> None:
    """The heartbeat's age, the app's name, the emulator's URL and the long words go, in
    turn, so the state, the counts and the notices badge stay whole."""
    view = view_of(reconnects=12, rejected=3, paused=2, gaps=4, gap_seconds=31.0)
    label = "DEMO http://127.0.0.1:34429"
    badge = "notices 2, 1 new (n)"
    wide = status_text(view, label, badge, width=220).plain
    assert "heard 0 s ago" in wide and "assist-tui" in wide and "127.0.0.1" in wide
    for width in (160, 140, 120, 100, 90, 80):
        line = status_text(view, label, badge, width=width)
        assert line.cell_len <= width, (width, line.plain)
        for part in ("DEMO", "connected", "4.2 ev/s", "12", "3", "gaps 4", "⏸", badge):
            assert part in line.plain, (width, part, line.plain)
    # What goes first is the least needed: at 160 only the heartbeat's age and the name.
    at_160 = status_text(view, label, badge, width=160).plain
    assert "127.0.0.1" in at_160 and "heard" not in at_160 and "assist-tui" not in at_160
    # Too narrow for everything: the most compact form, cut at the end by the widget.
    tight = status_text(view, label, badge, width=40).plain
    assert tight.startswith(" DEMO  ● connected reconn 12 rej 3 gaps 4 ⏸ 2 notices")


def test_a_reconnect_says_why_in_a_word_or_two() -> None:
    def bar(detail: str, width: int = 200) -> str:
        health = StreamHealth(
            state=StreamState.RECONNECTING, detail=detail, attempt=5, next_delay_s=3.1
        )
        view = view_of(health=health, heartbeat_age_s=None, rate=0.0, events=0, reconnects=5)
        return status_text(view, "DEMO", width=width).plain

    said = "connection lost; the token request is rate limited (429) after 4 retries"
    assert "◌ reconnecting (attempt 5, next in 3.1 s; rate limited)" in bar(said)
    assert "; no heartbeat)" in bar("no heartbeat for 2.5 intervals")
    assert "(attempt 5, next in 3.1 s)" in bar("socket closed 1006")  # nothing short to say
    assert "rate limited" not in bar(said, width=60)  # given up before the counts


async def test_a_toast_shows_square_brackets_as_text(tmp_path: Path) -> None:
    """'set [audit] path' in an engine's reason lost '[audit]' (read as markup)."""
    engine = await scripted_engine(tmp_path)
    app = AssistApp(demo_settings(), export_dir=tmp_path / "exports", engine=engine)
    async with app.run_test(size=(100, 30)) as pilot:
        app.notify("fix: restore that audit.key, or set [audit] path to start a new store")
        await pilot.pause()
        [toast] = list(app._notifications)
        assert toast.markup is False and "[audit] path" in toast.message


def test_at_60_columns_the_notices_badge_stays_whole() -> None:
    view = view_of(rate=4.5, reconnects=1, paused=3, gaps=1, gap_seconds=2.0)
    for width in (60, 59):
        line = status_text(view, "DEMO http://127.0.0.1:1", "notices 1, 1 new (n)", width=width)
        assert line.cell_len <= width and "notices 1, 1 new (n)" in line.plain, line.plain
        assert "reconn 1" in line.plain and "gaps 1" in line.plain and "⏸ 3" in line.plain
        assert "rej 0" not in line.plain  # a zero count gave way first

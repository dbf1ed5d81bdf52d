"""One-time notices go to the notices screen (n), counted on the status bar, not as prose."""

from __future__ import annotations

from pathlib import Path

from assist_tui.ui.app import AssistApp
from assist_tui.ui.notices import NoticeLog, NoticesScreen
from assist_tui.ui.panes import StatusBar

from .scripted_engine import scripted_engine
from .test_dashboard import demo_settings
from .test_snapshots import settled

PIPELINE = "the trained pipeline 'en_core_web_sm' is not installed: entities come from rules"


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

"""``assist-tui replay FILE`` on the dashboard: the real app over a replayed engine; the
status bar says REPLAY, the file and the speed, shows progress, and shows the end."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from assist_tui.config import Settings
from assist_tui.engine.replay_feed import Source
from assist_tui.replay import file_source
from assist_tui.ui.replay_app import ReplayApp

from .test_bus_frames import shift
from .test_dashboard import until
from .test_replay import T0, write_recording


async def test_the_dashboard_plays_a_recording_and_shows_its_end(tmp_path: Path) -> None:
    events = [*shift("call-a", 3), *shift("call-b", 2)]
    items = [(event, T0 + timedelta(seconds=n)) for n, event in enumerate(events)]
    path = write_recording(tmp_path / "shift.jsonl", items)
    source = file_source(path, None, None, None)

    async def opened() -> tuple[Source, object]:
        async def release() -> None:
            return None

        return source, release

    settings = Settings.model_validate({"nlp": {"trained_pipeline": ""}})
    app = ReplayApp(settings, 0.0, opened)  # type: ignore[arg-type]
    async with app.run_test(size=(140, 40)) as pilot:
        status = app.query_one("#status")
        await until(pilot, lambda: "end of recording" in str(status.render()), 30)
        shown = str(status.render())
        assert "REPLAY shift.jsonl \u00d70" in shown
        assert "● connected" in shown  # the recording has no health event of its own
        assert f"00:00:{len(events) - 1:02d} / 00:00:{len(events) - 1:02d}" in shown
        await until(pilot, lambda: {r.conversation_id for r in app.rows} >= {"call-a", "call-b"})
        assert app.feed is not None and app.feed.played == len(events)
        assert app.link is not None and "assist-tui-replay-" in str(app.link.audit_path)

"""Gaps on screen: the status bar counts them once there is one, the transcript marks
a gap line and flags backfilled lines."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widget import Widget

from assist_tui.engine.conversation import Line
from assist_tui.engine.snapshot import EngineView
from assist_tui.model import Speaker, StreamHealth, StreamState
from assist_tui.ui.panes import StatusBar
from assist_tui.ui.transcript import TranscriptView

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)


class PaneApp(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def view(gaps: int, seconds: float) -> EngineView:
    return EngineView(
        ready=True,
        source="notifications",
        health=StreamHealth(state=StreamState.CONNECTED),
        heartbeat_age_s=1.0,
        rate=4.0,
        events=10,
        reconnects=gaps,
        rejected=0,
        paused=0,
        rows=None,
        gauges=None,
        content=None,
        notices=(),
        gaps=gaps,
        gap_seconds=seconds,
    )


def shown(bar: StatusBar) -> str:
    assert isinstance(bar._shown, Text)
    return bar._shown.plain


async def test_status_bar_counts_gaps_once_there_is_one() -> None:
    bar = StatusBar()
    async with PaneApp(bar).run_test(size=(160, 3)):
        bar.update_from(view(0, 0.0), "DEMO")
        assert "gaps" not in shown(bar)  # a clean run's bar is as it was
        bar.update_from(view(3, 5.4), "DEMO")
        assert "gaps 3 (5 s)" in shown(bar)


def line(uid: str, text: str, **extra: object) -> Line:
    return Line(
        utterance_id=uid,
        speaker=Speaker.UNKNOWN if extra.get("kind") == "gap" else Speaker.CUSTOMER,
        text=text,
        is_final=True,
        confidence=0.9,
        offset_ms=None,
        duration_ms=None,
        received_at=T0,
        **extra,  # type: ignore[arg-type]
    )


async def test_transcript_marks_the_gap_and_flags_backfilled_lines() -> None:
    transcript = TranscriptView()
    async with PaneApp(transcript).run_test(size=(100, 10)) as pilot:
        transcript.show(
            [
                line("u1", "hello"),
                line("gap-1", "stream gap 09:00:01 to 09:00:03 (2.0 s): filled", kind="gap"),
                line("b1", "what was lost", backfilled=True),
            ]
        )
        await pilot.pause()
        rows = [transcript.render_line(y).text for y in range(3)]
        assert "stream gap 09:00:01 to 09:00:03" in rows[1]
        assert "what was lost" in rows[2] and "[backfilled]" in rows[2]

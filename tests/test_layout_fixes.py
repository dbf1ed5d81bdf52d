"""Layout fixes that hold at any width: a latency tag never wraps mid-tag; resizing down and
back up restores the wide layout."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Label

from assist_tui.engine.conversation import Line
from assist_tui.model import Speaker
from assist_tui.ui.app import AssistApp
from assist_tui.ui.screens import ConfirmScreen
from assist_tui.ui.transcript import TranscriptView

from .scripted_engine import scripted_engine
from .test_dashboard import demo_settings, until
from .test_snapshots import settled


class Host(App[None]):
    CSS_PATH = str(Path(__file__).resolve().parents[1] / "src/assist_tui/ui/app.tcss")

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {"agent": "#7FB3E6", "customer": "#F2C57C"}

    def compose(self) -> ComposeResult:
        yield TranscriptView()


def late_line(text: str) -> Line:
    return Line(
        utterance_id="u1",
        speaker=Speaker.CUSTOMER,
        text=text,
        is_final=True,
        confidence=0.9,
        offset_ms=0,
        duration_ms=1000,
        received_at=datetime.now(timezone.utc),
        latency_ms=505.0,
        late=True,
    )


async def test_latency_tag_is_never_split_across_lines() -> None:
    app = Host()
    async with app.run_test(size=(60, 10)):
        view = app.query_one(TranscriptView)
        for width in range(20, 60):
            for words in range(1, 12):
                text = " ".join(["refund"] * words)
                rendered = [s.text.rstrip() for s in view._strips(late_line(text), width)]
                joined = "\n".join(rendered)
                assert "[505 ms]" in joined, (width, words, rendered)
                assert all(len(s) <= width for s in rendered)


async def test_resizing_down_and_back_up_restores_the_wide_layout(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    app = AssistApp(demo_settings(), export_dir=tmp_path / "exports", engine=engine)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot)
        wide = app.query_one(TranscriptView).size.width
        assert not app.has_class("narrow")
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: app.has_class("narrow"))
        await pilot.resize_terminal(140, 40)
        await until(pilot, lambda: not app.has_class("narrow"))
        await until(pilot, lambda: app.query_one(TranscriptView).size.width == wide)


class Asking(Host):
    def on_mount(self) -> None:
        self.push_screen(ConfirmScreen(QUESTION))


QUESTION = (
    "Stop following 5a0fa0f4? Its transcript and hits leave the screen; the audit log "
    "keeps every record of it, and subscribing again shows it once more."
)


async def test_a_long_question_wraps_inside_its_dialog_at_any_width() -> None:
    for size in ((200, 50), (80, 24), (60, 20)):
        app = Asking()
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            label = app.screen.query_one("#question", Label)
            dialog = app.screen.query_one("#dialog")
            assert label.region.right <= dialog.region.right, size
            # every word is laid out: the rows times the width hold the whole question
            assert label.size.height >= 2 and label.size.width * label.size.height >= len(
                QUESTION
            ), size

"""Text that fits at any size: the footer shows only main keys when narrow, the transcript
keeps its width at 60 columns, a hit keeps the space after it, pick boxes show their state."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets._footer import FooterKey

from assist_tui.ui.alerts_pane import AlertsPane
from assist_tui.ui.app import AssistApp
from assist_tui.ui.footer import MAIN_ACTIONS, PRIORITY
from assist_tui.ui.panes import HitsTable
from assist_tui.ui.pick_list import PickList
from assist_tui.ui.transcript import TranscriptView

from .scripted_engine import scripted_engine
from .test_dashboard import demo_settings, until
from .test_layout_fixes import Host, late_line
from .test_snapshots import settled


def footer_keys(app: AssistApp) -> list[FooterKey]:
    return [key for key in app.screen.query(FooterKey) if key.display]


async def test_footer_shows_main_keys_when_narrow_and_all_when_wide(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    app = AssistApp(demo_settings(), export_dir=tmp_path / "exports", engine=engine)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot)
        wide = {key.action for key in footer_keys(app)}
        assert wide > MAIN_ACTIONS and {"ended", "export"} <= wide
        for size in ((140, 40), (100, 30), (80, 24), (60, 20)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.3)
            keys = [k for k in footer_keys(app) if not k.has_class("-command-palette")]
            assert set(PRIORITY[:5]) <= {key.action for key in keys}
            if size[0] == 80:
                assert {key.action for key in keys} == MAIN_ACTIONS
            # Every entry is drawn whole, left of the palette entry: none is cut.
            for key in keys:
                region = key.region
                assert region.right <= size[0] - 10, (size, key.action, region)
                assert region.width >= len(key.description) + 1
        await pilot.resize_terminal(140, 40)
        await until(pilot, lambda: {key.action for key in footer_keys(app)} == wide)


async def test_transcript_keeps_a_useful_width_at_60_columns(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    app = AssistApp(demo_settings(), export_dir=tmp_path / "exports", engine=engine)
    async with app.run_test(size=(60, 20)) as pilot:
        await settled(pilot)
        assert app.has_class("tiny")
        assert app.query_one(TranscriptView).size.width >= 30
        await pilot.resize_terminal(140, 40)
        await until(pilot, lambda: not app.has_class("tiny") and app.query_one("#right").display)
        # Every width in between keeps 30 columns of transcript (100: 25 before).
        for width in (80, 90, 100, 110, 119, 120, 130):
            await pilot.resize_terminal(width, 30)
            await pilot.pause(0.2)
            assert app.query_one(TranscriptView).size.width >= 30, width
        assert not app.has_class("medium")  # 130: the board's full room again


async def test_a_hit_keeps_the_space_after_it_at_every_wrap() -> None:
    app = Host()
    async with app.run_test(size=(60, 10)):
        view = app.query_one(TranscriptView)
        text = "I was billed twice for this and then billed twice again"
        start = text.index("billed twice")
        line = replace(
            late_line(text), hits=[(start, start + len("billed twice"), "r")], late=False
        )
        for width in range(14, 60):
            rendered = [s.text[6:].strip() for s in view._strips(line, width)]
            assert " ".join(rendered) == text, (width, rendered)
            # Only the hit is highlighted: never the space or the word after it.
            lit = [
                segment.text.strip()
                for strip in view._strips(line, width)
                for segment in strip
                if segment.style and segment.style.underline
            ]
            assert " ".join(w for w in lit if w) == "billed twice", (width, lit)


class PickApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PickList(("first", "a"), ("second", "b", True))


async def test_pick_boxes_show_their_state_in_text() -> None:
    app = PickApp()
    async with app.run_test(size=(40, 6)) as pilot:
        picks = app.query_one(PickList)
        assert picks.render_line(0).text.startswith("[ ] first")
        assert picks.render_line(1).text.startswith("[x] second")
        picks.focus()
        await pilot.press("space")  # picks the highlighted first option
        await pilot.pause()
        assert picks.render_line(0).text.startswith("[x] first")


async def test_c_in_the_transcript_copies_the_visible_lines(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    app = AssistApp(demo_settings(), export_dir=tmp_path / "exports", engine=engine)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot)
        view = app.query_one(TranscriptView)
        view.focus()
        await pilot.press("c")
        await pilot.pause()
        assert copied == [view.visible_text()]
        assert copied[0].startswith("AGENT ") and "CUST " in copied[0]


async def test_the_focused_panes_keys_lead_the_footer(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    app = AssistApp(demo_settings(), export_dir=tmp_path / "exports", engine=engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        app.query_one(HitsTable).focus()
        await until(pilot, lambda: {"open_entry", "copy_entry"} <= actions(app))
        app.query_one(AlertsPane).focus()
        await until(pilot, lambda: {"acknowledge", "open_alert"} <= actions(app))
        assert "open_entry" not in actions(app)  # only the focused pane's


def actions(app: AssistApp) -> set[str]:
    return {key.action for key in footer_keys(app)}

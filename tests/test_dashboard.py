"""The dashboard driven by keys (Pilot), against the in-process emulator: the real app,
the real engine worker, real sockets."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from assist_tui.config import Settings
from assist_tui.ui.app import AssistApp
from assist_tui.ui.panes import ConversationTable
from assist_tui.ui.screens import AuditScreen, ConfirmScreen, SubscribeScreen
from assist_tui.ui.themes import load_themes
from assist_tui.ui.transcript import TranscriptView


def demo_settings(**sections: dict[str, object]) -> Settings:
    data: dict[str, object] = {
        "demo": True,
        "emulator": {"speed": 4, "heartbeat_interval_s": 1, "concurrent": 3, "seed": 3},
        "quality": {"poll_interval_s": 0.5},
        "nlp": {"trained_pipeline": ""},
    }
    data.update(sections)
    return Settings.model_validate(data)


@contextlib.asynccontextmanager
async def dashboard(
    tmp_path: Path, size: tuple[int, int] = (140, 40)
) -> AsyncIterator[tuple[AssistApp, Pilot[None]]]:
    app = AssistApp(demo_settings(), export_dir=tmp_path / "exports")
    async with app.run_test(size=size) as pilot:
        await until(
            pilot, lambda: app.engine is not None and len(app.engine.conversations) >= 2, 30
        )
        await until(pilot, lambda: app.query_one(ConversationTable).row_count >= 2)
        yield app, pilot


async def until(pilot: Pilot[None], predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    waited = 0.0
    while not predicate():
        if waited > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.05)
        waited += 0.05


def audit_kinds(app: AssistApp) -> list[str]:
    assert app.audit is not None
    app.audit.flush()
    return [r.kind for r in app.audit.records()]


async def test_live_dashboard_shows_transcript_hits_and_status(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        transcript = app.query_one(TranscriptView)
        await until(pilot, lambda: len(transcript._rows) > 0, 20)
        status = app.query_one("#status")
        await until(pilot, lambda: "● connected" in str(status.render()), 5)
        assert "DEMO" in str(status.render())
        table = app.query_one(ConversationTable)
        assert table.selected in app.engine.conversations  # type: ignore[union-attr]
        await pilot.press("down")
        await pilot.pause(0.2)
        assert table.cursor_row == 1


async def test_pause_freezes_display_and_resume_catches_up(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        cid = app.query_one(ConversationTable).selected
        assert app.engine is not None and cid is not None
        await pilot.press("p")
        state = app.engine.conversations[cid]
        assert state.paused and app.query_one(TranscriptView).frozen
        shown = list(app.query_one(TranscriptView)._keys)
        finals_then = state.finals
        await until(pilot, lambda: state.finals > finals_then, 20)  # engine keeps buffering
        assert app.query_one(TranscriptView)._keys == shown
        await pilot.press("p")
        assert not state.paused
        await pilot.pause(0.3)
        assert len(app.query_one(TranscriptView)._keys) >= len(shown)
        kinds = audit_kinds(app)
        assert "pause" in kinds and "resume" in kinds


async def test_pause_all_and_resume_all(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        assert app.engine is not None
        await pilot.press("P")
        assert all(s.paused for s in app.engine.conversations.values())
        # Shown at once by the command itself, not at the next 2 Hz refresh.
        assert "PAUSED" in str(app.query_one("#status").render())
        await pilot.press("P")
        assert not any(s.paused for s in app.engine.conversations.values())


async def test_reset_context_asks_first(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert "reset_context" not in audit_kinds(app)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: "reset_context" in audit_kinds(app))


async def test_unsubscribe_then_subscribe_again_from_the_dialog(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        assert app.engine is not None
        cid = app.query_one(ConversationTable).selected
        assert cid is not None
        await pilot.press("u")
        await until(pilot, lambda: cid not in app.engine.conversations)  # type: ignore[union-attr]
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SubscribeScreen), 20)
        # Type-ahead: the conversation's id narrows the list to it; space picks it.
        await pilot.press(*cid[:8])
        await pilot.pause(0.2)
        choices = app.screen.query_one("#choices")
        assert choices.option_count == 1  # type: ignore[attr-defined]
        await pilot.press("enter")  # the filter left one: enter takes it
        await until(pilot, lambda: cid in app.engine.conversations)  # type: ignore[union-attr]
        assert audit_kinds(app).count("subscribe") >= 3


async def test_audit_screen_verifies_and_exports(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen))
        screen = app.screen
        await until(pilot, lambda: "intact" in str(screen.query_one("#chain").render()))
        table = screen.query_one("#audit-table")
        await until(pilot, lambda: table.row_count > 0)  # type: ignore[attr-defined]
        await pilot.press("slash", *"subscribe")
        await pilot.pause(0.3)
        kinds = {table.get_row_at(i)[2] for i in range(table.row_count)}  # type: ignore[attr-defined]
        assert kinds == {"subscribe"}
        table.focus()
        await pilot.press("x")
        await until(pilot, lambda: any((tmp_path / "exports").glob("audit-*.jsonl")))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, AuditScreen))


async def test_export_filter_theme_help_and_screenshot(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        state = app.engine.conversations[app.query_one(ConversationTable).selected]  # type: ignore[index, union-attr]
        await until(pilot, lambda: state.finals > 0, 20)
        await pilot.press("e")
        exported = list((tmp_path / "exports").glob("transcript-*.txt"))
        assert exported and "(redacted)" in exported[0].read_text()
        before = app.theme
        await pilot.press("t")
        assert app.theme != before and app.theme.startswith("assist-")
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        assert app.screen.query("HelpPanel")
        await pilot.press("question_mark")
        await pilot.press("f8")
        assert any((tmp_path / "exports").glob("*.svg"))
        table = app.query_one(ConversationTable)
        await pilot.press("slash", *"zzzz-no-such")
        await until(pilot, lambda: table.row_count == 0, 3)
        await pilot.press("escape")
        await until(pilot, lambda: table.row_count >= 2, 3)
        await pilot.press("q")
    assert app.return_code == 0 or app.return_code is None


async def test_narrow_layout_at_80_by_24(tmp_path: Path) -> None:
    async with dashboard(tmp_path, size=(80, 24)) as (app, _pilot):
        assert app.has_class("narrow")
        assert app.query_one(TranscriptView).size.width >= 24


def test_an_invalid_user_theme_is_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    (tmp_path / "mine.toml").write_text('name = "mine"\nprimary = "#ff0000"\n')
    loaded = load_themes(tmp_path)
    names = {t.name for t in loaded.themes}
    assert {"assist-dark", "assist-light", "assist-high-contrast", "mine"} <= names
    assert "broken" not in names
    assert loaded.problems and "broken.toml" in loaded.problems[0]


@pytest.mark.parametrize("key", ["s", "u", "p", "r"])
async def test_keys_before_the_engine_is_up_do_not_crash(tmp_path: Path, key: str) -> None:
    app = AssistApp(demo_settings(), export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(key)
        await pilot.pause(0.1)
        assert app.is_running

"""The dashboard driven by keys (Pilot), against the demo emulator: the real app, the
real engine process (started by the app's worker), real sockets."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from assist_tui.audit.store import AuditReader
from assist_tui.config import Settings
from assist_tui.engine.snapshot import ConversationRow
from assist_tui.ui.app import AssistApp
from assist_tui.ui.panes import ConversationTable, HitsTable
from assist_tui.ui.pick_list import PickList
from assist_tui.ui.screens import AuditScreen, ConfirmScreen, SubscribeScreen
from assist_tui.ui.themes import load_themes
from assist_tui.ui.transcript import TranscriptView

DEMO_EMULATOR: dict[str, object] = {
    "speed": 4,
    "heartbeat_interval_s": 1,
    "concurrent": 3,
    "seed": 3,
}


def demo_settings(**sections: dict[str, object]) -> Settings:
    data: dict[str, object] = {
        "demo": True,
        "emulator": DEMO_EMULATOR,
        "quality": {"poll_interval_s": 0.5},
        "nlp": {"trained_pipeline": ""},
        # Calls in queues not seen yet are found by rediscovery: every second here.
        "discovery": {"rediscover_interval_s": 1},
    }
    data.update(sections)
    return Settings.model_validate(data)


@contextlib.asynccontextmanager
async def dashboard(
    tmp_path: Path, size: tuple[int, int] = (140, 40), speed: float = 4
) -> AsyncIterator[tuple[AssistApp, Pilot[None]]]:
    settings = demo_settings(emulator={**DEMO_EMULATOR, "speed": speed})
    app = AssistApp(settings, export_dir=tmp_path / "exports")
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: len(app.rows) >= 2, 30)
        await until(pilot, lambda: app.query_one(ConversationTable).row_count >= 2)
        yield app, pilot


async def until(
    pilot: Pilot[None],
    predicate: Callable[[], bool],
    timeout: float = 15.0,
    shown: Callable[[], str] | None = None,
) -> None:
    """Wait for ``predicate``; ``shown`` says what the screen held instead, on failure."""
    waited = 0.0
    while not predicate():
        if waited > timeout:
            instead = f": {shown()}" if shown is not None else ""
            raise AssertionError(f"condition not met within {timeout} s{instead}")
        await pilot.pause(0.05)
        waited += 0.05


async def audit_kinds(app: AssistApp) -> list[str]:
    """What the engine process has audited, read from its store as the audit screen does."""
    assert app.link is not None
    await app.link.flush_audit()
    reader = AuditReader(app.link.audit_path)
    try:
        return [r.kind for r in reader.records()]
    finally:
        reader.close()


def row(app: AssistApp, cid: str) -> ConversationRow | None:
    return next((r for r in app.rows if r.conversation_id == cid), None)


async def test_live_dashboard_shows_transcript_hits_and_status(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        transcript = app.query_one(TranscriptView)
        await until(pilot, lambda: len(transcript._rows) > 0, 20)
        status = app.query_one("#status")
        await until(pilot, lambda: "● connected" in str(status.render()), 5)
        assert "DEMO" in str(status.render())
        table = app.query_one(ConversationTable)
        first = table.selected
        assert row(app, first or "") is not None
        await pilot.press("down")
        # The board keeps calls in urgency order and the cursor on the selected call, so
        # the selection is what moved (its row may change as the calls re-sort).
        await until(pilot, lambda: table.selected not in (None, first))
        # Moving in the hits pane moves nothing else.
        selected = table.selected
        app.query_one(HitsTable).focus()
        await pilot.press("down", "down")
        await pilot.pause(0.2)
        assert table.selected == selected


async def test_pause_freezes_display_and_resume_catches_up(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        cid = app.query_one(ConversationTable).selected
        assert cid is not None
        transcript = app.query_one(TranscriptView)
        await until(pilot, lambda: app.view is not None and app.view.gauges is not None)
        await pilot.press("p")
        await until(pilot, lambda: app.view.gauges.paused)  # type: ignore[union-attr]
        assert transcript.frozen
        shown = list(transcript._keys)
        finals_then = app.view.gauges.finals  # type: ignore[union-attr]
        # The engine keeps buffering while the display stays as it was.
        await until(pilot, lambda: app.view.gauges.finals > finals_then, 20)  # type: ignore[union-attr]
        assert transcript._keys == shown
        await pilot.press("p")
        await until(pilot, lambda: not app.view.gauges.paused)  # type: ignore[union-attr]
        await until(pilot, lambda: len(transcript._keys) > len(shown), 10)  # caught up
        kinds = await audit_kinds(app)
        assert "pause" in kinds and "resume" in kinds


async def test_pause_all_and_resume_all(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        # Pause all pauses the calls followed now; a call that starts later is not paused.
        followed = {r.conversation_id for r in app.rows}
        await pilot.press("P")
        await until(pilot, lambda: all(r.paused for r in app.rows if r.conversation_id in followed))
        # Shown at once by the command itself, not at the next 2 Hz refresh.
        assert "PAUSED" in str(app.query_one("#status").render())
        await pilot.press("P")
        await until(pilot, lambda: not any(r.paused for r in app.rows))


async def test_reset_context_asks_first(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert "reset_context" not in await audit_kinds(app)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: app.view is not None and app.screen is app.screen_stack[0])
        for _ in range(50):
            if "reset_context" in await audit_kinds(app):
                break
            await pilot.pause(0.1)
        assert "reset_context" in await audit_kinds(app)


async def test_unsubscribe_then_subscribe_again_from_the_dialog(tmp_path: Path) -> None:
    # At speed 4 a demo call lasts 8-20 s, less than this test can take on a loaded
    # machine: the call would end while unsubscribed and leave the dialog's live list.
    # At speed 1 the shortest lasts 30 s.
    async with dashboard(tmp_path, speed=1) as (app, pilot):
        cid = app.query_one(ConversationTable).selected
        assert cid is not None
        await until(pilot, lambda: (r := row(app, cid)) is not None and r.finals > 0, 20)
        before = row(app, cid)
        assert before is not None
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "audit log keeps every record" in str(app.screen.query_one("#question").render())
        await pilot.press("n")  # asked first: no leaves it followed
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await pilot.pause(0.3)
        assert row(app, cid) is not None
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: row(app, cid) is None)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SubscribeScreen), 20)
        # Type-ahead: the conversation's id narrows the list to it; space picks it.
        await pilot.press(*cid[:8])
        choices = app.screen.query_one("#choices", PickList)
        await until(
            pilot, lambda: choices.option_count == 1, shown=lambda: str(choices.option_count)
        )
        await pilot.press("enter")  # the filter left one: enter takes it
        await until(pilot, lambda: row(app, cid) is not None)
        assert (await audit_kinds(app)).count("subscribe") >= 3
        again = row(app, cid)  # the same call continues: its transcript and its time
        assert again is not None and again.finals >= before.finals
        assert again.first_seen == before.first_seen


async def test_audit_screen_verifies_and_exports(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen))
        screen = app.screen
        chain = screen.query_one("#chain")
        await until(pilot, lambda: "intact" in str(chain.render()), 30, lambda: str(chain.render()))
        table = screen.query_one("#audit-table")
        await until(pilot, lambda: table.row_count > 0)  # type: ignore[attr-defined]
        # An exact kind: free text "subscribe" would also find calls that ended meanwhile
        # (their unsubscribe records).
        await pilot.press("slash", *"kind:subscribe")
        await pilot.pause(0.3)
        kinds = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}  # type: ignore[attr-defined]
        assert kinds == {"subscribe"}
        table.focus()
        await pilot.press("x")
        await until(pilot, lambda: any((tmp_path / "exports").glob("audit-*.jsonl")))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, AuditScreen))


async def test_export_filter_theme_help_and_screenshot(tmp_path: Path) -> None:
    async with dashboard(tmp_path) as (app, pilot):
        cid = app.query_one(ConversationTable).selected
        await until(pilot, lambda: (r := row(app, cid or "")) is not None and r.finals > 0, 20)
        await pilot.press("e")
        await until(pilot, lambda: any((tmp_path / "exports").glob("transcript-*.txt")), 5)
        exported = list((tmp_path / "exports").glob("transcript-*.txt"))
        assert exported and "(redacted)" in exported[0].read_text()
        before = app.theme
        await pilot.press("t")
        assert app.theme != before and app.theme.startswith("assist-")
        await pilot.press("question_mark")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await pilot.press("question_mark")
        await pilot.pause(0.1)
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

"""? opens help for supervisors (panes, colours, keys); the palette says what each entry does."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from assist_tui.keymap import BINDING_IDS
from assist_tui.ui.app import AssistApp
from assist_tui.ui.help_screen import ACTIONS, COLOURS, PANES, HelpScreen

from .scripted_engine import scripted_engine
from .test_dashboard import demo_settings, until
from .test_snapshots import settled


async def test_help_names_every_pane_colour_and_key_and_the_palette_says_what(
    tmp_path: Path,
) -> None:
    engine = await scripted_engine(tmp_path)
    settings = demo_settings(keys={"pause": "space"})
    app = AssistApp(settings, export_dir=tmp_path / "exports", engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = "\n".join(str(s.render()) for s in app.screen.query(Static))
        for pane in PANES:
            assert pane.name in text
        for sample, _style, meaning in COLOURS:
            assert sample in text and meaning in text
        for binding in app.BINDINGS:
            assert ACTIONS[binding.action][0] in text  # type: ignore[union-attr]
        assert "space" in text  # the key as rebound, not the default
        for line in text.splitlines():  # no key runs into what it does
            assert "kmove" not in line and not line.startswith("up / down, j / kmove")
        assert "up / down, j / k  move in a list" in text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        commands = list(app.get_system_commands(app.screen))
        titles = [c.title for c in commands]
        assert len(titles) == len(set(titles)), titles  # each once
        assert not any(c.help.startswith("key ") for c in commands)
        for title, what in ACTIONS.values():
            assert (title, what) in {(c.title, c.help) for c in commands}
    assert set(ACTIONS) >= {b.action for b in AssistApp.BINDINGS}  # type: ignore[union-attr]
    assert len(BINDING_IDS) == len(AssistApp.BINDINGS)

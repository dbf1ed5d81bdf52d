"""Themes: set in the config, cycled by `t` through built-in and user themes, remembered."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assist_tui.config import data_dir
from assist_tui.ui import theme_choice
from assist_tui.ui.app import AssistApp

from .scripted_engine import scripted_engine
from .test_dashboard import demo_settings


def test_start_theme_prefers_a_remembered_choice_until_the_config_changes() -> None:
    available = ["assist-dark", "assist-light", "mine", "textual-light"]
    assert theme_choice.start_theme(available, None, {}, "assist-dark") == "assist-dark"
    assert theme_choice.start_theme(available, "mine", {}, "assist-dark") == "mine"
    chosen = {"theme": "assist-light", "configured": "mine"}
    assert theme_choice.start_theme(available, "mine", chosen, "assist-dark") == "assist-light"
    # The config names another theme since the choice was made: the config wins.
    assert theme_choice.start_theme(available, "textual-light", chosen, "x") == "textual-light"
    gone = {"theme": "deleted", "configured": None}
    assert theme_choice.start_theme(available, None, gone, "assist-dark") == "assist-dark"
    assert theme_choice.next_theme("mine", ["assist-dark", "mine"]) == "assist-dark"
    assert theme_choice.next_theme("textual-light", ["assist-dark", "mine"]) == "assist-dark"


def test_remembered_in_a_private_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ui.json"
    theme_choice.remember(path, "mine", None)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert theme_choice.read_state(path) == {"theme": "mine", "configured": None}
    path.write_text("{not json")
    assert theme_choice.read_state(path) == {}
    assert "xdg_state_home" in str(theme_choice.state_path())


async def test_t_reaches_a_user_theme_and_the_choice_survives_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    themes = data_dir() / "themes"
    themes.mkdir(parents=True)
    (themes / "zz-mine.toml").write_text('name = "zz-mine"\nprimary = "#ff0000"\n')
    engine = await scripted_engine(tmp_path / "one")
    app = AssistApp(demo_settings(ui={"theme": "assist-light"}), engine=engine)
    seen = []
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.theme == "assist-light"
        for _ in range(6):
            await pilot.press("t")
            seen.append(app.theme)
            if app.theme == "zz-mine":
                break
        await pilot.press("q")
    assert "zz-mine" in seen  # a user theme, not only names starting with assist-
    engine = await scripted_engine(tmp_path / "two")
    again = AssistApp(demo_settings(ui={"theme": "assist-light"}), engine=engine)
    async with again.run_test(size=(120, 36)) as pilot:
        assert again.theme == "zz-mine"
        await pilot.press("q")

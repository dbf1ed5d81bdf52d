"""One source for settings: the template from the field descriptions, checked keys, clear errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assist_tui.cli import main
from assist_tui.config import ConfigError, Settings, _section_fields, config_template, load_settings
from assist_tui.keymap import BINDING_IDS, check_keys, valid_key

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_every_field_has_a_description_and_is_in_the_template() -> None:
    template = config_template()
    for section, model in _section_fields().items():
        assert f"\n[{section}]\n" in template
        body = template.split(f"\n[{section}]\n", 1)[1].split("\n[", 1)[0]
        for name, info in model.model_fields.items():
            assert info.description, f"[{section}] {name} has no description for the template"
            assert f"# {info.description}\n" in body
            assert f"\n{name} = " in body or f"\n# {name} = " in body, (section, name)
    for name in ("open_timeout_s", "seed", "weights"):
        assert f"{name} = " in template
    assert "[ui]" in template and "# theme = " in template


def test_template_loads_to_the_defaults(tmp_path: Path) -> None:
    data = tomllib.loads(config_template())
    assert Settings.model_validate(data) == Settings()
    for binding, key in BINDING_IDS.items():
        assert f"# {binding} = {key!r}".replace("'", '"') in config_template()


def test_binding_ids_match_the_app() -> None:
    from assist_tui.ui.app import AssistApp

    app_ids = {b.id: b.key for b in AssistApp.BINDINGS if hasattr(b, "id") and b.id}
    assert app_ids == BINDING_IDS
    assert all(valid_key(key) for key in BINDING_IDS.values())


@pytest.mark.parametrize(
    ("spec", "ok"),
    [
        ("q", True),
        ("space", True),
        ("ctrl+x", True),
        ("f9", True),
        ("exclamation_mark", True),
        ("space,x", True),
        ("notakey+++", False),
        ("ctrl+", False),
        ("control+x", False),
        ("spacebar", False),
        ("", False),
    ],
)
def test_key_names_are_checked(spec: str, ok: bool) -> None:
    assert (check_keys({"quit": spec}) == []) is ok


def test_keys_table_rejects_unknown_ids_and_bad_keys_listing_the_valid(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[keys]\nquit = "notakey+++"\nzoom = "z"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    text = str(info.value)
    assert "notakey+++" in text and "zoom: unknown binding id" in text
    assert "subscribe, unsubscribe" in text and "space" in text
    path.write_text('[keys]\npause = "space"\n', encoding="utf-8")
    assert load_settings(path, env={}).settings.keys == {"pause": "space"}


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        (
            {"pause": "q"},
            "[keys] pause = 'q': 'q' is already quit's default key; choose another "
            "key, or rebind quit too",
        ),
        ({"pause": "x", "export": "x"}, "[keys] export = 'x': 'x' is already pause's key"),
        ({"export": "a"}, "'a' is kept for acknowledge, in the alerts pane"),
        ({"help": "ctrl+p"}, "'ctrl+p' is kept for the command palette"),
    ],
)
def test_keys_that_would_shadow_another_are_refused(keys: dict[str, str], said: str) -> None:
    assert any(said in problem for problem in check_keys(keys)), check_keys(keys)


def test_keys_moved_in_a_ring_are_accepted() -> None:
    assert check_keys({"pause": "q", "quit": "p"}) == []  # each takes the other's
    assert check_keys({"pause": "p"}) == []  # its own default, said again


def test_misspelt_key_gets_did_you_mean_not_every_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[stream]\nping_idel_s = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    text = str(info.value)
    assert "did you mean 'ping_idle_s'?" in text
    assert "max_frame_bytes" not in text  # not the whole list
    path.write_text("[stream]\nzzzzqqq = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key"):
        load_settings(path, env={})


def test_missing_config_flag_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.toml"
    assert main(["config", "show", "--config", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"config file {missing} does not exist" in err and "config init" in err


def test_ui_theme_setting(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[ui]\ntheme = "textual-light"\n', encoding="utf-8")
    assert load_settings(path, env={}).settings.ui.theme == "textual-light"

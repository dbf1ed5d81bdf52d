"""Settings precedence, errors that name key/file/fix, the template, and `config show`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from assist_tui.cli import main
from assist_tui.config import (
    ConfigError,
    config_template,
    default_config_path,
    load_settings,
    write_template,
)


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path / "absent.toml", env={})
    assert not loaded.file_exists
    assert loaded.settings.genesys.region == "us_east_1"
    assert loaded.settings.use_emulator  # no credentials: demo
    assert loaded.settings.genesys.api_url == "https://api.mypurecloud.com"
    assert loaded.settings.genesys.login_url == "https://login.mypurecloud.com"


def test_precedence_defaults_file_env_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        '[genesys]\nregion = "eu_west_1"\nclient_id = "from-file"\nclient_secret = "x"\n'
        "[stream]\nmax_frame_bytes = 2048\nping_idle_s = 5\n",
    )
    env = {"GENESYS_REGION": "mypurecloud.de", "ASSIST_TUI_STREAM_MAX_FRAME_BYTES": "4096"}
    loaded = load_settings(path, env=env, overrides={"genesys.region": "ap_southeast_2"})
    s = loaded.settings
    assert s.genesys.region == "ap_southeast_2"  # flag beats env beats file
    assert s.stream.max_frame_bytes == 4096  # env beats file
    assert s.stream.ping_idle_s == 5  # file beats default
    assert s.genesys.client_id == "from-file"
    assert not s.use_emulator
    assert loaded.origins["genesys.region"] == "command-line flag --region"
    assert loaded.origins["stream.max_frame_bytes"].startswith("environment variable")
    without_flag = load_settings(path, env=env).settings
    assert without_flag.genesys.api_url == "https://api.mypurecloud.de"


def test_config_env_var_points_at_another_file(tmp_path: Path) -> None:
    path = write(tmp_path / "other.toml", '[discovery]\nqueues = ["q1"]\n')
    loaded = load_settings(env={"ASSIST_TUI_CONFIG": str(path)})
    assert loaded.path == path and loaded.settings.discovery.queues == ["q1"]
    env_list = load_settings(path, env={"ASSIST_TUI_DISCOVERY_QUEUES": "a, b"}).settings
    assert env_list.discovery.queues == ["a", "b"]


def test_unknown_key_names_key_file_and_fix(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[genesys]\nregoin = "eu_west_1"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    text = str(info.value)
    assert "[genesys] regoin" in text and str(path) in text
    assert "unknown key" in text and "region" in text


def test_wrong_type_names_the_value_and_source(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[stream]\nmax_frame_bytes = "lots"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    text = str(info.value)
    assert "[stream] max_frame_bytes = 'lots'" in text and str(path) in text
    with pytest.raises(ConfigError, match="ASSIST_TUI_STREAM_PING_IDLE_S"):
        load_settings(tmp_path / "none.toml", env={"ASSIST_TUI_STREAM_PING_IDLE_S": "soon"})


def test_unknown_region_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "none.toml", env={"GENESYS_REGION": "mars_north_1"})
    text = str(info.value)
    assert "mars_north_1" in text and "GENESYS_REGION" in text and "eu_west_1" in text


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[genesys]\nregion = \n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert str(path) in str(info.value) and "line 2" in str(info.value)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.example.com", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080", True),
        ("http://[::1]:8080", True),
        ("http://api.example.com", False),
        ("http://10.0.0.5", False),
        ("ftp://127.0.0.1", False),
    ],
)
def test_plain_http_only_to_loopback(tmp_path: Path, url: str, ok: bool) -> None:
    env = {"GENESYS_API_BASE_URL": url}
    if ok:
        assert load_settings(tmp_path / "n.toml", env=env).settings.genesys.api_url == url
    else:
        with pytest.raises(ConfigError, match="api_base_url"):
            load_settings(tmp_path / "n.toml", env=env)


def test_secrets_never_in_error_text(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[genesys]\nclient_secret = 12345678\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert "12345678" not in str(info.value)


def test_world_readable_secret_file_warns(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[genesys]\nclient_secret = "abc"\n', mode=0o644)
    loaded = load_settings(path, env={})
    assert loaded.warnings and "chmod 600" in loaded.warnings[0]
    path.chmod(0o600)
    assert load_settings(path, env={}).warnings == []


def test_template_is_private_valid_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    write_template(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == config_template()
    from_template = load_settings(path, env={}).settings
    assert from_template.stream.max_frame_bytes == 65536
    assert from_template.stream.source == "notifications"
    assert from_template.dialect == from_template.dialect.model_validate({})  # the defaults
    with pytest.raises(ConfigError, match="--force"):
        write_template(path)
    write_template(path, force=True)


def test_cli_config_init_and_show_mask_the_secret(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "init"]) == 0
    path = default_config_path()
    assert path.exists() and "XDG_CONFIG_HOME".lower() in str(path)
    os.environ["GENESYS_CLIENT_SECRET"] = "very-secret-value"
    try:
        assert main(["config", "show", "--region", "eu_west_1"]) == 0
    finally:
        del os.environ["GENESYS_CLIENT_SECRET"]
    out = capsys.readouterr().out
    assert str(path) in out
    assert "very-secret-value" not in out and "(set, hidden)" in out
    assert 'region = "eu_west_1"  # command-line flag --region' in out


def test_cli_bad_config_is_one_screen_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "c.toml", "[emulator]\nport = -1\n")
    assert main(["config", "show", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "[emulator] port" in err and str(path) in err
    assert len(err.splitlines()) < 10

"""Bad input gets a message (what is wrong, where, what to do) and exit 2, never a
traceback: one test per case the issue lists."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assist_tui.audit.store import AuditStore
from assist_tui.cli import main
from assist_tui.config import data_dir


def fails(argv: list[str], capsys: pytest.CaptureFixture[str], code: int = 2) -> str:
    """Run the command; return its stderr after checking the exit code and no traceback."""
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's own errors
        rc = int(exc.code or 0)
    err = capsys.readouterr().err
    assert rc == code, err
    assert "Traceback" not in err
    return err


def config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["run", "--headless", "--interval", "0"], "--interval: '0' must be a positive"),
        (["run", "--headless", "--interval", "-1"], "--interval: '-1' must be a positive"),
        (["run", "--headless", "--duration", "-5"], "--duration: '-5' must be a positive"),
        (["run", "--headless", "--duration", "nan"], "--duration: 'nan' must be a positive"),
        (["run", "--headless", "--duration", "inf"], "--duration: 'inf' must be a positive"),
        (["tail", "--duration", "0"], "--duration: '0' must be a positive"),
        (["tail", "--count", "0"], "--count: '0' must be at least 1"),
        (["tail", "--count", "-1"], "--count: '-1' must be at least 1"),
        (["tail", "--count", "x"], "--count: 'x' is not a whole number"),
    ],
)
def test_numeric_options_are_validated(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert said in fails(argv, capsys)


@pytest.mark.parametrize(
    "argv", [["--log-level", "BOGUS", "config", "show"], ["config", "show", "--log-level", "BOGUS"]]
)
def test_bogus_log_level(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    err = fails(argv, capsys)
    assert "--log-level: 'BOGUS' is not a log level; use one of DEBUG, INFO" in err


@pytest.mark.parametrize("command", [["tail", "--duration", "5"], ["run", "--headless"]])
def test_unknown_conversation_id_is_reported(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    err = fails(["--demo", *command, "--conversation", "no-such-call"], capsys)
    assert "--conversation 'no-such-call': the platform does not know this conversation" in err
    assert "fix: check the id" in err


def test_genesys_is_not_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = fails(["--config", config(tmp_path, "genesys = 5\n"), "config", "show"], capsys)
    assert "genesys = 5 (in config file" in err and "fix:" in err


def test_missing_rules_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config(tmp_path, f'[nlp]\nrules_file = "{tmp_path / "gone.toml"}"\n')
    err = fails(["--config", cfg, "run", "--headless", "--duration", "1"], capsys)
    assert "cannot read rules file" in err and "gone.toml" in err
    assert "fix: correct [nlp] rules_file" in err


@pytest.mark.parametrize(
    ("text", "said"),
    [("rules = [\n", "is not valid TOML"), ('[[rules]]\nid = "x"\n', "rule 'x'")],
)
def test_invalid_rules_file(
    text: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(text)
    cfg = config(tmp_path, f'[nlp]\nrules_file = "{rules}"\n')
    err = fails(["--config", cfg, "run", "--headless", "--duration", "1"], capsys)
    assert said in err and "fix:" in err


def test_unwritable_audit_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cfg = config(tmp_path, f'[audit]\npath = "{blocker / "audit.sqlite3"}"\n')
    err = fails(["--config", cfg, "run", "--headless", "--duration", "1"], capsys)
    assert f"[audit] path {blocker / 'audit.sqlite3'}: cannot create {blocker}" in err
    assert "fix: set [audit] path" in err


def test_api_url_with_a_bad_port(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENESYS_CLIENT_ID", "id")
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", "secret")
    err = fails(["--api-url", "http://127.0.0.1:abc", "tail", "--duration", "1"], capsys)
    assert "api_base_url = 'http://127.0.0.1:abc'" in err
    assert "the port is not a number" in err and "fix:" in err


def test_audit_export_to_a_missing_directory(capsys: pytest.CaptureFixture[str]) -> None:
    err = fails(["audit", "export", "--output", "/nonexistent/x"], capsys)
    assert "--output /nonexistent/x: directory /nonexistent does not exist; fix:" in err


def test_emulator_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        err = fails(["emulator", "--port", str(port)], capsys)
    assert f"emulator port {port} on 127.0.0.1 is already in use; fix:" in err


def test_unwritable_log_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("ASSIST_TUI_LOG_DIR", str(blocker / "logs"))
    err = fails(["config", "show"], capsys)
    assert f"cannot write logs in {blocker / 'logs'}" in err
    assert "fix: make it writable, or set ASSIST_TUI_LOG_DIR" in err


def _truncated_store() -> Path:
    path = data_dir() / "audit.sqlite3"
    store = AuditStore(path)
    for n in range(2000):
        store.append("final_utterance", {"text": f"line {n} " * 5}, conversation="c")
    store.close()
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 3)
    return path


def test_audit_verify_on_a_truncated_database(capsys: pytest.CaptureFixture[str]) -> None:
    path = _truncated_store()
    # verify's contract: exit 1 whenever the store is not intact (a damaged file included)
    err = fails(["audit", "verify"], capsys, code=1)
    assert f"the audit store {path} cannot be read" in err and "truncated" in err
    assert "fix:" in err and "Traceback" not in err


def test_audit_export_on_a_truncated_database(capsys: pytest.CaptureFixture[str]) -> None:
    _truncated_store()
    err = fails(["audit", "export"], capsys)
    assert "DAMAGED: SQLite cannot read it" in err


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # The reader is gone before the command writes a byte: every write meets EPIPE.
    proc = subprocess.Popen(
        [sys.executable, "-m", "assist_tui", "config", "show"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert err == ""


def test_screenshots_output_that_cannot_be_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "afile"
    a_file.write_text("")
    err = fails(["screenshots", "--output", str(a_file)], capsys)
    assert "is a file, not a directory; fix: name a directory" in err
    deep = tmp_path / "no" / "such" / "dir"
    err = fails(["screenshots", "--output", str(deep)], capsys)
    assert "does not exist; fix: create it" in err
    assert not (tmp_path / "no").exists()  # a mistyped path never grows a tree


def test_a_config_file_named_by_the_environment_must_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope.toml"
    monkeypatch.setenv("ASSIST_TUI_CONFIG", str(missing))
    err = fails(["config", "show"], capsys)
    assert f"config file {missing} (named by $ASSIST_TUI_CONFIG) does not exist" in err
    assert "unset $ASSIST_TUI_CONFIG" in err
    assert main(["config", "init"]) == 0 and missing.exists()  # init makes it, as it says
    assert main(["config", "show"]) == 0

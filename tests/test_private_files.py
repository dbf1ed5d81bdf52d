"""Private files: the product's directories are 700 and every file it writes is 600, with
the usual umask (in process) and through the CLI; the config warning covers every secret."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assist_tui.audit.store import AuditStore
from assist_tui.config import data_dir, load_settings
from assist_tui.files import private_output
from assist_tui.logs import setup_logging
from assist_tui.sinks.outbox import Outbox


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> object:
    """Run as a default shell would (022): the product must not rely on the umask."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_stores_with_wal_and_shm_are_600_in_a_700_data_dir(
    isolated_dirs: Path, open_umask: object
) -> None:
    directory = data_dir()
    store = AuditStore(directory / "audit.sqlite3", b"k" * 32)
    store.append("pause", {})
    store.flush()
    outbox = Outbox(directory / "outbox.sqlite3")
    outbox.enqueue_many([("k1", "c", {"text": "x"})])
    files = sorted(p.name for p in directory.iterdir())
    assert {"audit.sqlite3-wal", "audit.sqlite3-shm", "outbox.sqlite3-wal"} <= set(files)
    assert mode(directory) == 0o700
    assert {name: mode(directory / name) for name in files} == dict.fromkeys(files, 0o600)
    store.close()
    outbox.close()


def test_an_existing_wide_store_is_narrowed(isolated_dirs: Path, open_umask: object) -> None:
    path = data_dir() / "audit.sqlite3"
    AuditStore(path).close()
    path.chmod(0o644)
    data_dir().chmod(0o755)
    AuditStore(path).close()
    assert mode(path) == 0o600 and mode(data_dir()) == 0o700


def test_log_file_and_dir(isolated_dirs: Path, open_umask: object) -> None:
    names = ("assist_tui", "uvicorn", "uvicorn.error", "websockets", "httpx")
    saved = {
        n: (lg.handlers, lg.propagate, lg.level) for n in names for lg in [logging.getLogger(n)]
    }
    try:
        path = setup_logging("INFO")
        logging.getLogger("assist_tui.test").info("hello")
        assert mode(path) == 0o600 and mode(path.parent) == 0o700
    finally:
        for name, (handlers, propagate, level) in saved.items():
            logger = logging.getLogger(name)
            for handler in logger.handlers:
                handler.close()
            logger.handlers, logger.propagate = handlers, propagate
            logger.setLevel(level)


def test_exports_are_600(tmp_path: Path, open_umask: object) -> None:
    target = tmp_path / "export.jsonl"
    target.write_text("old")
    target.chmod(0o644)  # an older export with a wide mode is narrowed when rewritten
    with private_output(target) as out:
        out.write("{}\n")
    assert mode(target) == 0o600 and target.read_text() == "{}\n"


def test_a_config_file_holding_any_secret_warns(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[webhook]\napi_key = "k"\n')
    path.chmod(0o644)
    warning = load_settings(path, env={}).warnings[0]
    assert "[webhook] api_key" in warning and "chmod 600" in warning
    path.write_text('[genesys]\nclient_secret = "s"\n[webhook]\napi_key = "k"\n')
    warning = load_settings(path, env={}).warnings[0]
    assert "[genesys] client_secret" in warning and "[webhook] api_key" in warning
    path.write_text("[webhook]\ntimeout_s = 5.0\n")
    assert load_settings(path, env={}).warnings == []


def test_everything_a_headless_run_writes_is_private(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSIST_TUI_")}
    env.update(
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    run = subprocess.run(
        [sys.executable, "-m", "assist_tui", "run", "--headless", "--demo", "--duration", "3",
         "--interval", "1"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    export = tmp_path / "out.csv"
    exported = subprocess.run(
        [sys.executable, "-m", "assist_tui", "audit", "export", "--format", "csv", "--output",
         str(export)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    written = [p for p in tmp_path.rglob("*") if p.name != "out.csv"]
    files = [p for p in written if p.is_file()]
    names = {p.name for p in files}
    assert {"audit.sqlite3", "audit.sqlite3.head", "outbox.sqlite3", "assist-tui.log"} <= names
    assert "audit.key" in names
    assert {str(p.relative_to(tmp_path)): mode(p) for p in files} == {
        str(p.relative_to(tmp_path)): 0o600 for p in files
    }
    ours = [p for p in written if p.is_dir() and "assist-tui" in p.parts]
    assert ours and {str(p): mode(p) for p in ours} == {str(p): 0o700 for p in ours}
    assert mode(export) == 0o600

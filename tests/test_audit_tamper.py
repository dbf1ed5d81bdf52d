"""The keyed audit chain and its head checkpoint: every way of tampering the issue names is
caught by ``verify_store`` (and by ``audit verify``, exit 1, naming the first problem)."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assist_tui.audit.chain import GENESIS, chain_hash
from assist_tui.audit.head import head_path
from assist_tui.audit.keys import AuditKeyError, load_or_create_key
from assist_tui.audit.opening import key_path, open_store
from assist_tui.audit.store import AuditStore
from assist_tui.audit.verify import verify_store
from assist_tui.config import AuditSettings

KEY = bytes(range(32))


def keyed(path: Path, n: int = 5, key: bytes = KEY) -> AuditStore:
    store = AuditStore(path, key)
    for i in range(n):
        store.append("final_utterance", {"text": f"line {i}"}, conversation=f"c{i % 2}")
    store.flush()
    return store


def raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for trigger in ("audit_no_update", "audit_no_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    return conn


def restore_triggers(path: Path) -> None:
    """Put the dropped triggers back, so only the tampering itself is left to find."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'x'); END;"
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'x'); END;"
    )
    conn.close()


def test_intact_keyed_store_verifies_without_notes(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    keyed(path).close()
    result = verify_store(path, KEY)
    assert result.ok and result.records == 5 and result.notes == ()


def test_edit_with_recomputed_hashes_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    keyed(path).close()
    conn = raw(path)
    rows = conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
    previous = GENESIS
    for seq, time, kind, conversation, actor, data, _, _ in rows:
        if seq == 3:
            data = '{"text":"edited"}'
        # The forger has no key: the best they can do is a plain SHA-256 (or a guessed key).
        digest = chain_hash(previous, seq, time, kind, conversation, actor, data, b"guess" * 8)
        conn.execute(
            "UPDATE audit SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (data, previous, digest, seq),
        )
        previous = digest
    conn.close()
    restore_triggers(path)
    result = verify_store(path, KEY)
    assert not result.ok and result.first_bad_seq == 1 and "altered" in result.problem


@pytest.mark.parametrize("removed", [1, 100, 120])
def test_deleting_the_newest_records_is_caught(tmp_path: Path, removed: int) -> None:
    path = tmp_path / "a.sqlite3"
    keyed(path, 120).close()
    conn = raw(path)
    conn.execute("DELETE FROM audit WHERE seq > ?", (120 - removed,))
    conn.close()
    restore_triggers(path)
    result = verify_store(path, KEY)
    assert not result.ok
    assert result.first_bad_seq == 121 - removed
    assert "missing" in result.problem and "checkpoint says 120" in result.problem


def test_dropped_triggers_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    keyed(path).close()
    raw(path).close()
    result = verify_store(path, KEY)
    assert not result.ok and "trigger audit_no_update was dropped" in result.problem
    assert any("audit_no_delete" in p for p in result.problems)


def test_truncated_and_garbage_files_get_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    keyed(path, 300).close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    result = verify_store(path, KEY)
    assert not result.ok and "cannot be read" in result.problem
    path.write_bytes(b"not a database at all" * 100)
    assert "cannot be read" in verify_store(path, KEY).problem
    missing = verify_store(tmp_path / "nope.sqlite3", KEY)
    assert not missing.ok and "no audit store" in missing.problem


def test_head_checkpoint_removed_or_forged_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    keyed(path).close()
    text = head_path(path).read_text()
    head_path(path).write_text(text.replace('"seq": 5', '"seq": 4'))
    assert "altered" in verify_store(path, KEY).problem
    head_path(path).unlink()
    assert "missing" in verify_store(path, KEY).problem


def test_reopening_after_a_deletion_records_the_gap_in_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    keyed(path, 10).close()
    conn = raw(path)
    conn.execute("DELETE FROM audit WHERE seq > 7")
    conn.close()
    restore_triggers(path)
    store = AuditStore(path, KEY)  # the engine starts again: the head moves on...
    store.append("subscribe", {}, conversation="c")
    store.close()
    result = verify_store(path, KEY)  # ...but the gap stays on record
    assert not result.ok and result.first_bad_seq == 8
    assert "records 8-10 were missing" in result.problem


def test_a_store_refuses_another_key_and_verify_names_it(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    keyed(path).close()
    with pytest.raises(AuditKeyError, match="keyed with another key"):
        AuditStore(path, b"x" * 32)
    assert "not the key" in verify_store(path, b"x" * 32).problem
    assert "no audit key" in verify_store(path, None).problem


def test_legacy_unkeyed_store_is_keyed_from_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    keyed(path, 3, key=None).close()  # written before keys existed
    legacy = verify_store(path, None)
    assert legacy.ok and "unkeyed legacy chain" in legacy.notes[0]
    keyed(path, 2).close()  # the first keyed run
    result = verify_store(path, KEY)
    assert result.ok and result.records == 5
    assert result.notes == ("records 1-3 are an unkeyed legacy chain (before the key)",)


def test_head_goes_to_the_log_every_n_records(tmp_path: Path) -> None:
    logged: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append(record.getMessage())

    logger = logging.getLogger("assist_tui.audit.store")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        store = AuditStore(tmp_path / "a.sqlite3", KEY, checkpoint_records=2, checkpoint_s=3600)
        for i in range(5):
            store.append("pause", {"i": i})
            store.flush()
        store.close()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    heads = [m.split(" record ")[1].split()[0] for m in logged if "audit checkpoint" in m]
    assert heads == ["2", "4"]


def test_key_is_made_once_in_the_config_directory_mode_600(isolated_dirs: Path) -> None:
    settings = AuditSettings()
    store = open_store(isolated_dirs / "data" / "audit.sqlite3", settings)
    store.close()
    path = key_path(settings)
    assert path.parent == isolated_dirs / "xdg_config_home" / "assist-tui"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text()
    assert load_or_create_key(path).hex() + "\n" == first  # never replaced


def test_export_never_changes_the_store(tmp_path: Path) -> None:
    env = dict(os.environ, ASSIST_TUI_DATA_DIR=str(tmp_path), ASSIST_TUI_LOG_DIR=str(tmp_path))
    path = tmp_path / "audit.sqlite3"
    keyed(path).close()
    raw(path).close()  # triggers dropped: export must not put them back
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = subprocess.run(
        [sys.executable, "-m", "assist_tui", "audit", "export"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 5
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    conn = sqlite3.connect(path)
    assert (
        conn.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger'").fetchone()[0] == 2
    )  # only the meta table's triggers: the dropped ones stay dropped
    conn.close()


def test_cli_verify_names_the_first_problem_and_never_tracebacks(tmp_path: Path) -> None:
    env = dict(os.environ, ASSIST_TUI_DATA_DIR=str(tmp_path), ASSIST_TUI_LOG_DIR=str(tmp_path))

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assist_tui", "audit", "verify"],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )  # fmt: skip

    missing = verify()
    assert missing.returncode == 1 and "no audit store" in missing.stderr
    assert "Traceback" not in missing.stderr
    store = open_store(tmp_path / "audit.sqlite3", AuditSettings())  # key made in XDG config
    store.append("pause", {})
    store.append("resume", {})
    store.close()
    ok = verify()
    assert ok.returncode == 0 and "2 records, chain intact" in ok.stdout
    conn = raw(tmp_path / "audit.sqlite3")
    conn.execute("DELETE FROM audit WHERE seq = 2")
    conn.close()
    broken = verify()
    assert broken.returncode == 1 and "record 2" in broken.stderr and "missing" in broken.stderr
    (tmp_path / "audit.sqlite3").write_bytes(b"\0" * 4096)
    corrupt = verify()
    assert corrupt.returncode == 1 and "cannot be read" in corrupt.stderr
    assert "Traceback" not in corrupt.stderr


def test_the_key_sits_beside_the_config_file_in_use(tmp_path: Path) -> None:
    from assist_tui.config import load_settings

    config = tmp_path / "elsewhere" / "assist.toml"
    settings = load_settings(config, env={}).settings
    assert key_path(settings.audit) == tmp_path / "elsewhere" / "audit.key"


def test_a_corrupt_store_is_named_when_opened_or_exported(tmp_path: Path) -> None:
    from assist_tui.config import ConfigError

    path = tmp_path / "audit.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(ConfigError, match="cannot be opened"):
        open_store(path, AuditSettings(key_file=tmp_path / "k"))
    env = dict(os.environ, ASSIST_TUI_DATA_DIR=str(tmp_path), ASSIST_TUI_LOG_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "assist_tui", "audit", "export"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "SQLite cannot read it" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_keyed_store_is_never_given_a_new_key(tmp_path: Path) -> None:
    """A config elsewhere (its own audit.key not made yet) on the store another config keyed:
    refused with what to do, and no stray key is made beside it."""
    from assist_tui.config import ConfigError

    path = tmp_path / "audit.sqlite3"
    first = AuditSettings(key_file=tmp_path / "home" / "audit.key")
    (tmp_path / "home").mkdir()
    open_store(path, first).close()
    stray = tmp_path / "elsewhere" / "audit.key"
    with pytest.raises(ConfigError, match=r"is keyed \(key id \w+\) and there is no audit.key"):
        open_store(path, AuditSettings(key_file=stray))
    assert not stray.exists()
    open_store(path, first).close()  # the key it was written with still opens it

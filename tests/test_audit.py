"""The audit store: chain, append-only, batched flush, export, and tamper detection."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assist_tui.audit.export import export
from assist_tui.audit.store import AuditStore, verify_file


def filled(path: Path, n: int = 5) -> AuditStore:
    store = AuditStore(path)
    for i in range(n):
        store.append("final_utterance", {"text": f"line {i}", "n": i}, conversation=f"c{i % 2}")
    store.flush()
    return store


def raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    return conn


def test_chain_continues_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    filled(path).close()
    store = AuditStore(path)
    assert store.append("pause", {}, conversation="c0", actor="supervisor") == 6
    store.close()
    result = verify_file(path)
    assert result.ok and result.records == 6


def test_buffer_is_not_visible_until_flushed(tmp_path: Path) -> None:
    store = AuditStore(tmp_path / "a.sqlite3")
    store.append("subscribe", {}, conversation="c")
    assert list(store.records()) == []
    assert store.flush() == 1
    assert [r.kind for r in store.records()] == ["subscribe"]
    assert store.counts == {"subscribe": 1}


def test_the_store_refuses_updates_and_deletes(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    filled(path).close()
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET data = '{}' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit WHERE seq = 2")


@pytest.mark.parametrize(
    ("tamper", "bad_seq", "words"),
    [
        ('UPDATE audit SET data = \'{"text":"edited"}\' WHERE seq = 3', 3, "altered"),
        ("DELETE FROM audit WHERE seq = 2", 2, "missing"),
        ("UPDATE audit SET kind = 'pause' WHERE seq = 4", 4, "altered"),
    ],
)
def test_tampering_is_detected_at_the_first_bad_record(
    tmp_path: Path, tamper: str, bad_seq: int, words: str
) -> None:
    path = tmp_path / "a.sqlite3"
    filled(path).close()
    raw(path).execute(tamper)
    result = verify_file(path)
    assert not result.ok
    assert result.first_bad_seq == bad_seq
    assert words in result.problem


def test_reordered_rows_are_detected(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    filled(path).close()
    conn = raw(path)
    rows = {r[0]: r for r in conn.execute("SELECT * FROM audit WHERE seq IN (2, 3)")}
    conn.execute("DELETE FROM audit WHERE seq IN (2, 3)")
    # Swap the two records' content but keep each sequence number in its place.
    for seq, other in ((2, 3), (3, 2)):
        conn.execute("INSERT INTO audit VALUES (?,?,?,?,?,?,?,?)", (seq, *rows[other][1:]))
    result = verify_file(path)
    assert not result.ok and result.first_bad_seq == 2


def test_export_jsonl_and_csv_with_filters(tmp_path: Path) -> None:
    store = filled(tmp_path / "a.sqlite3", 6)
    out = io.StringIO()
    assert export(store.records(conversation="c1"), out, "jsonl") == 3
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["data"]["n"] for r in rows] == [1, 3, 5]
    out = io.StringIO()
    assert export(store.records(kinds=["final_utterance"]), out, "csv") == 6
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert table[0]["seq"] == "1" and json.loads(table[0]["data"])["text"] == "line 0"
    with pytest.raises(ValueError, match="jsonl or csv"):
        export(store.records(), io.StringIO(), "xml")


def test_cli_verify_and_export(tmp_path: Path) -> None:
    env = dict(os.environ, ASSIST_TUI_DATA_DIR=str(tmp_path), ASSIST_TUI_LOG_DIR=str(tmp_path))
    filled(tmp_path / "audit.sqlite3").close()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assist_tui", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    ok = cli("audit", "verify")
    assert ok.returncode == 0 and "5 records, chain intact" in ok.stdout
    exported = cli("audit", "export", "--format", "csv", "--conversation", "c0")
    assert exported.returncode == 0 and len(exported.stdout.splitlines()) == 4
    assert cli("audit", "export", "--since", "yesterday").returncode == 2
    raw(tmp_path / "audit.sqlite3").execute("UPDATE audit SET actor = 'x' WHERE seq = 5")
    broken = cli("audit", "verify")
    assert broken.returncode == 1
    assert "record 5" in broken.stderr and "altered" in broken.stderr


def test_export_names_a_kind_the_store_never_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assist_tui.cli import main

    monkeypatch.setenv("ASSIST_TUI_DATA_DIR", str(tmp_path))
    filled(tmp_path / "audit.sqlite3").close()
    assert main(["audit", "export", "--kind", "final_utterence", "--kind", "final_utterance"]) == 0
    out = capsys.readouterr()
    assert len(out.out.splitlines()) == 5  # the right kind is exported
    assert (
        "--kind final_utterence: this store holds no record of that kind "
        "(did you mean 'final_utterance'? kinds present: final_utterance)" in out.err
    )
    assert "--kind final_utterance:" not in out.err

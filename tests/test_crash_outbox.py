"""kill -9 of a headless engine mid-stream, twice, then a restart: every audited final
has exactly one outbox entry (and no outbox entry lacks its audited final), and each is
delivered once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from .test_crash_recovery import _cli, _post, _status, _verify


def _audited_for_webhook(audit: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{audit}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT data FROM audit WHERE kind='final_utterance'").fetchall()
    finally:
        conn.close()
    datas = [json.loads(r[0]) for r in rows]
    return {d["utterance_id"] for d in datas if "webhook" in d}


def _outbox_keys(outbox: Path) -> list[str]:
    if not outbox.exists():
        return []
    conn = sqlite3.connect(f"file:{outbox}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT key FROM outbox")]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def test_kill_9_never_parts_audit_and_outbox(tmp_path: Path) -> None:
    base = dict(
        os.environ, ASSIST_TUI_LOG_DIR=str(tmp_path / "logs"), XDG_CONFIG_HOME=str(tmp_path / "cfg")
    )
    emulator = subprocess.Popen(
        _cli(
            "emulator",
            "--port",
            "0",
            "--concurrent",
            "4",
            "--speed",
            "8",
            "--heartbeat",
            "1",
            "--fault",
            "knowledge-down",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=base,
    )
    engine: subprocess.Popen[str] | None = None
    try:
        assert emulator.stdout is not None
        url = emulator.stdout.readline().split()[-1]
        env = dict(
            base,
            GENESYS_CLIENT_ID="assist-tui-demo",
            GENESYS_CLIENT_SECRET="demo-secret-not-for-production",
            GENESYS_API_BASE_URL=url,
            GENESYS_LOGIN_BASE_URL=url,
            ASSIST_TUI_DATA_DIR=str(tmp_path / "data"),
            ASSIST_TUI_WEBHOOK_URL=f"{url}/emulator/knowledge",
            ASSIST_TUI_STREAM_HEARTBEAT_INTERVAL_S="1",
            ASSIST_TUI_NLP_TRAINED_PIPELINE="",
        )
        audit = tmp_path / "data" / "audit.sqlite3"
        outbox = tmp_path / "data" / "outbox.sqlite3"
        for kill in range(2):
            engine = subprocess.Popen(
                _cli("run", "--headless", "--interval", "1"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            wanted = len(_outbox_keys(outbox)) + 4
            deadline = time.monotonic() + 45
            while len(_outbox_keys(outbox)) < wanted:
                assert engine.poll() is None, engine.communicate()
                assert time.monotonic() < deadline, f"no finals reached the outbox ({kill})"
                time.sleep(0.1)
            engine.send_signal(signal.SIGKILL)  # no flush, no close
            engine.wait(timeout=10)
            # never an outbox entry without its committed audit record
            assert set(_outbox_keys(outbox)) <= _audited_for_webhook(audit)

        _post(f"{url}/emulator/faults", {"fault": "knowledge-down", "value": "off"})
        before_restart = _audited_for_webhook(audit)
        # Entries that failed while the endpoint was down wait out their backoff: on a
        # loaded machine a short run may end first, so restart (a restart too must never
        # deliver anything twice) until every final is delivered, three runs at most.
        for _ in range(3):
            restart = subprocess.run(
                _cli("run", "--headless", "--interval", "1", "--duration", "4"),
                env=env,
                capture_output=True,
                text=True,
                timeout=90,
                check=False,
            )
            assert restart.returncode == 0, restart.stderr
            received = _status(url)["knowledgeReceived"]
            counts = {key: received.get(key, 0) for key in before_restart}
            if all(counts.values()):
                break
        keys = _outbox_keys(outbox)
        assert len(keys) == len(set(keys))  # exactly one entry per final
        assert set(keys) == _audited_for_webhook(audit)  # and one for every audited final
        assert all(n == 1 for n in counts.values()), f"each delivered once: {counts}"
        verify = _verify(env)
        assert verify.returncode == 0, verify.stderr
    finally:
        if engine is not None and engine.poll() is None:
            engine.kill()
        emulator.send_signal(signal.SIGINT)
        emulator.communicate(timeout=15)

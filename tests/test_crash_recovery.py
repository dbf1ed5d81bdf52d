"""SIGKILL the engine mid-stream: the audit chain still verifies, and after a restart
the outbox delivers what was waiting, once per idempotency key."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "assist_tui", *args]


def _pending(outbox: Path) -> set[str]:
    if not outbox.exists():
        return set()
    conn = sqlite3.connect(f"file:{outbox}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT key FROM outbox WHERE state='pending'")}
    except sqlite3.OperationalError:
        return set()
    finally:
        conn.close()


def _delivered(outbox: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{outbox}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT key FROM outbox WHERE state='delivered'")}
    finally:
        conn.close()


def _post(url: str, body: dict[str, str]) -> None:
    httpx.post(url, json=body, timeout=10).raise_for_status()


def _status(url: str) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{url}/emulator/status", timeout=10).json()  # type: ignore[no-any-return]


def _verify(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _cli("audit", "verify"), env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_sigkill_then_restart(tmp_path: Path) -> None:
    base = dict(
        os.environ, ASSIST_TUI_LOG_DIR=str(tmp_path / "logs"), XDG_CONFIG_HOME=str(tmp_path / "cfg")
    )
    emulator = subprocess.Popen(
        _cli(
            "emulator",
            "--port",
            "0",
            "--concurrent",
            "3",
            "--speed",
            "6",
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
            ASSIST_TUI_QUALITY_POLL_INTERVAL_S="1",
            ASSIST_TUI_NLP_TRAINED_PIPELINE="",
        )
        outbox = tmp_path / "data" / "outbox.sqlite3"
        engine = subprocess.Popen(
            _cli("run", "--headless", "--interval", "1"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 45
        while len(_pending(outbox)) < 4:
            assert engine.poll() is None, engine.communicate()
            assert time.monotonic() < deadline, "no finals reached the outbox"
            time.sleep(0.2)
        engine.send_signal(signal.SIGKILL)  # mid-stream, no chance to flush or close
        engine.wait(timeout=10)

        verify = _verify(env)
        assert verify.returncode == 0, verify.stderr
        waiting = _pending(outbox)
        assert waiting

        _post(f"{url}/emulator/faults", {"fault": "knowledge-down", "value": "off"})
        restart = subprocess.run(
            _cli("run", "--headless", "--interval", "1", "--duration", "5"),
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert restart.returncode == 0, restart.stderr
        assert waiting <= _delivered(outbox), "what waited before the kill was delivered"
        received = _status(url)["knowledgeReceived"]
        assert all(received[key] == 1 for key in waiting)
        verify = _verify(env)
        assert verify.returncode == 0, verify.stderr
        assert "chain intact" in verify.stdout
    finally:
        if engine is not None and engine.poll() is None:
            engine.kill()
        emulator.send_signal(signal.SIGINT)
        emulator.communicate(timeout=15)

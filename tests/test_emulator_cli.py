"""`assist-tui emulator` standalone, and `tail` against it with credentials (not demo)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def test_standalone_emulator_serves_a_credentialed_tail(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update({"XDG_CONFIG_HOME": str(tmp_path / "c"), "ASSIST_TUI_LOG_DIR": str(tmp_path / "l")})
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assist_tui",
            "emulator",
            "--port",
            "0",
            "--concurrent",
            "2",
            "--speed",
            "8",
            "--heartbeat",
            "1",
            "--fault",
            "stop-heartbeats=off",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        banner = [server.stdout.readline() for _ in range(6)]
        url = banner[0].split()[-1]
        assert url.startswith("http://127.0.0.1:")
        assert any("assist-tui-demo" in line for line in banner)
        assert any("demo-secret" in line for line in banner)
        client_env = dict(env)
        client_env.update(
            {
                "GENESYS_CLIENT_ID": "assist-tui-demo",
                "GENESYS_CLIENT_SECRET": "demo-secret-not-for-production",
                "GENESYS_API_BASE_URL": url,
                "GENESYS_LOGIN_BASE_URL": url,
                "ASSIST_TUI_STREAM_HEARTBEAT_INTERVAL_S": "1",
            }
        )
        tail = subprocess.run(
            [sys.executable, "-m", "assist_tui", "tail", "--count", "3", "--duration", "40"],
            capture_output=True,
            text=True,
            timeout=60,
            env=client_env,
            check=False,
        )
        assert tail.returncode == 0, tail.stderr
        assert "DEMO" not in tail.stderr  # credentials given: the production code path
        assert len(tail.stdout.splitlines()) == 3
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=15)
    assert server.returncode == 0


def test_unknown_fault_is_a_clear_error(tmp_path: Path) -> None:
    env = dict(os.environ, ASSIST_TUI_LOG_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "assist_tui", "emulator", "--fault", "explode"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown fault 'explode'" in result.stderr and "drop-socket" in result.stderr

"""The real ``assist-tui --demo`` in a real terminal (tmux): keys in, screen text out."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def capture(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
    ).stdout


def wait_for(session: str, needles: tuple[str, ...], timeout: float = 40.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if all(n in screen for n in needles):
            return screen
        time.sleep(0.3)
    raise AssertionError(f"{needles} not on screen after {timeout} s:\n{screen}")


# The real app, its engine process and spaCy start from nothing: beside a parallel suite
# that takes longer than the default 60 s; every wait inside is bounded on its own.
@pytest.mark.timeout(240)
def test_demo_in_tmux_shows_transcript_hits_and_audit(tmp_path: Path) -> None:
    session = f"assist-{uuid.uuid4().hex[:8]}"
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "ASSIST_TUI_DATA_DIR": str(tmp_path / "data"),
        "ASSIST_TUI_LOG_DIR": str(tmp_path / "logs"),
        "ASSIST_TUI_EMULATOR_SPEED": "4",
        "ASSIST_TUI_NLP_TRAINED_PIPELINE": "",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
    }
    command = "env -i " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command += f" {shlex.quote(sys.executable)} -m assist_tui --demo"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "150", "-y", "42", command], check=True
    )
    try:
        screen = wait_for(session, ("DEMO", "connected", "AGENT"))
        assert "CUST" in wait_for(session, ("CUST",))
        # A keyword hit or a pushed suggestion appears in the hits pane. The board selects
        # the call that needs attention first, which may not have one yet: visit the rows
        # from the top now and then until a call with a hit is shown. (Down alone is not
        # enough: a selected call that ends sorts to the bottom, among ended calls that
        # may have no hit, and the cursor goes with it.)
        deadline = time.monotonic() + 90
        screen = capture(session)
        row = 0
        while "→ agent" not in screen and "“" not in screen:
            if time.monotonic() > deadline:
                raise AssertionError(f"no hit or suggestion on screen after 90 s:\n{screen}")
            for _ in range(20):
                time.sleep(0.3)
                screen = capture(session)
                if "→ agent" in screen or "“" in screen:
                    break
            else:
                row = (row + 1) % 8
                keys = ["Home"] + ["Down"] * row
                subprocess.run(["tmux", "send-keys", "-t", session, *keys], check=True)
        assert "hits and suggestions" in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "l"], check=True)
        screen = wait_for(session, ("Audit log", "final_utterance", "final · "))
        assert "chain: intact" in wait_for(session, ("chain: intact",))
        subprocess.run(["tmux", "send-keys", "-t", session, "Escape"], check=True)
        wait_for(session, ("transcript",))
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            alive = subprocess.run(["tmux", "has-session", "-t", session], capture_output=True)
            if alive.returncode != 0:
                break
            time.sleep(0.3)
        else:
            raise AssertionError("q did not quit the app")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)

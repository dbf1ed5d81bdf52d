"""Shared by the benchmarks: an emulator in its own process, and its demo credentials."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

CLIENT_ID = "assist-tui-demo"
CLIENT_SECRET = "demo-secret-not-for-production"  # noqa: S105 - the emulator's public demo value
SYNTHETIC_QUEUE = "5a1f0c2e-6b3d-4c1a-9e2f-0b7d8c9a1e06"


def start_emulator(
    conversations: int, rate: float, niceness: int = 0
) -> tuple[subprocess.Popen[str], str]:
    """An emulator process; with ``conversations`` 0 it only serves (a webhook sink).
    ``niceness`` above 0 lowers its CPU priority, as for the engine process."""
    load = ["--load", str(conversations), "--rate", str(rate)] if conversations else []
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assist_tui",
            "emulator",
            "--port",
            "0",
            "--concurrent",
            "0",
            "--heartbeat",
            "30",
            *load,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        # Runs in the child between fork and exec: a bare system call, no lock to deadlock on.
        preexec_fn=functools.partial(os.nice, niceness) if niceness > 0 else None,
    )
    assert process.stdout is not None
    url = process.stdout.readline().split()[-1]
    return process, url

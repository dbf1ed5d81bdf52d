"""The ``assist-tui replay`` arguments (kept apart from replay.py so that building the
command line stays light: the engine is imported only when a replay runs)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assist_tui import cli_checks


def add_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    replay = commands.add_parser(
        "replay",
        help="play a recording back through the dashboard (or headless)",
        description="Play a recorded stream (a file or directory written by [record], or "
        "the NATS frames stream with --nats) through a fresh engine: the same events in "
        "the same order. The replay pushes nothing to agents and posts nothing to the "
        "webhook; its audit is a throwaway.",
        epilog="TIME: an ISO time (UTC unless it names a zone), or an offset: 90s, 5m, 1h30m "
        "(from the recording's start; with --nats, that long ago).",
    )
    common(replay)
    replay.add_argument("file", nargs="?", type=Path, help="recording file or directory")
    replay.add_argument(
        "--speed",
        dest="replay_speed",
        type=_speed,
        default=1.0,
        help="2 = twice as fast; 0 = at once",
    )
    replay.add_argument("--from", dest="start", metavar="TIME", help="play from this time")
    replay.add_argument("--to", dest="end", metavar="TIME", help="stop after this time")
    replay.add_argument("--conversation", metavar="ID", help="only this conversation")
    replay.add_argument("--headless", action="store_true", help="no UI: status lines")
    replay.add_argument(
        "--nats",
        metavar="URL",
        type=cli_checks.nats_url,
        help="read the org's frames stream instead",
    )
    replay.add_argument(
        "--org", default="demo", type=cli_checks.org_slug, metavar="SLUG", help="with --nats (demo)"
    )
    replay.add_argument(
        "--interval", type=float, default=5.0, metavar="SECONDS", help="headless status period"
    )


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0 or value > 10_000:
        raise argparse.ArgumentTypeError("the speed is 0 (at once) to 10000")
    return value

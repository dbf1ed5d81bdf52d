"""Which theme the dashboard opens with and which ``t`` moves to; the choice is remembered in
a small private state file, never in the user's config file."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import platformdirs

from assist_tui.files import FILE_MODE, private_dir

APP_NAME = "assist-tui"


def state_path() -> Path:
    """``ui.json`` in the platform state dir (``~/.local/state/assist-tui`` on Linux)."""
    return platformdirs.user_state_path(APP_NAME) / "ui.json"


def read_state(path: Path) -> dict[str, str | None]:
    """The remembered choice; an absent or damaged file is no choice."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str) or v is None}


def remember(path: Path, theme: str, configured: str | None) -> None:
    """Save ``theme`` (mode 600, written whole then renamed) with the configured theme it
    was chosen over, so a later change to ``[ui] theme`` in the config wins again."""
    private_dir(path.parent)
    temp = path.with_name(path.name + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"theme": theme, "configured": configured}, handle)
    os.replace(temp, path)
    with contextlib.suppress(OSError):
        os.chmod(path, FILE_MODE)


def start_theme(
    available: Sequence[str], configured: str | None, state: dict[str, str | None], default: str
) -> str:
    """The remembered choice while the config still says what it said then; else the
    configured theme; else ``default``. Names that are not available are skipped."""
    remembered = state.get("theme")
    if remembered in available and state.get("configured") == configured:
        return str(remembered)
    if configured in available:
        return str(configured)
    return default if default in available else "textual-dark"


def next_theme(current: str, cycle: Sequence[str]) -> str:
    """The theme after ``current`` in ``cycle`` (the first if ``current`` is not in it)."""
    if not cycle:
        return current
    index = cycle.index(current) if current in cycle else -1
    return cycle[(index + 1) % len(cycle)]

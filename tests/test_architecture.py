"""The engine side never imports Textual (DESIGN.md): proved with textual blocked."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "assist_tui.model",
    "assist_tui.config",
    "assist_tui.cli",
    "assist_tui.tail",
    "assist_tui.platform",
    "assist_tui.genesys.notifications",
    "assist_tui.genesys.follow",
    "assist_tui.genesys.session",
    "assist_tui.emulator.server",
    "assist_tui.engine.engine",
    "assist_tui.headless",
    "assist_tui.audit_cli",
    "assist_tui.sinks.webhook",
]


def test_core_imports_without_textual() -> None:
    code = (
        "import sys; sys.modules['textual'] = None\n"
        + "".join(f"import {name}\n" for name in CORE)
        + "assert not any(m == 'textual' or m.startswith('textual.') for m in sys.modules if sys.modules[m])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr

"""`run --headless` carries the call board: open alerts on the status line, each alert as it
is raised, every call's analytics at the end; a broken alert rules file is named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .test_tail_cli import env_for

RULE = (
    '[[alert]]\nid = "agent-speaks"\ntitle = "Agent spoke"\nkind = "said"\n'
    'severity = "high"\nspeaker = "agent"\npatterns = ["\\\\w"]\ncooldown_s = 3600\n'
)


def run(tmp_path: Path, rules: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "alerts.toml"
    path.write_text(rules)
    env = env_for(tmp_path) | {
        "ASSIST_TUI_ALERTS_RULES_FILE": str(path),
        "ASSIST_TUI_AUDIT_PATH": str(tmp_path / "audit.sqlite3"),
    }
    return subprocess.run(
        [sys.executable, "-m", "assist_tui", "run", "--headless", "--demo", *args],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )


def test_headless_prints_alerts_and_the_board(tmp_path: Path) -> None:
    result = run(tmp_path, RULE, "--duration", "8", "--interval", "1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("alert: ") and "Agent spoke" in line for line in lines)
    status = [line for line in lines if "| alerts " in line]
    assert status and "open" in status[-1] and "sentiment" in status[-1]
    board = json.loads(next(line for line in lines if line.startswith("board: "))[7:])
    assert board["calls"] and board["alerts"]
    one = next(iter(board["calls"].values()))
    assert {"sentiment", "trend", "talk_ms", "talk_ratio", "overtalk_ms", "categories"} <= set(one)
    assert all(a["rule_id"] == "agent-speaks" for a in board["alerts"])


def test_headless_names_a_broken_alert_rules_file(tmp_path: Path) -> None:
    result = run(
        tmp_path, '[[alert]]\nid = "q"\ntitle = "t"\nkind = "silence_over"\n', "--duration", "2"
    )
    assert result.returncode == 2
    assert "alerts.toml" in result.stderr and "rule 'q'" in result.stderr
    assert "needs seconds" in result.stderr

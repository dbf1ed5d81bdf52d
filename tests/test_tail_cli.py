"""`assist-tui tail` as a user runs it: the real command, a real emulator, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "assist_tui", *args]


def env_for(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "ASSIST_TUI_EMULATOR_SPEED": "8",
            "ASSIST_TUI_EMULATOR_HEARTBEAT_INTERVAL_S": "1",
            "ASSIST_TUI_DISCOVERY_REDISCOVER_INTERVAL_S": "1",
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "ASSIST_TUI_LOG_DIR": str(tmp_path / "logs"),
        }
    )
    return env


def test_tail_json_lines_parse(tmp_path: Path) -> None:
    result = subprocess.run(
        command("tail", "--demo", "--json", "--count", "8", "--duration", "40"),
        capture_output=True,
        text=True,
        timeout=60,
        env=env_for(tmp_path),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 8
    rows = [json.loads(line) for line in lines]
    assert all(row["kind"] == "utterance" and row["text"] for row in rows)
    assert {"conversation_id", "utterance_id", "is_final", "speaker", "words"} <= set(rows[0])
    assert "DEMO" in result.stderr and "connected" in result.stderr
    log = (tmp_path / "logs" / "assist-tui.log").read_text()
    assert "emulator listening" in log
    for row in rows:  # the transcript never reaches the log
        if len(row["text"]) > 12:
            assert row["text"] not in log


def test_tail_text_finals_only(tmp_path: Path) -> None:
    result = subprocess.run(
        command("tail", "--demo", "--finals-only", "--count", "2"),
        capture_output=True,
        text=True,
        timeout=60,
        env=env_for(tmp_path),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(" final " in line for line in lines)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_tail_exits_cleanly_on_signals(tmp_path: Path, sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        command("tail", "--demo"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(tmp_path),
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # blocks until an utterance is printed
    assert first.strip()
    started = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert time.monotonic() - started < 10


def test_bad_conversation_id_is_reported_not_a_crash(tmp_path: Path) -> None:
    result = subprocess.run(
        command("tail", "--demo", "--conversation", "not-a-conversation", "--duration", "1"),
        capture_output=True,
        text=True,
        timeout=60,
        env=env_for(tmp_path),
        check=False,
    )
    # Looked up before subscribing (issue 11): the platform does not know it, exit 2.
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "'not-a-conversation': the platform does not know this conversation" in result.stderr


async def test_tail_never_shows_card_digits(tmp_path: Path) -> None:
    import asyncio
    import io

    from assist_tui.config import Settings
    from assist_tui.emulator.server import EmulatorServer
    from assist_tui.tail import TailOptions, run_tail

    from .conftest import emulator_settings

    async with EmulatorServer(emulator_settings()) as server:
        call = server.emulator.director.prepare("card-payment")
        settings = Settings.model_validate(
            {
                "genesys": {
                    "client_id": server.client_id,
                    "client_secret": server.client_secret,
                    "api_base_url": server.url,
                    "login_base_url": server.url,
                },
                "stream": {"heartbeat_interval_s": 0.2},
            }
        )
        out, err = io.StringIO(), io.StringIO()
        finals = len([e for e in call.events if e.is_final])
        options = TailOptions([call.conversation_id], as_json=True, finals_only=True, count=finals)
        tail = asyncio.create_task(run_tail(settings, options, out, err))
        while "connected" not in err.getvalue():
            await asyncio.sleep(0.02)
        server.emulator.director.start(call, speed=40)
        assert await asyncio.wait_for(tail, 30) == 0
    text = out.getvalue()
    assert len(text.splitlines()) == finals
    assert "[CARD]" in text and "[EMAIL]" in text
    assert "four one one one" not in text
    card_turn = next(json.loads(line) for line in text.splitlines() if "Visa" in line)
    spoken = {w["text"].strip(",.").lower() for w in card_turn["words"]}
    assert "[card]" in spoken and not spoken & {"four", "one"}


def test_tail_json_carries_analytics_and_alerts(tmp_path: Path) -> None:
    result = subprocess.run(
        command("tail", "--demo", "--json", "--finals-only", "--count", "6", "--duration", "40"),
        capture_output=True,
        text=True,
        timeout=60,
        env=env_for(tmp_path),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 6
    for row in rows:
        a = row["analytics"]
        assert -1 <= a["sentiment"] <= 1
        assert row["speaker"] in a["talk_ms"]
        assert isinstance(row["alerts"], list)


def test_alerts_command_streams_json_alerts(tmp_path: Path) -> None:
    rules = tmp_path / "alerts.toml"
    # A rule every demo call meets at once: the agent speaks.
    rules.write_text(
        '[[alert]]\nid = "agent-speaks"\ntitle = "Agent spoke"\nkind = "said"\n'
        'severity = "low"\nspeaker = "agent"\npatterns = ["\\\\w"]\ncooldown_s = 3600\n'
    )
    env = env_for(tmp_path) | {"ASSIST_TUI_ALERTS_RULES_FILE": str(rules)}
    result = subprocess.run(
        command("alerts", "--demo", "--json", "--count", "2", "--duration", "40"),
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2
    assert all(r["kind"] == "alert" and r["rule_id"] == "agent-speaks" for r in rows)
    assert len({r["conversation_id"] for r in rows}) == 2  # once per call (cooldown)
    assert all(r["severity"] == "low" and r["raised_at"] for r in rows)


def test_alerts_command_names_a_broken_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "alerts.toml"
    rules.write_text('[[alert]]\nid = "x"\ntitle = "t"\nkind = "not_said"\nphrases = ["a"]\n')
    env = env_for(tmp_path) | {"ASSIST_TUI_ALERTS_RULES_FILE": str(rules)}
    result = subprocess.run(
        command("alerts", "--demo", "--duration", "5"),
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert str(rules) in result.stderr and "within_s" in result.stderr
    assert "Traceback" not in result.stderr


def test_tail_json_prints_a_tick_raised_alert_on_its_own_line(tmp_path: Path) -> None:
    rules = tmp_path / "alerts.toml"
    # Never said, so its window (1 s from the call's first final) closes on the tick.
    rules.write_text(
        '[[alert]]\nid = "never"\ntitle = "Never said"\nkind = "not_said"\n'
        'within_s = 1\nphrases = ["zebra crossing quartz"]\n'
    )
    env = env_for(tmp_path) | {"ASSIST_TUI_ALERTS_RULES_FILE": str(rules)}
    result = subprocess.run(
        command("tail", "--demo", "--json", "--finals-only", "--count", "12", "--duration", "40"),
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    alerts = [r for r in rows if r["kind"] == "alert"]
    assert alerts and all(r["rule_id"] == "never" for r in alerts)
    finals = [r for r in rows if r["kind"] == "utterance"]
    assert finals and not any(f["alerts"] for f in finals)  # never riding on a final


def test_a_conversations_start_and_end_are_said_once_each() -> None:
    from assist_tui.model import ConversationEnded, ConversationStarted, StreamHealth, StreamState
    from assist_tui.tail import LifecycleOnce, describe

    once = LifecycleOnce()
    told = [
        ConversationStarted(conversation_id="c1", queue_id="q"),  # discovery
        ConversationStarted(conversation_id="c1", queue_id="q", agent_name="Dana"),  # queue
        ConversationStarted(conversation_id="c2"),
        ConversationEnded(conversation_id="c1", reason="transcription session ended"),
        ConversationEnded(conversation_id="c1", reason="all participants disconnected"),
        ConversationStarted(conversation_id="c1"),  # a late queue event of an ended call
        StreamHealth(state=StreamState.CONNECTED),
        StreamHealth(state=StreamState.CONNECTED),  # health is said every time
    ]
    said = [describe(e) for e in told if once.new(e)]
    assert said == [
        "conversation started: c1",
        "conversation started: c2",
        "conversation ended: c1 (transcription session ended)",
        "connected (None, reconnects 0)",
        "connected (None, reconnects 0)",
    ]

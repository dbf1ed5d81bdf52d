"""The dashboard tells the truth about its engine: kill -9 of the engine process turns
the status bar red with the reason, the engine is restarted (R skips the wait), the
transcript comes back from the audit store, and quitting afterwards exits 1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

import pytest
from rich.text import Text

from assist_tui.config import Settings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.link import EngineStopped
from assist_tui.engine.remote import EngineProcess
from assist_tui.engine.supervisor import FIRST_DELAY_S, EngineSupervisor
from assist_tui.ui.app import AssistApp
from assist_tui.ui.panes import ConversationTable, StatusBar

from .conftest import HEARTBEAT_S, emulator_settings
from .test_dashboard import until


def plain(app: AssistApp) -> str:
    shown = app.query_one(StatusBar)._shown
    return shown.plain if isinstance(shown, Text) else str(shown or "")


def finals(app: AssistApp, cid: str) -> set[str]:
    content = app._content
    if content is None or content.conversation_id != cid:
        return set()
    return {line.utterance_id for line in content.lines if line.is_final}


# Two engine processes start (spaCy twice) beside a parallel suite: every wait inside is
# bounded on its own; the whole may take longer than the default 60 s on a loaded machine.
@pytest.mark.timeout(150)
async def test_killed_engine_is_reported_restarted_and_restored(tmp_path: Path) -> None:
    # The platform outlives the engine (as Genesys Cloud does): an emulator of its own.
    async with EmulatorServer(emulator_settings(concurrent=3, speed=2, seed=3)) as server:
        settings = Settings.model_validate(
            {
                "genesys": {
                    "client_id": server.client_id,
                    "client_secret": server.client_secret,
                    "api_base_url": server.url,
                    "login_base_url": server.url,
                },
                "stream": {"heartbeat_interval_s": HEARTBEAT_S},
                "nlp": {"trained_pipeline": ""},
                "discovery": {"rediscover_interval_s": 1},
            }
        )
        app = AssistApp(settings, export_dir=tmp_path / "exports")
        async with app.run_test(size=(140, 40)) as pilot:
            table = app.query_one(ConversationTable)
            await until(pilot, lambda: table.row_count >= 2, 30)
            cid = table.selected
            assert cid is not None
            await until(pilot, lambda: len(finals(app, cid)) >= 2, 30)
            assert isinstance(app.link, EngineProcess)
            await app.link.flush_audit()  # what was shown is in the audit store
            before = finals(app, cid)
            first = app.link
            os.kill(first.process.pid, signal.SIGKILL)

            # The status bar says so, in red, with the reason; the last view stays shown.
            await until(pilot, lambda: "ENGINE DOWN" in plain(app), 5)
            assert "exit status -9" in plain(app)
            shown = app.query_one(StatusBar)._shown
            assert isinstance(shown, Text)
            assert any("red" in str(span.style) for span in shown.spans)
            assert app.link is None and app.supervisor.failures == 1

            await pilot.press("R")  # restart now, not after the backoff
            await until(pilot, lambda: isinstance(app.link, EngineProcess), 30)
            assert app.link is not first
            await until(pilot, lambda: "ENGINE DOWN" not in plain(app), 30)
            await until(pilot, lambda: cid in table._keys, 30)
            table.action_jump(table._keys.index(cid))
            # The transcript is back from the audit: every final shown before the kill.
            await until(pilot, lambda: before <= finals(app, cid), 30)
            assert app.supervisor.restarts == 1
            # The notices screen keeps both, with their times, after the toasts are gone.
            kept = [text for _, text in app.notices.entries]
            assert any(t.endswith("the engine stopped: exit status -9") for t in kept), kept
            assert any(t.endswith("the engine was restarted") for t in kept), kept
            await pilot.press("q")
        assert app.return_code == 1


class _Dies:
    """An engine that dies at once, as a killed process looks to its supervisor."""

    closed = 0

    async def run(self) -> None:
        raise EngineStopped("exit status -9")

    async def close(self) -> None:
        _Dies.closed += 1


async def test_supervisor_backs_off_doubling_and_restart_now_skips_the_wait() -> None:
    clock = [0.0]
    supervisor = EngineSupervisor(clock=lambda: clock[0])
    links: list[object] = []
    starts = 0

    async def start() -> _Dies:
        nonlocal starts
        starts += 1
        return _Dies()

    task = asyncio.create_task(supervisor.run(start, links.append))
    for _ in range(50):
        await asyncio.sleep(0)
    # Died once: told at once (a link, then None), and a restart waits the first delay.
    assert supervisor.failure == "exit status -9" and supervisor.failures == 1
    assert links[-1] is None and starts == 1
    assert supervisor.seconds_to_restart() == FIRST_DELAY_S
    supervisor.restart_now()
    for _ in range(50):
        await asyncio.sleep(0)
    assert starts == 2 and supervisor.failures == 2 and supervisor.restarts == 1
    assert supervisor.seconds_to_restart() == 2 * FIRST_DELAY_S  # doubled
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert _Dies.closed == 2

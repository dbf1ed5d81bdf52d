"""The engine process the dashboard starts: views and commands over its socket, refusals
with their reasons, an orderly end, and a clear reason when it cannot start."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from assist_tui.audit.store import AuditReader
from assist_tui.config import Settings
from assist_tui.engine.link import EngineCommandError, EngineStopped
from assist_tui.engine.remote import EngineProcess
from assist_tui.engine.snapshot import EngineView


def demo(**sections: object) -> Settings:
    data: dict[str, object] = {
        "demo": True,
        "emulator": {"speed": 4, "heartbeat_interval_s": 1, "concurrent": 3, "seed": 3},
        "nlp": {"trained_pipeline": ""},
        "discovery": {"rediscover_interval_s": 1},
    }
    data.update(sections)
    return Settings.model_validate(data)


@contextlib.asynccontextmanager
async def engine_process(
    settings: Settings,
) -> AsyncIterator[tuple[EngineProcess, asyncio.Task[None]]]:
    process = await EngineProcess.start(settings)
    runner = asyncio.create_task(process.run())
    try:
        yield process, runner
    finally:
        await process.close()
        with contextlib.suppress(EngineStopped):
            await runner


async def until_view(
    process: EngineProcess, predicate: object, selected: str | None = None, timeout: float = 30
) -> EngineView:
    assert callable(predicate)
    for _ in range(int(timeout / 0.1)):
        view = await process.view(selected)
        if predicate(view):
            return view
        await asyncio.sleep(0.1)
    raise AssertionError(f"the engine's view did not get there within {timeout} s")


async def test_views_and_commands_over_the_socket(tmp_path: Path) -> None:
    async with engine_process(demo()) as (process, _runner):
        assert process.label.startswith("DEMO http://127.0.0.1:")
        view = await until_view(process, lambda v: v.ready and v.rows and len(v.rows) >= 2)
        assert view.rows is not None
        cid = view.rows[0].conversation_id
        # The selected conversation's content comes once per version, gauges every time.
        first = await until_view(process, lambda v: v.content and v.content.lines, cid)
        assert first.content is not None and first.gauges is not None
        again = await process.view(cid, known_version=first.content.version)
        assert again.gauges is not None and again.gauges.conversation_id == cid
        assert again.content is None or again.content.version != first.content.version
        # Commands change what the next view shows, and are audited by the engine.
        await process.pause(cid)
        paused = await process.view(cid, rows=True)
        assert paused.gauges is not None and paused.gauges.paused and paused.paused >= 1
        await process.resume(cid)
        await process.flush_audit()
        reader = AuditReader(process.audit_path)
        kinds = [r.kind for r in reader.records(conversation=cid)]
        reader.close()
        assert "pause" in kinds and "resume" in kinds
        # A refusal comes back with the engine's reason, and the link keeps working.
        with pytest.raises(EngineCommandError, match="not following conversation nope"):
            await process.reset_context("nope")
        assert (await process.view(None, rows=False)).rows is None


async def test_closing_the_socket_ends_the_engine_in_order(tmp_path: Path) -> None:
    async with engine_process(demo()) as (process, runner):
        await until_view(process, lambda v: v.ready and v.events > 0)
    assert process.process.returncode == 0
    assert runner.done() and runner.exception() is None
    with pytest.raises(EngineStopped):
        await process.view(None)
    # Everything the engine audited was committed before it exited.
    reader = AuditReader(process.audit_path)
    assert any(r.kind == "subscribe" for r in reader.records())
    reader.close()


async def test_an_engine_that_cannot_start_says_why(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the data directory should be")
    settings = demo(audit={"path": str(blocker / "audit.sqlite3")})
    with pytest.raises(EngineStopped, match="cannot open"):
        await EngineProcess.start(settings)


async def test_board_commands_over_the_socket(tmp_path: Path) -> None:
    async with engine_process(demo()) as (process, _runner):
        view = await until_view(process, lambda v: v.ready and v.rows)
        assert view.alerts is not None and view.rows is not None
        assert all(r.analytics is not None for r in view.rows)
        assert await process.ended_conversations() == []
        with pytest.raises(EngineCommandError, match="no open alert nope"):
            await process.acknowledge("nope", "sup-ann")
        with pytest.raises(EngineCommandError, match="no ended conversation nope"):
            await process.reopen("nope")

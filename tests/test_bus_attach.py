"""The real dashboard attached to ``serve`` over a real nats-server: no engine of its own,
the board from the bus, keys become commands audited with the supervisor's name, the
transcript title names the other supervisor watching, ``l`` says where the audit is, and
the status bar says when the engine stops publishing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import nats
from rich.text import Text
from textual.pilot import Pilot

from assist_tui.audit.store import AuditReader
from assist_tui.bus.attach_link import AUDIT_ELSEWHERE, NatsLink
from assist_tui.bus.connection import bucket
from assist_tui.bus.serve import Served, serving
from assist_tui.bus.server import LocalNatsServer
from assist_tui.bus.subjects import Subjects
from assist_tui.config import Settings
from assist_tui.ui.app import AssistApp
from assist_tui.ui.panes import ConversationTable, StatusBar, TextPane
from assist_tui.ui.screens import ConfirmScreen
from tests.bus_helpers import demo_settings, until_view
from tests.conftest import wait_until


async def until(pilot: Pilot[None], predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    waited = 0.0
    while not predicate():
        if waited > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.05)
        waited += 0.05


def shown(pane: TextPane) -> str:
    content = pane._shown
    return content.plain if isinstance(content, Text) else str(content or "")


@contextlib.asynccontextmanager
async def attached_app(
    url: str, tmp_path: Path
) -> AsyncIterator[tuple[AssistApp, Pilot[None], NatsLink]]:
    # No demo, no credentials: the dashboard's settings name no platform at all.
    settings = Settings.model_validate({"ui": {"supervisor": "ana"}})
    link = NatsLink(url, org="demo", supervisor="ana")
    app = AssistApp(settings, export_dir=tmp_path / "exports", link=link)
    async with app.run_test(size=(140, 40)) as pilot:
        yield app, pilot, link


async def test_the_dashboard_attached_shows_and_commands(nats_server: str, tmp_path: Path) -> None:
    async with serving(demo_settings(), nats_server, org="demo") as served:
        async with attached_app(nats_server, tmp_path) as (app, pilot, _link):
            await until(pilot, lambda: app.query_one(ConversationTable).row_count >= 2)
            # The stream's state comes apart from the rows: on a loaded machine a moment later.
            await until(pilot, lambda: "connected" in shown(app.query_one(StatusBar)))
            bar = shown(app.query_one(StatusBar))
            assert f"attached {nats_server} as ana" in bar and "connected" in bar
            assert app._engine_worker is None  # no engine here
            cid = app.query_one(ConversationTable).selected
            assert cid is not None and cid in served.engine.conversations
            # Another supervisor shows the same call: the transcript title names him.
            raj = NatsLink(nats_server, org="demo", supervisor="raj")
            try:
                await until_view(raj, lambda v: v.rows, cid)
                title = app.query_one("#transcript-title", TextPane)
                await until(pilot, lambda: "also watching: raj" in shown(title))
                # And raj is told that ana watches it.
                await until_view(raj, lambda v: v.watching == ("ana",), cid)
            finally:
                await raj.aclose()
            # Pushes happen on the engine, once, with this dashboard and raj's attached.
            emulator = served.platform.emulator
            assert emulator is not None
            await until(pilot, lambda: len(emulator.emulator.assist_received) >= 1, 45)
            # p pauses the call on the serving engine, audited as ana.
            await pilot.press("p")
            await until(pilot, lambda: served.engine.conversations[cid].paused)
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
            # l: the audit is not on this machine; the dashboard says where it is.
            await pilot.press("l")
            await pilot.pause(0.2)
            assert len(app.screen_stack) == 1
            assert any(AUDIT_ELSEWHERE in str(n.message) for n in app._notifications)
    reader = AuditReader(served.audit_path)
    try:
        mine = [
            (r.kind, r.actor)
            for r in reader.records(conversation=cid)
            if r.kind in ("pause", "reset_context")
        ]
        pushed = [r.data for r in reader.records(kinds=["suggestion_pushed"])]
        finals = [
            (r.conversation, r.data["utterance_id"])
            for r in reader.records(kinds=["final_utterance"])
        ]
    finally:
        reader.close()
    assert mine == [("pause", "ana"), ("reset_context", "ana")]
    delivered = [d for d in pushed if d["result"] == "delivered"]
    assert len(emulator.emulator.assist_received) == len(delivered) >= 1
    assert finals and len(set(finals)) == len(finals)


async def test_the_status_bar_says_when_the_engine_stops(nats_server: str, tmp_path: Path) -> None:
    engine = serving(demo_settings(), nats_server, org="demo")
    served: Served = await engine.__aenter__()
    running = True
    try:
        async with attached_app(nats_server, tmp_path) as (app, pilot, _link):
            await until(pilot, lambda: app.query_one(ConversationTable).row_count >= 1)
            running = False
            await engine.__aexit__(None, None, None)
            bar = app.query_one(StatusBar)
            await until(pilot, lambda: "no engine is serving org demo" in shown(bar))
            assert "ENGINE DOWN" in shown(bar) and served.runner.done()
    finally:
        if running:
            await engine.__aexit__(None, None, None)


async def test_the_link_says_when_nats_is_gone_and_recovers(tmp_path: Path) -> None:
    server = LocalNatsServer(tmp_path / "nats")
    await server.start()
    try:
        client = await nats.connect(server.url)
        names = Subjects("demo")
        for name in (names.views_bucket, names.alerts_bucket, names.engines_bucket):
            await bucket(client.jetstream(), name)
        await bucket(client.jetstream(), names.presence_bucket, ttl_s=30)
        await client.close()
        link = NatsLink(server.url, org="demo", supervisor="ana")
        await link.start()
        try:
            await server.stop()
            await wait_until(lambda: "lost; reconnecting" in link.silence())
            await server.start()  # the same port and store
            await wait_until(lambda: "lost" not in link.silence(), timeout=30)
            view = await link.view(None)
            assert view.rows == () and not view.ready  # no engine serves the org yet
        finally:
            await link.aclose()
    finally:
        await server.stop()


async def test_serve_says_at_once_when_nats_is_lost_and_back() -> None:
    import io

    from assist_tui.bus.serve import _say_bus_changes

    class Flaky:
        is_connected = True

    client, out = Flaky(), io.StringIO()
    watching = asyncio.create_task(_say_bus_changes(client, out, every_s=0.01))  # type: ignore[arg-type]
    try:
        await asyncio.sleep(0.05)  # the watcher has read the connection as up
        client.is_connected = False
        await wait_until(lambda: "NATS connection LOST: reconnecting" in out.getvalue())
        client.is_connected = True
        await wait_until(lambda: "NATS connection restored" in out.getvalue())
        assert out.getvalue().count("\n") == 2  # once each, not every check
    finally:
        watching.cancel()

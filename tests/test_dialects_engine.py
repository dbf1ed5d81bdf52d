"""The engine and the dashboard fed by seed dialects instead of the Notifications API."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from assist_tui.audit.store import AuditStore
from assist_tui.config import DialectSettings, Settings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import shared_matcher
from assist_tui.engine.rules import load_rules
from assist_tui.platform import Platform
from assist_tui.ui.app import AssistApp
from assist_tui.ui.panes import HitsTable

from .conftest import fast_stream, session_for, wait_until
from .test_dashboard import demo_settings, until


async def run_engine_with(
    server: EmulatorServer, tmp_path: Path, source: str, scenario: str
) -> tuple[AssistEngine, list[str]]:
    call = server.emulator.director.prepare(scenario)
    settings = Settings.model_validate(
        {
            "audit": {"flush_interval_s": 0.05},
            "nlp": {"cooldown_s": 0.0},
            "push": {"enabled": False},
        }
    )
    audit = AuditStore(tmp_path / "audit.sqlite3")
    async with session_for(server) as session:
        platform = Platform(
            session, "TEST", fast_stream(source=source), None, DialectSettings(ack_timeout_s=2)
        )
        engine = AssistEngine(
            settings,
            platform,
            audit=audit,
            conversations=[call.conversation_id],
            matcher=shared_matcher(load_rules()),
        )
        task = asyncio.create_task(engine.run())
        try:
            await asyncio.wait_for(engine.ready.wait(), 10)
            await wait_until(
                lambda: engine.health is not None and engine.health.state.value == "connected"
            )
            server.emulator.director.start(call, speed=40)
            finals = sum(1 for e in call.events if e.is_final)
            state = engine.conversations[call.conversation_id]
            if source == "insights":
                await wait_until(lambda: len(state.insights) >= 2)
            else:
                await wait_until(lambda: state.finals == finals)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    audit.flush()
    kinds = [r.kind for r in audit.records()]
    audit.close()
    return engine, kinds


async def test_engine_on_transcription_source_runs_every_stage(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    engine, kinds = await run_engine_with(emulator, tmp_path, "transcription", "card-payment")
    state = next(iter(engine.conversations.values()))
    assert state.audio is not None and state.audio.snr_db is not None  # from audioQuality
    assert state.latency.summary() is not None  # timestamps give a latency
    text = " ".join(line.text for line in state.lines.values())
    assert "4111" not in text and "[CARD]" in text  # redaction applies to this source too
    assert (
        "final_utterance" in kinds
        and "keyword_hit" in kinds
        and engine.governance()["source"] == "transcription"
    )


async def test_engine_on_insights_source_keeps_redacted_insights(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    engine, kinds = await run_engine_with(emulator, tmp_path, "insights", "cancellation-retention")
    state = next(iter(engine.conversations.values()))
    assert {i.insight_type for i in state.insights} >= {"sentiment_alert"}
    assert "insight" in kinds and engine.governance()["insights"] >= 2


async def test_dashboard_names_the_source_and_shows_insights(tmp_path: Path) -> None:
    settings = demo_settings(stream={"source": "insights"})
    app = AssistApp(settings, export_dir=tmp_path / "exports")
    async with app.run_test(size=(140, 40)) as pilot:
        status = app.query_one("#status")
        await until(pilot, lambda: "source insights" in str(status.render()), 20)
        with_insights = None
        for _ in range(400):  # the engine process is asked, as the dashboard asks it
            for conversation in app.rows:
                assert app.link is not None
                view = await app.link.view(conversation.conversation_id, rows=False)
                if view.content is not None and view.content.insights:
                    with_insights = conversation.conversation_id
            if with_insights:
                break
            await pilot.pause(0.1)
        assert with_insights is not None, "no insights within 40 s"
        table = app.query_one("ConversationTable")
        while table.selected != with_insights:  # type: ignore[attr-defined]
            await pilot.press("down")
            await pilot.pause(0.05)
        hits = app.query_one(HitsTable)
        await until(pilot, lambda: hits.row_count > 0, 5)
        cells = " ".join(text for text, _style in hits.cells_at(0))
        assert "insight" in cells

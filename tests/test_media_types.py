"""Chat and messaging, not only voice: the media type travels through the normalized model
to the conversations pane, and the audio gauges say there is no call to judge."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from assist_tui.config import DialectSettings, QualitySettings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.snapshot import gauges_of, row_of
from assist_tui.genesys.dialects.transcripts import TranscriptsDialect
from assist_tui.model import media_type_of
from assist_tui.ui.audio_gauges import audio_text
from assist_tui.ui.panes import ConversationTable

from .test_dialects_engine import run_engine_with


def test_the_transcripts_dialect_keeps_the_media_type() -> None:
    dialect = TranscriptsDialect(DialectSettings())
    frame = (
        '{"conversationId": "c1", "mediaType": "chat", "transcript": '
        '[{"id": "l1", "speaker": "customer", "text": "Hello there"}]}'
    )
    decoded = dialect.decode(frame, datetime.now(timezone.utc))
    assert [e.media_type for e in decoded.events] == ["chat"]  # type: ignore[union-attr]
    assert media_type_of("webmessaging") == "message" and media_type_of("Call") == "voice"
    assert media_type_of("fax") is None


async def test_a_web_chat_on_the_seed_dialect_is_shown_as_chat(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    engine, _ = await run_engine_with(emulator, tmp_path, "transcripts", "web-chat-refund")
    (state,) = engine.conversations.values()
    assert state.media_type == "chat"
    assert state.finals == 5 and any(h.rule_id == "churn.cancel" for h in state.hits)
    row = row_of(state)
    cells = dict(
        zip(
            [c.title for c in ConversationTable.COLUMNS],
            ConversationTable._row_cells(row),
            strict=True,
        )
    )
    assert cells["audio"][0] == "chat"  # the audio column names the media: no call to judge
    shown = audio_text(gauges_of(state), QualitySettings()).plain
    assert "not a voice call" in shown and "SNR" not in shown


async def test_messaging_reaches_the_transcripts_dialect_with_chat(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    engine, _ = await run_engine_with(emulator, tmp_path, "transcripts", "messaging-password-reset")
    (state,) = engine.conversations.values()
    assert state.media_type == "message" and state.finals == 4


async def test_digital_rotation_plays_chat_and_messaging() -> None:
    from assist_tui.emulator.server import EmulatorServer as Server

    from .conftest import emulator_settings, wait_until

    async with Server(emulator_settings(concurrent=8, speed=40.0, digital=True)) as server:
        calls = server.emulator.director.calls
        await wait_until(lambda: {"chat", "message"} <= {c.media_type for c in calls.values()})

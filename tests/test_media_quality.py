"""Audio gauges from the platform's real media-statistics shape (MediaStatisticsListing)."""

from __future__ import annotations

from pathlib import Path

from assist_tui.config import QualitySettings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.snapshot import gauges_of
from assist_tui.model import AudioStatus
from assist_tui.ui.audio_gauges import NOT_PROVIDED, audio_text

from .conftest import wait_until
from .test_engine_e2e import running_engine


async def test_gauges_filled_from_the_real_media_statistics_shape(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    director = emulator.emulator.director
    call = director.prepare("tech-support-bad-line")
    # Most of the call played: the line has degraded along its profile.
    for _ in range(len(call.events) - 2):
        director.emit_next(call)
    async with running_engine(emulator, tmp_path, matcher, [call]) as engine:
        await wait_until(
            lambda: (
                (s := engine.conversations.get(call.conversation_id)) is not None
                and s.audio is not None
            )
        )
        gauges = gauges_of(engine.conversations[call.conversation_id])
    audio = gauges.audio
    assert audio is not None
    assert audio.mos is not None and audio.mos < 3.0  # from rtp.estimatedAverageMos
    assert audio.jitter_ms is not None and audio.jitter_ms > 50  # from rtp.averageJitter
    # Loss from the Client endpoint's packetsReceived against the Server's packetsSent.
    assert audio.packet_loss_pct is not None and 3.0 < audio.packet_loss_pct < 5.5
    assert audio.snr_db is None and audio.codec is None  # the platform does not give them
    assert gauges.verdict.status is AudioStatus.BAD
    assert not any("SNR" in r or "codec" in r for r in gauges.verdict.reasons)
    shown = audio_text(gauges, QualitySettings()).plain
    lines = {line.split()[0]: line for line in shown.splitlines() if line.strip()}
    assert NOT_PROVIDED in lines["SNR"]
    for label in ("jitter", "loss", "MOS"):
        assert NOT_PROVIDED not in lines[label] and "·" not in lines[label], lines[label]

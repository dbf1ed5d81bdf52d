"""The engine's per-event pipeline driven directly: clamps, late drops, split phrases,
cooldowns, speaker filters. Uses a real matcher and store; no stream needed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from assist_tui.audit.store import AuditStore
from assist_tui.config import Settings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.genesys.media_stats import parse_media_statistics
from assist_tui.model import RejectedFrame, Speaker, UtteranceUpdate, utc_now
from assist_tui.platform import Platform

from .conftest import fast_stream, session_for


@contextlib.asynccontextmanager
async def bare_engine(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher, **sections: dict[str, Any]
) -> AsyncIterator[AssistEngine]:
    settings = Settings.model_validate({"nlp": {"cooldown_s": 3.0}, **sections})
    audit = AuditStore(tmp_path / "audit.sqlite3")
    async with session_for(emulator) as session:
        engine = AssistEngine(
            settings, Platform(session, "TEST", fast_stream()), audit=audit, matcher=matcher
        )
        worker = asyncio.create_task(engine._nlp_worker())
        try:
            yield engine
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            audit.close()


def final(
    uid: str, text: str, speaker: Speaker = Speaker.CUSTOMER, **extra: Any
) -> UtteranceUpdate:
    return UtteranceUpdate.model_validate(
        {
            "conversation_id": "c",
            "utterance_id": uid,
            "text": text,
            "confidence": 0.8,
            "is_final": True,
            "speaker": speaker,
            **extra,
        }
    )


async def settle(engine: AssistEngine) -> None:
    for _ in range(200):
        await asyncio.sleep(0.01)
        if engine._nlp_queue.empty():
            await asyncio.sleep(0.05)
            return


async def test_phrase_split_across_two_finals_still_matches(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    async with bare_engine(emulator, tmp_path, matcher) as engine:
        await engine.process(final("u1", "I want to speak to a"))
        await settle(engine)
        await engine.process(final("u2", "supervisor right now"))
        await settle(engine)
        hits = list(engine.conversations["c"].hits)
    assert [h.rule_id for h in hits] == ["escalation.supervisor"]
    assert hits[0].utterance_id == "u2" and hits[0].matched == "speak to a supervisor"


async def test_cooldown_per_conversation_and_rule(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    async with bare_engine(emulator, tmp_path, matcher) as engine:
        for i in range(3):
            await engine.process(final(f"u{i}", "I was billed twice"))
        await settle(engine)
        assert [h.rule_id for h in engine.conversations["c"].hits] == ["billing.dispute"]
    async with bare_engine(emulator, tmp_path / "2", matcher, nlp={"cooldown_s": 0}) as engine:
        for i in range(3):
            await engine.process(final(f"u{i}", "I was billed twice"))
        await settle(engine)
        assert len(engine.conversations["c"].hits) == 3


async def test_rules_read_only_their_speakers(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    async with bare_engine(emulator, tmp_path, matcher) as engine:
        await engine.process(final("a1", "I want to cancel my account", speaker=Speaker.AGENT))
        await engine.process(final("a2", "I guarantee it will be approved", speaker=Speaker.AGENT))
        await engine.process(final("c1", "I guarantee I will leave", speaker=Speaker.CUSTOMER))
        await settle(engine)
        hits = [(h.rule_id, h.speaker) for h in engine.conversations["c"].hits]
    assert hits == [("compliance.guarantee", Speaker.AGENT)]


async def test_clamps_are_counted_and_late_events_dropped_only_when_configured(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    late = {"event_time": utc_now() - timedelta(milliseconds=1500)}
    # The Notifications source's threshold is its own (the platform publishes in groups).
    tight = {"notifications_warn_ms": 500.0}
    async with bare_engine(emulator, tmp_path, matcher, latency=tight) as engine:
        await engine.process(
            final("u1", "hello", adjustments=("utterance confidence 1.2 clamped",))
        )
        await engine.process(final("u2", "late but kept", **late))
        assert engine.metrics.confidence_clamps == 1
        assert engine.metrics.dropped_late == 0 and engine.metrics.late == 1
        line = engine.conversations["c"].lines["u2"]
        assert line.late and line.latency_ms is not None and line.latency_ms >= 1500
    # drop_ms does not drop on the Notifications source unless asked to.
    async with bare_engine(emulator, tmp_path / "2", matcher, latency={"drop_ms": 800}) as engine:
        await engine.process(final("u2", "late, kept", **late))
        assert engine.metrics.dropped_late == 0 and "c" in engine.conversations
    dropping = {"drop_ms": 800, "drop_on_notifications": True}
    async with bare_engine(emulator, tmp_path / "3", matcher, latency=dropping) as engine:
        await engine.process(final("u2", "too late", **late))
        assert engine.metrics.dropped_late == 1 and "c" not in engine.conversations


async def test_rejected_frames_are_counted_and_audited(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    async with bare_engine(emulator, tmp_path, matcher) as engine:
        await engine.process(
            RejectedFrame(reason="oversized frame: 70000 bytes > limit 65536", size=70000)
        )
        await engine.process(RejectedFrame(reason="malformed JSON: x", size=5))
        assert engine.metrics.rejected == {"oversized frame": 1, "malformed JSON": 1}
        engine.audit.flush()
        rows = list(engine.audit.records(kinds=["rejected_frame"]))
    assert [r.data["size"] for r in rows] == [70000, 5]


def test_media_statistics_parsing() -> None:
    """The real MediaStatisticsListing: MOS and jitter from rtp, loss from the counters."""

    def endpoint(source: str, mos: object, jitter: object, received: int, sent: int) -> dict:
        return {
            "sourceType": source,
            "rtp": {
                "estimatedAverageMos": mos,
                "averageJitter": jitter,
                "packetsReceived": received,
                "packetsSent": sent,
            },
        }

    body = {
        "entities": [
            {
                "communicationId": "a",
                "mediaStatistics": [
                    endpoint("Server", 4.1, 12.0, 1000, 1000),
                    endpoint("Client", 3.1, 40, 980, 1000),
                ],
            },
            {"communicationId": "b", "mediaStatistics": [endpoint("Server", 4.2, 5, 10, 10)]},
            {"communicationId": "c", "mediaStatistics": [{"rtp": {"estimatedAverageMos": "n/a"}}]},
        ],
    }
    metrics = parse_media_statistics("c", body)
    assert metrics is not None
    assert (metrics.mos, metrics.jitter_ms, metrics.packet_loss_pct) == (3.1, 40.0, 2.0)
    # The platform gives no codec and no SNR: they stay not provided.
    assert (metrics.codec, metrics.snr_db) == (None, None)
    single = parse_media_statistics("c", {"entities": [body["entities"][1]]})
    assert single is not None and single.packet_loss_pct is None  # one endpoint: no estimate
    assert parse_media_statistics("c", {"entities": []}) is None
    assert parse_media_statistics("c", {"conversationId": "c", "communications": []}) is None
    assert parse_media_statistics("c", "nonsense") is None


async def test_the_headless_status_names_the_sources_own_latency_threshold(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    from assist_tui.headless import status_line

    async with bare_engine(emulator, tmp_path, matcher) as engine:
        line = status_line(engine, "TEST")
        assert engine.platform.source == "notifications"
        assert "<40000ms" in line and "<500ms" not in line  # [latency] notifications_warn_ms
    async with bare_engine(
        emulator, tmp_path, matcher, latency={"notifications_warn_ms": 900}
    ) as e:
        assert "<900ms" in status_line(e, "TEST")

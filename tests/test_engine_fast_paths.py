"""The whole engine with every fast path (engine/fast_paths.py: plain-frame decoding,
orjson, the redaction shortcuts, the keyword pre-filter, the collector setting) audits and
shows exactly what it does with all of them off, over the emulator's scripted scenarios
and its synthetic load."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from assist_tui.audit.store import AuditStore
from assist_tui.config import GenesysSettings, Settings
from assist_tui.emulator.board_scenarios import BOARD_SCENARIOS
from assist_tui.emulator.frame_mix import load_frames, scenario_frames
from assist_tui.emulator.scenarios import SCENARIOS
from assist_tui.engine import fast_paths
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import KeywordMatcher, shared_matcher
from assist_tui.engine.rules import load_rules
from assist_tui.genesys.notification_frames import decode_frame
from assist_tui.genesys.session import GenesysSession
from assist_tui.platform import Platform

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=timezone.utc)


async def _run(frames: list[str], matcher: KeywordMatcher, data: Path) -> dict[str, Any]:
    settings = Settings.model_validate(
        {
            "nlp": {"trained_pipeline": "", "cooldown_s": 0},
            "push": {"enabled": False},
            "webhook": {"url": "http://127.0.0.1:9/knowledge"},
        }
    )
    session = GenesysSession(GenesysSettings(api_base_url="http://127.0.0.1:9"))
    audit = AuditStore(data / "audit.sqlite3")
    engine = AssistEngine(
        settings, Platform(session, "TEST", settings.stream), audit=audit, matcher=matcher
    )
    engine.webhook_url = settings.webhook.url
    worker = asyncio.create_task(engine._nlp_worker())
    for n, raw in enumerate(frames):
        for event in decode_frame(raw, max_bytes=1 << 20, received_at=NOW).events:
            await engine.process(event)
        if n % 50 == 0:
            await asyncio.sleep(0)
    while not engine._nlp_queue.empty():
        await asyncio.sleep(0)
    for _ in range(3):
        await asyncio.sleep(0)
    engine.release_held()
    audit.flush()
    worker.cancel()
    # Per kind in order: the NLP worker's records interleave with the pipeline's as the
    # loop schedules it; alert ids are random.
    records: dict[str, list[Any]] = {}
    for r in audit.records():
        data = {k: v for k, v in r.data.items() if k != "alert_id"}
        records.setdefault(r.kind, []).append((r.conversation, r.actor, data))
    audit.close()
    shown = {
        cid: (
            [(line.utterance_id, line.text, line.is_final, line.hits) for line in s.lines.values()],
            [(h.rule_id, h.matched, h.utterance_id) for h in s.hits],
            s.interruptions,
            s.finals,
        )
        for cid, s in engine.conversations.items()
    }
    m = engine.metrics
    counts = (m.finals, m.hits, m.duplicates, m.utterance_updates, dict(m.rejected), m.late)
    return {"records": records, "shown": shown, "counts": counts}


async def _compare(frames: list[str], tmp_path: Path) -> dict[str, Any]:
    matcher = shared_matcher(load_rules())
    fast = await _run(frames, matcher, tmp_path / "fast")
    with fast_paths.disabled(matcher):
        slow = await _run(frames, matcher, tmp_path / "slow")
    assert fast["counts"] == slow["counts"]
    assert fast["shown"] == slow["shown"]
    assert fast["records"] == slow["records"]
    return fast


async def test_scripted_scenarios_run_alike(tmp_path: Path) -> None:
    frames = scenario_frames([*SCENARIOS, *BOARD_SCENARIOS])
    for name in ("fast", "slow"):
        (tmp_path / name).mkdir()
    fast = await _compare(frames, tmp_path)
    records = fast["records"]
    # What the comparison covered: hits, redaction, ends.
    assert {"final_utterance", "keyword_hit", "conversation_ended"} <= set(records)
    assert any(data.get("redactions") for _, _, data in records["final_utterance"])


async def test_synthetic_load_runs_alike(tmp_path: Path) -> None:
    frames = [f for f in load_frames(2500, 30, seed=9, turns=3) if ".transcription" in f[:120]]
    for name in ("fast", "slow"):
        (tmp_path / name).mkdir()
    fast = await _compare(frames, tmp_path)
    assert fast["counts"][0] > 200  # finals

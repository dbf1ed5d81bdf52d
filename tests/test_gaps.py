"""Every gap told where it matters: audited, marked in the transcripts it touched, counted;
the follower reconciles after it (no zombie calls, no leaked topics); calls that had one
are filled in from their recorded transcript once they end."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from assist_tui.audit.store import AuditStore
from assist_tui.config import Settings
from assist_tui.emulator.calls import LiveCall
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.genesys import channel_link
from assist_tui.genesys.discovery import transcription_topic
from assist_tui.platform import Platform

from .conftest import emulator_settings, fast_stream, session_for, wait_until


@contextlib.contextmanager
def partition(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The client's network is down: sockets dropped, new ones refused (REST still works)."""
    real = channel_link.connect

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("partitioned")

    monkeypatch.setattr(channel_link, "connect", refused)
    server.emulator.drop_sockets()
    try:
        yield
    finally:
        monkeypatch.setattr(channel_link, "connect", real)


@contextlib.asynccontextmanager
async def engine_on(
    server: EmulatorServer,
    tmp_path: Path,
    matcher: KeywordMatcher,
    calls: list[LiveCall] | None,
    **backfill: Any,
) -> AsyncIterator[AssistEngine]:
    settings = Settings.model_validate(
        {
            "audit": {"flush_interval_s": 0.05},
            "backfill": {"retry_s": 0.1, "wait_s": 10.0, "slack_s": 5.0, **backfill},
            "redaction": {"mode": "none"},
            "quality": {"poll_interval_s": 5.0},
        }
    )
    audit = AuditStore(tmp_path / "audit.sqlite3")
    async with session_for(server) as session:
        platform = Platform(session, "TEST", fast_stream())
        engine = AssistEngine(
            settings,
            platform,
            audit=audit,
            conversations=[c.conversation_id for c in calls] if calls else None,
            matcher=matcher,
        )
        task = asyncio.create_task(engine.run())
        try:
            await asyncio.wait_for(engine.ready.wait(), 10)
            await wait_until(
                lambda: engine.health is not None and engine.health.state.value == "connected"
            )
            yield engine
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            audit.close()


def audited(engine: AssistEngine, kind: str) -> list[dict[str, Any]]:
    engine.audit.flush()
    return [r.as_json() for r in engine.audit.records() if r.kind == kind]


def finals_of(call: LiveCall) -> list[Any]:
    return [e for e in call.events if e.is_final]


async def test_gap_is_audited_marked_counted_and_backfilled_exactly_once(
    tmp_path: Path, matcher: KeywordMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with EmulatorServer(emulator_settings(replay_window_s=0)) as server:
        emu = server.emulator
        emu.recordings.ready_after_s = 0.5  # not ready at once: the engine asks again
        call = emu.director.prepare("billing-dispute")
        async with engine_on(server, tmp_path, matcher, [call]) as engine:
            emu.director.start(call, speed=8)
            await wait_until(lambda: len(call.finals_sent) >= 2)
            with partition(server, monkeypatch):
                sent = len(call.finals_sent)
                await wait_until(lambda: len(call.finals_sent) >= sent + 2, timeout=30)
            await wait_until(lambda: engine.gaps.count >= 1)
            await wait_until(lambda: call.ended_at is not None, timeout=60)
            await wait_until(lambda: call.conversation_id not in engine.gaps.open, timeout=20)

            gaps = audited(engine, "stream_gap")
            assert len(gaps) == engine.gaps.count >= 1
            assert gaps[0]["data"]["conversations"] == [call.conversation_id]
            assert gaps[0]["data"]["seconds"] > 0 and engine.gaps.seconds > 0
            state = engine.conversations[call.conversation_id]
            marks = [line for line in state.lines.values() if line.kind == "gap"]
            assert marks and "filled in from the recorded transcript" in marks[0].text

            records = audited(engine, "final_utterance")
            mine = [r for r in records if r["conversation"] == call.conversation_id]
            live_ids = {r["data"]["utterance_id"] for r in mine if not r["data"].get("backfilled")}
            backfilled = {
                (r["data"]["speaker"], r["data"]["offset_ms"])
                for r in mine
                if r["data"].get("backfilled")
            }
            assert backfilled and engine.gaps.backfilled == len(backfilled)
            # Every final spoken is audited exactly once: live, or backfilled after the gap.
            assert len(mine) == len(finals_of(call))
            for event in finals_of(call):
                if event.utterance_id not in live_ids:
                    assert (event.speaker, round(event.offset_ms / call.speed)) in backfilled
            # Backfilled lines sit right after the gap's mark, flagged.
            keys = list(state.lines)
            after = keys[keys.index(marks[0].utterance_id) + 1]
            assert state.lines[after].backfilled
            fills = audited(engine, "gap_backfill")
            assert fills[0]["data"]["lines"] == len(backfilled)
            assert emu.requests.get("transcripturl", 0) >= 2  # asked again until ready


async def test_gap_that_cannot_be_filled_stays_marked(
    tmp_path: Path, matcher: KeywordMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with EmulatorServer(emulator_settings(replay_window_s=0)) as server:
        emu = server.emulator
        emu.recordings.ready_after_s = 3600  # the recording never comes in time
        call = emu.director.prepare("billing-dispute")
        async with engine_on(server, tmp_path, matcher, [call], wait_s=0.5) as engine:
            emu.director.start(call, speed=10)
            await wait_until(lambda: len(call.finals_sent) >= 1)
            with partition(server, monkeypatch):
                await asyncio.sleep(0.8)
            await wait_until(lambda: call.ended_at is not None, timeout=60)
            await wait_until(lambda: call.conversation_id not in engine.gaps.open, timeout=20)
            state = engine.conversations[call.conversation_id]
            mark = next(line for line in state.lines.values() if line.kind == "gap")
            assert "could not fill" in mark.text and engine.gaps.unfilled >= 1
            fill = audited(engine, "gap_backfill")[0]["data"]
            assert fill["lines"] == 0 and "not ready" in fill["reason"]


async def test_reconcile_ends_calls_that_ended_in_a_gap_and_topics_never_leak(
    tmp_path: Path, matcher: KeywordMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with EmulatorServer(emulator_settings(replay_window_s=0)) as server:
        emu = server.emulator
        calls = [emu.director.prepare(None, turns=200) for _ in range(4)]
        for call in calls:
            emu.director.start(call, speed=1)
        async with engine_on(server, tmp_path, matcher, None, enabled=False) as engine:
            await wait_until(
                lambda: set(engine.conversations) >= {c.conversation_id for c in calls}
            )
            for flap in range(3):
                with partition(server, monkeypatch):
                    emu.director.end(calls[flap])  # ends while nobody hears it
                    if flap == 0:
                        newcomer = emu.director.prepare(None, turns=200)
                        emu.director.start(newcomer, speed=1)
                    await asyncio.sleep(0.3)
                await wait_until(lambda f=flap: engine.gaps.count >= f + 1)

            def settled() -> bool:
                live = {c.conversation_id for c in emu.director.live()}
                followed = {cid for cid, s in engine.conversations.items() if s.ended_at is None}
                channel = [ch for ch in emu.hub.channels.values() if ch.connection is not None]
                if len(channel) != 1:
                    return False
                on_channel = {t for t in channel[0].topics if t.endswith(".transcription")}
                return followed == live and on_channel == {transcription_topic(c) for c in live}

            await wait_until(settled, timeout=20)
            for call in calls[:3]:
                state = engine.conversations[call.conversation_id]
                assert state.ended_at is not None
            assert newcomer.conversation_id in engine.conversations
            assert engine.follower is not None and engine.follower.ended_in_gaps == 3
            ended = [r for r in audited(engine, "conversation_ended")]
            assert {r["data"]["reason"] for r in ended} == {"ended during a stream gap"}

"""A call followed by id learns its platform start: from discovery, else one lookup."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.call_start import CallStarts
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.snapshot import row_of
from assist_tui.genesys.conversations import parse_conversation
from assist_tui.genesys.session import GenesysSession

from .conftest import wait_until
from .test_engine_e2e import running_engine


def close(a: datetime | None, b: datetime) -> bool:
    return a is not None and abs(a - b) < timedelta(milliseconds=1)  # the wire keeps ms


def test_the_lookup_parses_the_start_time() -> None:
    body = {"startTime": "2026-01-02T03:04:05.678Z", "participants": []}
    status = parse_conversation("c1", body)
    assert status.started_at == datetime.fromisoformat("2026-01-02T03:04:05.678+00:00")
    assert parse_conversation("c1", {"startTime": "garbage", "participants": []}).started_at is None
    assert parse_conversation("c1", {"participants": []}).started_at is None


async def test_the_lookup_waits_out_429s(emulator: EmulatorServer, session: GenesysSession) -> None:
    call = emulator.emulator.director.prepare("billing-dispute")
    got: dict[str, datetime] = {}
    starts = CallStarts(session.api, got.__setitem__, got.__contains__)
    emulator.emulator.throttle_api(2, 0.05)
    starts.fill(call.conversation_id)
    starts.fill(call.conversation_id)  # one lookup per call, however often asked
    assert starts.lookups == 1
    await wait_until(lambda: call.conversation_id in got)
    assert close(got[call.conversation_id], call.started_at)
    assert emulator.emulator.requests.get("api_429", 0) == 2
    starts.fill("not-a-conversation")  # a 404: no start, no crash
    await wait_until(lambda: not starts.tasks)
    assert "not-a-conversation" not in got
    await starts.aclose()


async def test_calls_followed_by_id_get_their_start(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    director = emulator.emulator.director
    first, second, third = (director.prepare("billing-dispute") for _ in range(3))
    async with running_engine(emulator, tmp_path, matcher, [first]) as engine:
        # --conversation: no ConversationStarted comes for a call not yet running
        await wait_until(lambda: first.conversation_id in engine.board.started_at)
        assert close(engine.board.started_at[first.conversation_id], first.started_at)
        # engine.subscribe without a discovery: looked up in the background
        assert await engine.subscribe([second.conversation_id]) == []
        await wait_until(lambda: second.conversation_id in engine.board.started_at)
        assert close(engine.board.started_at[second.conversation_id], second.started_at)
        row = row_of(engine.conversations[second.conversation_id], engine.board)
        assert close(row.started_at, second.started_at)  # the board's duration is real
        # the subscribe dialog: discovery gave the start, so no lookup is needed
        live = await engine.live_conversations()
        assert any(c.conversation_id == third.conversation_id and c.started_at for c in live)
        lookups = engine.starts.lookups
        assert await engine.subscribe([third.conversation_id]) == []
        assert close(engine.board.started_at.get(third.conversation_id), third.started_at)
        assert engine.starts.lookups == lookups

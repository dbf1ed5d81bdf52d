"""The bus's JSON codec: every view a real engine run produced comes back equal (rows,
gauges, content with hits and suggestions, alerts, ended calls), and a value that is
not what its key promises is refused, not drawn."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator

import pytest

from assist_tui.audit.opening import open_store
from assist_tui.bus import codec
from assist_tui.bus.codec import CallView, CodecError, EngineStatus
from assist_tui.config import store_paths
from assist_tui.engine.board_types import AlertView
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.snapshot import (
    ConversationRow,
    EngineView,
    content_of,
    gauges_of,
    row_of,
    take_view,
)
from assist_tui.model import LiveConversation, utc_now
from assist_tui.platform import open_platform
from tests.bus_helpers import demo_settings
from tests.conftest import wait_until


@contextlib.asynccontextmanager
async def running_engine() -> AsyncIterator[AssistEngine]:
    settings = demo_settings()
    audit = open_store(store_paths(settings)[0], settings.audit)
    try:
        async with open_platform(settings) as platform:
            engine = AssistEngine(settings, platform, audit=audit)
            runner = asyncio.create_task(engine.run())
            try:
                yield engine
            finally:
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
    finally:
        audit.close()


def _rich(engine: AssistEngine) -> bool:
    """Enough happened for the views to hold every kind of value."""
    states = list(engine.conversations.values())
    return (
        len(states) >= 2
        and any(s.hits for s in states)
        and any(s.suggestions for s in states)
        and any(s.audio is not None for s in states)
        and any(s.ended_at is not None for s in states)
        and bool(engine.board.alerts.alerts)
    )


async def test_views_of_a_real_run_round_trip() -> None:
    async with running_engine() as engine:
        await wait_until(lambda: _rich(engine), timeout=50)
        views: list[EngineView] = [take_view(engine, None)]
        views += [take_view(engine, cid) for cid in list(engine.conversations)]
        calls = [
            CallView(
                row_of(s, engine.board),
                gauges_of(s, engine.latency_policy, None, board=engine.board),
                content_of(s),
            )
            for s in engine.conversations.values()
        ]
        alerts = engine.board.alerts.newest_first()
    checked = 0
    for view in views:
        assert codec.decode(EngineView, codec.encode(EngineView, view)) == view
        checked += 1
    for call in calls:
        data = codec.encode(CallView, call)
        json.loads(data)  # plain JSON on the wire
        assert codec.decode(CallView, data) == call
        assert data.startswith(b'{"row":') and codec.row_of_view(data) == call.row
        # A name that reads like the delimiter cannot cut the row short (quotes are escaped).
        tricky = dataclasses.replace(call.row, agent_name='Bo,"gauges":{}')
        tricky_data = codec.encode(CallView, dataclasses.replace(call, row=tricky))
        assert codec.row_of_view(tricky_data) == tricky
        # Laid out otherwise (another producer): read whole, same row.
        reordered = json.dumps({"content": json.loads(data)["content"], **json.loads(data)})
        assert codec.row_of_view(reordered.encode()) == call.row
    for alert in alerts:
        assert codec.decode(AlertView, codec.encode(AlertView, alert)) == alert
    # What the views held: the test is about every kind of value, not an empty board.
    assert checked >= 3 and any(c.content.hits for c in calls)
    assert any(c.content.suggestions for c in calls) and any(c.gauges.audio for c in calls)
    assert any(c.row.analytics is not None for c in calls) and alerts


async def test_command_replies_round_trip() -> None:
    async with running_engine() as engine:
        await wait_until(lambda: len(engine.conversations) >= 2, timeout=60)
        live = await engine.live_conversations()
        rows = tuple(row_of(s, engine.board) for s in engine.conversations.values())
        status = EngineStatus(
            engine_id="e1",
            label="DEMO",
            published_at=utc_now(),
            ready=True,
            source=engine.platform.source,
            health=engine.health,
            heartbeat_age_s=None,
            rate=engine.metrics.rate.rate(),
            events=engine.metrics.events,
            reconnects=0,
            rejected=0,
            gaps=0,
            gap_seconds=0.0,
            all_own_latency=engine.metrics.own_latency.summary(),
        )
    assert live
    assert codec.decode(list[LiveConversation], codec.encode(list[LiveConversation], live)) == live
    kind = list[ConversationRow]
    assert codec.from_python(kind, json.loads(codec.encode(kind, list(rows)))) == list(rows)
    assert codec.decode(EngineStatus, codec.encode(EngineStatus, status)) == status


def test_infinite_figures_survive() -> None:
    view = EngineView(
        ready=True,
        source="notifications",
        health=None,
        heartbeat_age_s=float("inf"),
        rate=0.0,
        events=0,
        reconnects=0,
        rejected=0,
        paused=0,
        rows=(),
        gauges=None,
        content=None,
        notices=(),
    )
    assert codec.decode(EngineView, codec.encode(EngineView, view)) == view


@pytest.mark.parametrize(
    "data",
    [b"", b"not json", b"[]", b'{"alert_id": "a"}', b'{"row": null, "gauges": 1}'],
)
def test_a_malformed_value_is_refused(data: bytes) -> None:
    with pytest.raises(CodecError):
        codec.decode(CallView if b"row" in data else AlertView, data)

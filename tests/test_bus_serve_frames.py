"""``serve`` keeps the stream it takes on NATS: what replay --nats plays is exactly what
the serving engine consumed, in the same order."""

from __future__ import annotations

from assist_tui.bus.frames import nats_source
from assist_tui.bus.serve import serving
from assist_tui.model import StreamEvent

from .bus_helpers import demo_settings
from .conftest import wait_until


async def test_serve_keeps_what_its_engine_took_for_replay(nats_server: str) -> None:
    taken: list[StreamEvent] = []
    async with serving(demo_settings(), nats_server, org="demo", engine_id="engine-1") as s:
        # Beside the NATS publisher (added before the engine ran): same events, same order.
        s.engine.tap.sinks.insert(0, lambda event, at: taken.append(event))
        await wait_until(lambda: s.engine.metrics.finals >= 3, timeout=45)
    # Leaving the block closed the publisher: every event it was given is stored.
    source, release = await nats_source(nats_server, "demo", None, None, None)
    try:
        stored = [event async for _, event in source.events]
    finally:
        await release()
    assert taken and len(stored) >= len(taken)
    # The first sink was added once the engine ran: what it saw is the stored tail.
    assert stored[-len(taken) :] == taken
    assert sum(1 for e in stored if getattr(e, "is_final", False)) >= 3

"""A loop that swallows a cancellation (as nats-py does inside a publish) still stops."""

from __future__ import annotations

import asyncio

import pytest

from assist_tui import cancelling
from assist_tui.cancelling import cancel_and_wait


async def test_a_loop_that_swallows_its_cancel_is_cancelled_again_until_it_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cancelling, "RECANCEL_S", 0.05)
    swallowed = 0

    async def publish() -> None:  # as nats-py's _send_command: except CancelledError: pass
        nonlocal swallowed
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            swallowed += 1

    async def loop() -> None:
        while True:
            await publish()
            await asyncio.sleep(10)

    async def fails() -> None:
        raise RuntimeError("its own error is not raised by the stop")

    looping = asyncio.create_task(loop())
    failing = asyncio.create_task(fails())
    await asyncio.sleep(0.01)
    await asyncio.wait_for(cancel_and_wait([looping, failing]), 5)
    assert looping.cancelled() and swallowed == 1 and failing.done()

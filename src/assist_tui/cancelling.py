"""Stopping loops that may swallow a cancellation: cancelled again until they end.

nats-py swallows a cancellation that lands while it publishes (``_send_command`` ends in
``except asyncio.CancelledError: pass``), so a loop cancelled there goes on looping and a
plain ``task.cancel(); await task`` waits forever. This was the suite's rare 60 s hang in
the serve and shard tests: a stop waiting on a lease loop that had eaten its cancel. Not
for a task whose own cleanup takes longer than ``RECANCEL_S`` (the engine's run): a
second cancel would cut it short.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

RECANCEL_S = 1.0  # how long a cancelled task may take before it is cancelled again


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` and wait until each has ended, cancelling again any that goes on
    (its cancel was swallowed); their own errors are not raised here."""
    every = list(tasks)
    pending = {task for task in every if not task.done()}
    for task in pending:
        task.cancel()
    while pending:
        _, pending = await asyncio.wait(pending, timeout=RECANCEL_S)
        for task in pending:
            task.cancel()
    for task in every:
        if not task.cancelled():
            with contextlib.suppress(Exception):
                task.exception()  # retrieved: no "exception was never retrieved"

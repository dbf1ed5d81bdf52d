"""Keeps the dashboard's engine process alive: when it dies, says why at once, restarts
it with backoff (or now, on request), and counts the failures for the exit status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from assist_tui.engine.link import EngineStopped

log = logging.getLogger(__name__)

FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0
HEALTHY_AFTER_S = 30.0  # an engine up this long resets the backoff


class Runnable(Protocol):
    async def run(self) -> None: ...
    async def close(self) -> None: ...


class EngineSupervisor:
    """``await supervisor.run(start, on_link)`` for the dashboard's lifetime.

    ``on_link(process)`` is told of each new engine, and ``on_link(None)`` the moment one
    dies (with ``failure`` already set), so the screen can say so within a frame.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.failure: str | None = None  # why the engine is down now (None: it is up)
        self.failures = 0  # engine failures this session: quitting after one exits 1
        self.last_failure: str | None = None
        self.restarts = 0
        self.next_restart_at: float | None = None
        self._clock = clock
        self._now = asyncio.Event()

    def restart_now(self) -> None:
        """Skip the rest of the backoff wait (the dashboard's restart key)."""
        self._now.set()

    def seconds_to_restart(self) -> float | None:
        if self.next_restart_at is None:
            return None
        return max(self.next_restart_at - self._clock(), 0.0)

    async def run(
        self,
        start: Callable[[], Awaitable[Runnable]],
        on_link: Callable[[Runnable | None], None],
    ) -> None:
        delay = FIRST_DELAY_S
        while True:
            self._now.clear()
            began = self._clock()
            process: Runnable | None = None
            try:
                process = await start()
                self.failure = None
                self.next_restart_at = None
                on_link(process)
                await process.run()
                return  # ended in order (the dashboard closed it)
            except EngineStopped as exc:
                self._failed(str(exc) or "the engine process ended")
            except (OSError, RuntimeError) as exc:
                self._failed(f"cannot start the engine process: {exc}")
            finally:
                if process is not None:
                    with contextlib.suppress(Exception):
                        await process.close()
            on_link(None)
            if self._clock() - began >= HEALTHY_AFTER_S:
                delay = FIRST_DELAY_S
            self.next_restart_at = self._clock() + delay
            log.error("engine failed (%s); restart in %.1f s", self.failure, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._now.wait(), delay)
            delay = min(delay * 2, MAX_DELAY_S)
            self.restarts += 1

    def _failed(self, reason: str) -> None:
        self.failure = reason
        self.last_failure = reason
        self.failures += 1

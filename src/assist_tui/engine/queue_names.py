"""Queue names for people: the org's queue directory (``GET /api/v2/routing/queues``),
read when the engine starts and again, at most every few minutes, when a call names a
queue it does not hold. Without the permission to list queues, ids are shown as before."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import httpx

from assist_tui.genesys.errors import GenesysError
from assist_tui.genesys.queues import queue_directory
from assist_tui.genesys.rest import GenesysApi

log = logging.getLogger(__name__)

REREAD_AFTER_S = 300.0  # an unknown queue id reads the directory again, this often at most


class QueueNames:
    """``name(queue_id)``: the queue's name when the directory has it, else None."""

    def __init__(
        self,
        api: GenesysApi,
        *,
        reread_after_s: float = REREAD_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = api
        self._reread_after_s = reread_after_s
        self._clock = clock
        self.names: dict[str, str] = {}  # queue id -> name
        self._read_at: float | None = None
        self._task: asyncio.Task[None] | None = None

    def name(self, queue_id: str | None) -> str | None:
        if not queue_id:
            return None
        found = self.names.get(queue_id)
        if found is None:
            self._read_again()
        return found

    def start(self) -> None:
        """Read the directory in the background (the engine does not wait for it)."""
        self._read_again(force=True)

    def _read_again(self, *, force: bool = False) -> None:
        if self._task is not None and not self._task.done():
            return
        if not force and (
            self._read_at is None or self._clock() - self._read_at < self._reread_after_s
        ):
            return  # never started (a view made off the loop), or read lately
        with contextlib.suppress(RuntimeError):  # no running loop: nothing to schedule on
            self._task = asyncio.get_running_loop().create_task(self.read())

    async def read(self) -> None:
        try:
            directory = await queue_directory(self._api)
        except (GenesysError, httpx.HTTPError) as exc:
            log.info("queue names not read (ids are shown instead): %s", exc)
        else:
            self.names = {qid: name for name, qid in directory.items()}
        finally:
            self._read_at = self._clock()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

"""Which platform errors are passing, and retrying a call through them for as long as a
run lasts (429 waits for ``Retry-After``; 5xx and network errors back off)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from assist_tui.genesys.backoff import Backoff
from assist_tui.genesys.errors import (
    ApiError,
    GenesysError,
    GenesysNetworkError,
    RateLimitedError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


def is_transient(exc: BaseException) -> bool:
    """True for errors that pass by themselves: 429, 5xx (and 408), the network."""
    if isinstance(exc, (RateLimitedError, GenesysNetworkError)):
        return True
    return isinstance(exc, ApiError) and (exc.status >= 500 or exc.status == 408)


def wait_for(exc: GenesysError, backoff: Backoff) -> float:
    """How long to wait after ``exc``: the platform's ``Retry-After`` when it gave one."""
    if isinstance(exc, RateLimitedError) and exc.retry_after_s is not None:
        backoff.next_delay()  # still count the attempt, so later errors back off further
        return exc.retry_after_s
    return backoff.next_delay()


async def persist(
    call: Callable[[], Awaitable[T]],
    what: str,
    *,
    backoff: Backoff | None = None,
    sleep: Sleep = asyncio.sleep,
    give_up_after: int | None = None,
) -> T:
    """Run ``call`` until it succeeds or fails for good.

    Transient errors are retried for as long as the caller lives (or ``give_up_after``
    attempts); anything else (authentication refused with a fresh token, a missing
    permission, a 404, a bad request) is raised at once: retrying cannot fix it.
    Cancellation always propagates.
    """
    backoff = backoff or Backoff(0.5, 15.0)
    attempts = 0
    while True:
        try:
            return await call()
        except GenesysError as exc:
            if not is_transient(exc):
                raise
            attempts += 1
            if give_up_after is not None and attempts >= give_up_after:
                raise
            delay = wait_for(exc, backoff)
            log.warning("%s failed (%s); retrying in %.1f s", what, type(exc).__name__, delay)
            await sleep(delay)

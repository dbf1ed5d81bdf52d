"""A stream that plays recorded events to the engine: the same events in the same order,
at their recorded spacing divided by the speed (0: as fast as the engine takes them).

It stands where a live ``EventFeed`` stands, so the engine, its follower and the
dashboard run unchanged; subscriptions are only remembered (there is no platform to ask).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from assist_tui.config import StreamSettings
from assist_tui.genesys.feed import EventFeed
from assist_tui.genesys.rest import GenesysApi
from assist_tui.model import StreamEvent, SubscriptionRejected

Recorded = tuple[datetime, StreamEvent]


@dataclass
class Source:
    """What a replay plays: its name for people, its stream kind, the events, its length."""

    name: str
    stream_source: str
    events: AsyncIterator[Recorded]
    total_s: float | None
    count: int | None = None
    last_at: datetime | None = None  # when known: the length counts from the first played


def replay_label(name: str, speed: float) -> str:
    """The status bar's mode: ``REPLAY shift.jsonl``, times the speed (0: as fast as possible)."""
    return f"REPLAY {name} \u00d7{speed:g}".replace("  ", " ")


def clock_text(seconds: float) -> str:
    """``01:02:03`` (hours always shown: a shift is hours long)."""
    whole = max(int(seconds), 0)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class ReplayFeed(EventFeed):
    """Yields ``recorded`` events as the engine's stream; ``finished`` once all are out."""

    announces_ends = True  # the recorded ends are in the recording itself

    def __init__(
        self,
        api: GenesysApi,
        settings: StreamSettings,
        recorded: AsyncIterator[Recorded],
        *,
        source: str,
        speed: float,
        total_s: float | None = None,
        last_at: datetime | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(api, settings, queue_size=1000)
        self.source = source
        self.speed = speed
        self.total_s = total_s
        self._ends_at = last_at
        self.position_s = 0.0  # time in the recording of the last event played
        self.played = 0
        self.finished = asyncio.Event()
        self.failure: str | None = None  # why playing stopped early (a bad line, NATS)
        self._recorded = recorded
        self._clock = clock
        self._sleep = sleep
        self._topics: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._last_at: datetime | None = None  # the recorded time of the last event played
        self._last_clock = 0.0

    async def open(self) -> None:
        self._task = asyncio.create_task(self._play(), name="replay")

    async def _stop_sockets(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _play(self) -> None:
        origin: datetime | None = None
        started = 0.0
        try:
            async for at, event in self._recorded:
                if origin is None:
                    origin, started = at, self._clock()
                    if self._ends_at is not None:
                        self.total_s = max((self._ends_at - at).total_seconds(), 0.0)
                offset = (at - origin).total_seconds()
                if self.speed > 0:
                    wait = started + offset / self.speed - self._clock()
                    if wait > 0:
                        await self._sleep(wait)
                # Straight into the queue: a recording is already deduplicated, and every
                # event the engine took must reach it again, exactly.
                await self._queue.put(event)
                self.stats.events += 1
                self.played += 1
                self.position_s = offset
                self._last_at, self._last_clock = at, self._clock()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bad line or a lost server: said on screen, not hidden
            self.failure = str(exc)
        finally:
            self.finished.set()

    async def events(self) -> AsyncIterator[StreamEvent]:
        # task_done once the consumer comes back for more: ``played_all`` then means taken.
        while True:
            event = await self._queue.get()
            if event is None:
                self._queue.task_done()
                return
            yield event
            self._queue.task_done()

    async def played_all(self) -> None:
        """Wait until every event was played and the engine has taken each one."""
        await self.finished.wait()
        await self._queue.join()

    def recorded_now(self) -> datetime | None:
        """The time it is in the recording: the last event's, moving on at the speed until
        the next one (None before the first; at the end, the last event's)."""
        last = self._last_at
        if last is None or self.speed == 0 or self.finished.is_set():
            return last
        return last + timedelta(seconds=(self._clock() - self._last_clock) * self.speed)

    def progress(self) -> str:
        """``00:05:10 / 01:00:00`` and, at the end, says so."""
        total = f" / {clock_text(self.total_s)}" if self.total_s is not None else ""
        text = f"{clock_text(self.position_s)}{total}"
        if self.failure is not None:
            return f"{text}  stopped: {self.failure}"
        if self.finished.is_set():
            return f"{text}  ■ end of recording ({self.played} events)"
        return text

    @property
    def topics(self) -> set[str]:
        return set(self._topics)

    async def subscribe(self, topics: Iterable[str]) -> list[SubscriptionRejected]:
        self._topics.update(topics)
        return []

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        self._topics.difference_update(topics)

    def heartbeat_age(self) -> float | None:
        return None


async def from_iterable(items: Iterable[Recorded]) -> AsyncIterator[Recorded]:
    """A file's events as the feed takes them, letting the loop run now and then."""
    for n, item in enumerate(items):
        if n % 200 == 199:
            await asyncio.sleep(0)
        yield item

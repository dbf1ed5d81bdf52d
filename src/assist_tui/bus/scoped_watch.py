"""KV watches a scoped supervisor is allowed: one filtered watch per queue, merged.

nats-py's ``KeyValue.watch`` creates an unnamed consumer, whose create request goes to the
unfiltered ``$JS.API.CONSUMER.CREATE.<stream>`` subject: a server that scopes supervisors by
queue must deny that. A consumer with a name is created on
``$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>``, which permissions can match per queue;
so the watches here name theirs, and otherwise behave exactly as nats-py's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.kv import KeyValue
from nats.nuid import NUID

_nuid = NUID()
_DONE = object()  # one watcher has delivered what the bucket held


class _NamedConsumers:
    """A JetStream context whose subscriptions create named consumers (filtered API)."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    def __getattr__(self, name: str) -> Any:
        return getattr(self._js, name)

    async def subscribe(self, subject: str, **kwargs: Any) -> Any:
        if kwargs.get("config") is None:
            kwargs["config"] = ConsumerConfig(name=_nuid.next().decode())
        return await self._js.subscribe(subject, **kwargs)


def named_consumers(bucket: KeyValue) -> KeyValue:
    """``bucket`` whose watches a scoped user may create (same bucket, same semantics)."""
    return KeyValue(
        name=bucket._name,
        stream=bucket._stream,
        pre=bucket._pre,
        js=_NamedConsumers(bucket._js),  # type: ignore[arg-type]
        direct=bucket._direct,
    )


async def watch_filters(bucket: KeyValue, filters: list[str]) -> AsyncIterator[Any]:
    """Entries of every key matching any of ``filters`` (``Scope.key_filters``), as
    ``KeyValue.watch`` gives them: what the bucket holds, then ``None`` once (all of it
    delivered), then every change. ``[">"]`` is one plain watch; ``[]`` sees nothing."""
    if filters == [">"]:
        async for entry in await bucket.watchall():
            yield entry
        return
    scoped = named_consumers(bucket)
    merged: asyncio.Queue[Any] = asyncio.Queue()
    watchers = [await scoped.watch(pattern) for pattern in filters]

    async def pump(watcher: Any) -> None:
        async for entry in watcher:
            await merged.put(_DONE if entry is None else entry)

    tasks = [asyncio.create_task(pump(w), name="kv-scoped-watch") for w in watchers]
    pending = len(watchers)
    try:
        if pending == 0:
            yield None
        while True:
            item = await merged.get()
            if item is _DONE:
                pending -= 1
                if pending == 0:
                    yield None
                continue
            yield item
    finally:
        for task in tasks:
            task.cancel()
        for watcher in watchers:
            with contextlib.suppress(Exception):
                await watcher.stop()  # type: ignore[no-untyped-call]

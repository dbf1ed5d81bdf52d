"""A followed call's platform start time when no ConversationStarted told it: from the
last discovery (the subscribe dialog's list) or one background conversation lookup."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime

from assist_tui.genesys.conversations import lookup_conversation
from assist_tui.genesys.errors import GenesysError
from assist_tui.genesys.rest import GenesysApi
from assist_tui.genesys.retry import persist
from assist_tui.model import LiveConversation

log = logging.getLogger(__name__)

MAX_DISCOVERED = 5000  # starts remembered from discovery, newest kept


class CallStarts:
    """``fill(cid)`` tells ``on_start(cid, started_at)`` once the start is known; never blocks."""

    def __init__(
        self,
        api: GenesysApi,
        on_start: Callable[[str, datetime], None],
        known: Callable[[str], bool],
    ) -> None:
        self.api = api
        self.on_start = on_start
        self.known = known  # True when the board already has the call's start
        self.discovered: OrderedDict[str, datetime] = OrderedDict()
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.lookups = 0  # lookups started (for tests and figures)

    def remember(self, live: Iterable[LiveConversation]) -> None:
        """Discovery's starts, so subscribing from its list needs no lookup."""
        for c in live:
            if c.started_at is not None:
                self.discovered[c.conversation_id] = c.started_at
                self.discovered.move_to_end(c.conversation_id)
        while len(self.discovered) > MAX_DISCOVERED:
            self.discovered.popitem(last=False)

    def fill(self, conversation_id: str, started_at: datetime | None = None) -> None:
        if self.known(conversation_id):
            return
        start = started_at or self.discovered.pop(conversation_id, None)
        if start is not None:
            self.on_start(conversation_id, start)
            return
        if conversation_id in self.tasks:
            return
        # In the background: a subscribe command (or the engine's start) must not wait on it.
        task = asyncio.create_task(self._lookup(conversation_id), name="call-start")
        self.tasks[conversation_id] = task
        task.add_done_callback(lambda _t: self.tasks.pop(conversation_id, None))
        self.lookups += 1

    async def _lookup(self, conversation_id: str) -> None:
        try:
            status = await persist(
                functools.partial(lookup_conversation, self.api, conversation_id),
                "looking up a conversation's start",
            )
        except GenesysError as exc:  # a 404 or a refusal: the call simply stays unstarted
            log.info("no start time for a conversation: %s", type(exc).__name__)
            return
        if status.started_at is not None and not self.known(conversation_id):
            self.on_start(conversation_id, status.started_at)

    async def aclose(self) -> None:
        for task in list(self.tasks.values()):
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        self.tasks.clear()

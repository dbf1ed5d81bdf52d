"""Follow the platform's own Agent Assist topics (Copilot suggestions, sentiment) beside
each transcription, when the org has them: best effort, and asked once per org only if
refused (an org without Copilot or the permission gets one notice, not one per call).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from assist_tui.genesys import copilot_topics
from assist_tui.genesys.errors import GenesysError
from assist_tui.genesys.feed import EventFeed

log = logging.getLogger(__name__)


class PlatformInsights:
    def __init__(self, on_notice: Callable[[str], None], *, enabled: bool) -> None:
        self.on_notice = on_notice
        self.enabled = enabled  # the Notifications source only: seed dialects have no topics
        self.refused: set[str] = set()  # topic kinds the org refused
        self._tasks: set[asyncio.Task[None]] = set()

    def follow(self, stream: EventFeed, conversation_id: str) -> None:
        if not self.enabled:
            return
        task = asyncio.create_task(self._subscribe(stream, conversation_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def unfollow(self, stream: EventFeed, conversation_id: str) -> None:
        if not self.enabled:
            return
        task = asyncio.create_task(self._unsubscribe(stream, conversation_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _wanted(self, conversation_id: str) -> list[str]:
        return [t for t in copilot_topics.topics(conversation_id) if _kind(t) not in self.refused]

    async def _subscribe(self, stream: EventFeed, conversation_id: str) -> None:
        topics = self._wanted(conversation_id)
        if not topics:
            return
        try:
            rejected = await stream.subscribe(topics)
        except (GenesysError, RuntimeError) as exc:
            log.info("platform insight topics not subscribed: %s", exc)
            return
        for rejection in rejected:
            kind = _kind(rejection.topic)
            if kind not in self.refused:
                self.refused.add(kind)
                missing = ", ".join(rejection.missing_permissions) or rejection.reason
                self.on_notice(
                    f"platform {kind} not available ({missing}); shown: assist-tui's own only"
                )

    async def _unsubscribe(self, stream: EventFeed, conversation_id: str) -> None:
        try:
            await stream.unsubscribe(copilot_topics.topics(conversation_id))
        except (GenesysError, RuntimeError) as exc:
            log.info("platform insight topics not unsubscribed: %s", exc)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()


def _kind(topic: str) -> str:
    """``suggestions.knowledge.article`` or ``sentiment``: what a refusal is about."""
    if ".suggestions." in topic:
        return "Copilot suggestions " + topic.split(".suggestions.", 1)[1]
    return "sentiment"

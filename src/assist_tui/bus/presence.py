"""Who is watching which call: each attached dashboard puts ``<queue>.<conv>.<dashboard>``
→ ``{"supervisor": …, "conversation_id": …}`` into the presence KV for the call it shows,
again every ``REFRESH_S`` (the bucket's TTL ends a dashboard that died), and reads the
others' entries to say "also watching: ana, raj".
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assist_tui.bus.subjects import Subjects

if TYPE_CHECKING:
    from nats.js.kv import KeyValue

log = logging.getLogger(__name__)

REFRESH_S = 5.0  # at most 10 s (the brief), well inside the bucket's 30 s TTL
# An entry not refreshed for this long is gone: a server drops expired values without
# telling watchers, so the age is kept here, by the time the entry was last seen.
STALE_S = 3 * REFRESH_S


@dataclass(frozen=True, slots=True)
class Watcher:
    supervisor: str
    conversation_id: str
    dashboard_id: str
    seen: float  # time.monotonic() when last put


class Presence:
    """One dashboard's presence, and everybody's as the watch reports it."""

    def __init__(self, bucket: KeyValue, dashboard_id: str, supervisor: str) -> None:
        self.bucket = bucket
        self.dashboard_id = dashboard_id
        self.supervisor = supervisor
        self._key: str | None = None  # the key this dashboard holds now
        self._shown: str | None = None
        self._put_at = 0.0
        self.everyone: dict[str, Watcher] = {}  # key → who

    def due(self, conversation_id: str | None) -> bool:
        """Whether ``show`` has something to do (a new call, or a refresh)."""
        if conversation_id != self._shown:
            return True
        return conversation_id is not None and time.monotonic() - self._put_at >= REFRESH_S

    async def show(self, conversation_id: str | None, queue_id: str | None) -> None:
        """This dashboard shows ``conversation_id`` now (None: nothing)."""
        key = (
            Subjects.key(queue_id, conversation_id, self.dashboard_id)
            if conversation_id is not None
            else None
        )
        old, self._key, self._shown = self._key, key, conversation_id
        if old is not None and old != key:
            await self.bucket.delete(old)
        if key is not None:
            body = {"supervisor": self.supervisor, "conversation_id": conversation_id}
            await self.bucket.put(key, json.dumps(body).encode())
        self._put_at = time.monotonic()

    async def leave(self) -> None:
        if self._key is not None:
            await self.bucket.delete(self._key)
            self._key = self._shown = None

    def seen(self, key: str, value: bytes | None) -> None:
        """A put (``value``) or a delete (None) from the presence watch."""
        if not value:
            self.everyone.pop(key, None)
            return
        try:
            body = json.loads(value)
            who = Watcher(
                supervisor=str(body["supervisor"]),
                conversation_id=str(body["conversation_id"]),
                dashboard_id=key.rsplit(".", 1)[-1],
                seen=time.monotonic(),
            )
        except (ValueError, KeyError, TypeError):
            log.debug("presence entry %s is not one of ours; ignored", key)
            return
        self.everyone[key] = who

    def watching(self, conversation_id: str) -> tuple[str, ...]:
        """The other supervisors showing ``conversation_id`` now, by name, once each."""
        now = time.monotonic()
        mine = Subjects.key(None, self.dashboard_id).split(".", 1)[1]
        names = {
            w.supervisor
            for w in self.everyone.values()
            if w.conversation_id == conversation_id
            and w.dashboard_id != mine
            and now - w.seen < STALE_S
        }
        return tuple(sorted(names))

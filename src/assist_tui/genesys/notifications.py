"""The Notifications API client: channels, topic subscriptions, and sockets kept alive.

One ``NotificationStream`` owns one or more channels (1,000 topics each) and yields
normalized events; each channel's socket is kept alive by a ``ChannelLink``
(channel_link.py: heartbeats, backoff, make-before-break). Finals are delivered once
per utterance id, whatever a reconnect replays.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Sequence

from assist_tui.config import StreamSettings
from assist_tui.genesys.channel_link import ChannelLink
from assist_tui.genesys.channels import CHANNELS_PATH, ChannelInfo, parse_iso_time
from assist_tui.genesys.errors import ProtocolError
from assist_tui.genesys.feed import EventFeed
from assist_tui.genesys.rest import GenesysApi
from assist_tui.genesys.topic_room import client_for_new_channel, link_with_room, no_room_reason
from assist_tui.genesys.urls import check_transport
from assist_tui.model import SubscriptionRejected

log = logging.getLogger(__name__)

MAX_CHANNELS = 20  # per user and app; the 21st would evict our own oldest


class NotificationStream(EventFeed):
    """``async with NotificationStream(api, settings) as stream:`` then subscribe and iterate."""

    source = "notifications"

    def __init__(
        self,
        api: GenesysApi,
        settings: StreamSettings,
        *,
        rng: random.Random | None = None,
        queue_size: int = 10_000,
        extra_apis: Sequence[GenesysApi] = (),
    ) -> None:
        super().__init__(api, settings, rng=rng, queue_size=queue_size)
        self.clients = [api, *extra_apis]  # one per OAuth client (topic_room.py)
        self._links: list[ChannelLink] = []
        self._subs_lock = asyncio.Lock()

    async def _stop_sockets(self) -> None:
        for link in self._links:
            await link.stop()

    # -- subscriptions -------------------------------------------------------------------
    @property
    def topics(self) -> set[str]:
        return {t for link in self._links for t in link.topics}

    async def subscribe(self, topics: Iterable[str]) -> list[SubscriptionRejected]:
        """Subscribe topics not yet subscribed; return (and emit) the ones refused."""
        if self._closed:
            raise RuntimeError("the stream is closed")
        rejected: list[SubscriptionRejected] = []
        async with self._subs_lock:
            pending = [t for t in dict.fromkeys(topics) if t not in self.topics]
            limit = self.settings.topics_per_channel
            most = min(self.settings.max_channels, MAX_CHANNELS)
            while pending:
                index = link_with_room(self._links, limit)
                if index is not None:
                    link = self._links[index]
                else:
                    api = client_for_new_channel(self._links, self.clients, most)
                    if api is None:  # every client is full: refused, audited, shown
                        rejected += await self._refuse(pending, limit, most)
                        break
                    link = ChannelLink(self, await self._create_channel(api), api)
                    self._links.append(link)
                room = limit - len(link.topics)
                batch, pending = pending[:room], pending[room:]
                rejected += await link.add_topics(batch)
                link.ensure_running()
        return rejected

    async def _refuse(self, topics: list[str], limit: int, most: int) -> list[SubscriptionRejected]:
        reason = no_room_reason(len(self.clients), most, limit)
        log.error("cannot subscribe %d topic(s): %s", len(topics), reason)
        refused = [SubscriptionRejected(topic=t, reason=reason) for t in topics]
        for event in refused:
            await self.emit(event)
        return refused

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        """Remove topics (the platform only replaces whole lists: PUT what remains)."""
        drop = set(topics)
        async with self._subs_lock:
            for link in self._links:
                if link.topics & drop:
                    await link.replace_topics(link.topics - drop)

    def heartbeat_age(self) -> float | None:
        """Seconds since the stalest connected channel's last heartbeat (None if none)."""
        ages = [link.heartbeat_age() for link in self._links]
        known = [a for a in ages if a is not None]
        return max(known) if known else None

    # -- REST ------------------------------------------------------------------------------
    async def _create_channel(self, api: GenesysApi | None = None) -> ChannelInfo:
        body = await (api or self.api).json(
            "POST", CHANNELS_PATH, what="creating a notification channel"
        )
        if not isinstance(body, dict) or not body.get("id") or not body.get("connectUri"):
            raise ProtocolError("the channel answer lacks id or connectUri")
        uri = check_transport(str(body["connectUri"]))
        self.stats.channels_created += 1
        log.info("created notification channel %s", body["id"])
        return ChannelInfo(str(body["id"]), uri, parse_iso_time(body.get("expires")))

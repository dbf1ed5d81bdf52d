"""Notification channels of the emulator: topics, sockets, heartbeats, replay, limits."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from assist_tui.emulator import topics as topic_rules
from assist_tui.emulator import wire

CHANNEL_LIFETIME = timedelta(hours=24)
CHANNELS_PER_CLIENT = 20
TOPICS_PER_CHANNEL = 1000
HISTORY_LIMIT = 20_000


class TopicLimitError(Exception):
    """More than 1,000 topics on one channel."""


class Connection:
    """One WebSocket attached to a channel: an outgoing queue and a close request."""

    def __init__(self) -> None:
        self.outgoing: asyncio.Queue[str | bytes] = asyncio.Queue()
        self.closing = asyncio.Event()
        self.close_code = 1000
        self.close_reason = ""
        self.flush_on_close = False  # send what is queued before closing

    def send(self, text: str | bytes) -> None:
        if not self.closing.is_set():
            self.outgoing.put_nowait(text)

    def close(self, code: int = 1000, reason: str = "") -> None:
        if not self.closing.is_set():
            self.close_code, self.close_reason = code, reason
            self.closing.set()

    def close_later(self, delay_s: float, code: int = 1001, reason: str = "") -> None:
        asyncio.get_running_loop().call_later(delay_s, self.close, code, reason)


@dataclass
class Channel:
    id: str
    client_id: str
    created_at: datetime
    expires_at: datetime
    topics: set[str] = field(default_factory=set)
    history: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=HISTORY_LIMIT))
    connection: Connection | None = None
    connections_made: int = 0
    token: str = ""  # the access token that created it: its expiry reaches the socket

    def as_json(self, connect_uri: str) -> dict[str, Any]:
        return {"connectUri": connect_uri, "id": self.id, "expires": wire.iso(self.expires_at)}


class Hub:
    """All channels; publishes topic events to the channels subscribed to them."""

    def __init__(
        self,
        *,
        replay_window_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.replay_window_s = replay_window_s
        self.channels: dict[str, Channel] = {}
        self._clock = clock
        self.frames_published = 0
        self.frames_lost = 0  # sent to a channel with no socket attached

    # -- channels ---------------------------------------------------------------------
    def create_channel(self, client_id: str, token: str = "") -> Channel:
        now = datetime.now(timezone.utc)
        owned = sorted(
            (c for c in self.channels.values() if c.client_id == client_id),
            key=lambda c: c.created_at,
        )
        # The platform's rule: past 20 channels of a user+app, channels without an active
        # connection go first, oldest first; only then the oldest connected one.
        owned.sort(key=lambda c: (c.connection is not None, c.created_at))
        while len(owned) >= CHANNELS_PER_CLIENT:
            self.remove_channel(owned.pop(0).id, reason="evicted by a newer channel")
        channel = Channel(str(uuid.uuid4()), client_id, now, now + CHANNEL_LIFETIME, token=token)
        self.channels[channel.id] = channel
        return channel

    def get(self, channel_id: str) -> Channel | None:
        channel = self.channels.get(channel_id)
        if channel is not None and channel.expires_at <= datetime.now(timezone.utc):
            self.remove_channel(channel_id, reason="expired")
            return None
        return channel

    def remove_channel(self, channel_id: str, reason: str) -> None:
        channel = self.channels.pop(channel_id, None)
        if channel is not None and channel.connection is not None:
            channel.connection.close(1000, f"channel {reason}")

    def end_for_token(self, channel: Channel, topic_type: str, message: str) -> None:
        """The channel's token stopped working: say so on its socket, then it is gone."""
        if channel.connection is not None:
            channel.connection.send(wire.system_message(channel.id, topic_type, message))
            channel.connection.flush_on_close = True
        self.remove_channel(channel.id, reason=topic_type.replace("_", " "))

    def expire(self, channel_id: str | None = None) -> int:
        """Make one channel (or all) gone, as after its 24 hours. Returns how many."""
        ids = [channel_id] if channel_id else list(self.channels)
        for cid in ids:
            self.remove_channel(cid, reason="expired")
        return len(ids)

    # -- subscriptions ----------------------------------------------------------------
    @staticmethod
    def check_topic(topic: str, permissions: frozenset[str]) -> tuple[bool, str, list[str]]:
        return topic_rules.check(topic, permissions)

    def subscribe(
        self,
        channel: Channel,
        topics: Iterable[str],
        permissions: frozenset[str],
        *,
        replace: bool,
    ) -> list[dict[str, Any]]:
        """Add (or replace with) ``topics``; answer one entity per topic, as the platform does."""
        entities: list[dict[str, Any]] = []
        permitted: list[str] = []
        for topic in dict.fromkeys(topics):
            ok, reason, missing = self.check_topic(topic, permissions)
            entity: dict[str, Any] = {"id": topic, "state": "Permitted" if ok else "Rejected"}
            if not ok:
                entity["rejectionReason"] = reason
                entity["missingPermissions"] = missing
            else:
                permitted.extend(topic_rules.expand(topic))
            entities.append(entity)
        new_topics = set(permitted) if replace else channel.topics | set(permitted)
        if len(new_topics) > TOPICS_PER_CHANNEL:
            raise TopicLimitError(
                f"a channel may hold {TOPICS_PER_CHANNEL} topics; "
                f"this request makes {len(new_topics)}"
            )
        channel.topics = new_topics
        # Subscribing extends a channel's life, as on the platform.
        channel.expires_at = datetime.now(timezone.utc) + CHANNEL_LIFETIME
        return entities

    # -- delivery ---------------------------------------------------------------------
    def publish(self, topic: str, body: dict[str, Any]) -> int:
        """Send an event to every channel subscribed to ``topic``; return how many."""
        targets = [c for c in self.channels.values() if topic in c.topics]
        if not targets:
            return 0
        text = wire.envelope(topic, body)
        now = self._clock()
        for channel in targets:
            self._deliver(channel, text, now)
        return len(targets)

    def _deliver(self, channel: Channel, text: str, now: float) -> None:
        self.frames_published += 1
        if self.replay_window_s > 0:
            history = channel.history
            history.append((now, text))
            horizon = now - self.replay_window_s
            while history and history[0][0] < horizon:
                history.popleft()
        if channel.connection is not None:
            channel.connection.send(text)
        else:
            self.frames_lost += 1

    def send_raw(self, text: str, channel_id: str | None = None) -> int:
        """Push a raw frame (for fault injection) to one connected channel or all."""
        sent = 0
        for channel in self.channels.values():
            if channel_id and channel.id != channel_id:
                continue
            if channel.connection is not None:
                channel.connection.send(text)
                sent += 1
        return sent

    def attach(self, channel: Channel) -> Connection:
        """A socket connected: replace any earlier one and queue the replay window."""
        if channel.connection is not None:
            # One WebSocket per channel: a second connection disconnects the first.
            channel.connection.close(4000, "another connection took this channel")
        connection = Connection()
        channel.connection = connection
        channel.connections_made += 1
        if channel.connections_made > 1 and self.replay_window_s > 0:
            horizon = self._clock() - self.replay_window_s
            for at, text in channel.history:
                if at >= horizon:
                    connection.send(text)
        return connection

    def detach(self, channel_id: str, connection: Connection) -> None:
        channel = self.channels.get(channel_id)
        if channel is not None and channel.connection is connection:
            channel.connection = None

    def connections(self) -> list[Connection]:
        return [c.connection for c in self.channels.values() if c.connection is not None]

"""Notification channels as the client knows them: their info, the answer to a topic
subscription (``Permitted``/``Rejected`` per topic), and which conversations topics name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from assist_tui.model import SubscriptionRejected

if TYPE_CHECKING:
    from assist_tui.genesys.feed import EventFeed
    from assist_tui.genesys.rest import GenesysApi

CHANNELS_PATH = "/api/v2/notifications/channels"
_TRANSCRIPTION = re.compile(r"^v2\.conversations\.(?P<id>[^.]+)\.transcription$")


@dataclass
class ChannelInfo:
    id: str
    connect_uri: str
    expires: datetime | None


def parse_iso_time(value: Any) -> datetime | None:
    """A platform ISO-8601 time (``Z`` or an offset: a channel's ``expires``, a call's
    ``startTime``); None when missing or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def conversations_of(topics: set[str]) -> tuple[str, ...]:
    """The conversations whose transcription topics are among ``topics``."""
    found = (_TRANSCRIPTION.match(t) for t in topics)
    return tuple(sorted(m.group("id") for m in found if m))


async def apply_subscriptions(
    stream: EventFeed,
    path: str,
    method: str,
    topics: list[str],
    held: set[str],
    api: GenesysApi | None = None,
) -> list[SubscriptionRejected]:
    """POST (add) or PUT (replace) ``topics`` (with ``api``'s client, else the stream's);
    update ``held`` with what the platform took and emit (and return) the ones it refused."""
    answer = await (api or stream.api).json(
        method,
        path,
        json=[{"id": t} for t in topics],
        what=f"subscribing {len(topics)} topic(s)",
    )
    entities = answer.get("entities", []) if isinstance(answer, dict) else []
    states = {str(e.get("id")): e for e in entities if isinstance(e, dict)}
    rejected: list[SubscriptionRejected] = []
    for topic in topics:
        entity = states.get(topic)
        # The platform lists every requested topic; one it leaves out was not taken.
        state = str(entity.get("state", "")) if entity else "Missing"
        if state.lower() == "rejected" or entity is None:
            reason = (
                str(entity.get("rejectionReason") or "rejected")
                if entity
                else "not in the platform's answer"
            )
            missing = tuple(str(p) for p in (entity or {}).get("missingPermissions") or [])
            event = SubscriptionRejected(topic=topic, reason=reason, missing_permissions=missing)
            rejected.append(event)
            held.discard(topic)
            await stream.emit(event)
        else:
            held.add(topic)
    return rejected

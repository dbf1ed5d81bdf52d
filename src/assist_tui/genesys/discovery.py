"""Find live conversations: the analytics details query (paged, deduplicated) and the
``v2.routing.queues.{id}.conversations`` topic.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assist_tui.genesys.errors import ProtocolError
from assist_tui.genesys.rest import GenesysApi
from assist_tui.model import ConversationEnded, ConversationStarted, LiveConversation

log = logging.getLogger(__name__)

QUEUE_TOPIC = re.compile(r"^v2\.routing\.queues\.(?P<id>[^.]+)\.conversations$")
ENDED_STATES = frozenset({"terminated", "disconnected"})
MAX_PAGES = 50  # 5,000 conversations at the largest page size: more is not "watching"


def queue_topic(queue_id: str) -> str:
    return f"v2.routing.queues.{queue_id}.conversations"


def transcription_topic(conversation_id: str) -> str:
    return f"v2.conversations.{conversation_id}.transcription"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def live_query(
    *, start: datetime, end: datetime, queues: list[str], page_size: int, page: int
) -> dict[str, Any]:
    """The analytics details query for conversations that have not ended."""
    body: dict[str, Any] = {
        "interval": f"{_iso(start)}/{_iso(end)}",
        "order": "asc",
        "orderBy": "conversationStart",
        "paging": {"pageSize": page_size, "pageNumber": page},
        "conversationFilters": [
            {
                "type": "or",
                "predicates": [
                    {"type": "dimension", "dimension": "conversationEnd", "operator": "notExists"}
                ],
            }
        ],
    }
    if queues:
        body["segmentFilters"] = [
            {
                "type": "or",
                "predicates": [
                    {"type": "dimension", "dimension": "queueId", "value": q} for q in queues
                ],
            }
        ]
    return body


def _from_analytics(row: dict[str, Any]) -> LiveConversation | None:
    conversation_id = row.get("conversationId")
    if not isinstance(conversation_id, str) or not conversation_id:
        return None
    queue_id: str | None = None
    agent: str | None = None
    media: str | None = None
    for participant in row.get("participants") or []:
        if participant.get("purpose") == "agent" and participant.get("participantName"):
            agent = str(participant["participantName"])
        for session in participant.get("sessions") or []:
            media = media or session.get("mediaType")
            for segment in session.get("segments") or []:
                queue_id = queue_id or segment.get("queueId")
    started: datetime | None = None
    if isinstance(row.get("conversationStart"), str):
        try:
            started = datetime.fromisoformat(row["conversationStart"].replace("Z", "+00:00"))
        except ValueError:
            started = None
    return LiveConversation(
        conversation_id=conversation_id,
        queue_id=queue_id,
        agent_name=agent,
        started_at=started,
        media_type=media,
    )


async def discover_live(
    api: GenesysApi,
    *,
    queues: list[str] | None = None,
    lookback: timedelta = timedelta(hours=24),
    page_size: int = 100,
    now: datetime | None = None,
) -> list[LiveConversation]:
    """Every conversation without an end in the lookback window, oldest first, once each.

    Pages shift while data streams in, so rows are deduplicated by conversation id and
    paging stops at an empty page, at ``totalHits``, or after ``MAX_PAGES``.
    """
    end = now or datetime.now(timezone.utc)
    # Analytics intervals are at most 7 days; a few minutes ahead covers clock skew.
    start = end - min(lookback, timedelta(days=7)) + timedelta(minutes=1)
    end = end + timedelta(minutes=5)
    found: dict[str, LiveConversation] = {}
    for page in range(1, MAX_PAGES + 1):
        body = live_query(start=start, end=end, queues=queues or [], page_size=page_size, page=page)
        answer = await api.json(
            "POST",
            "/api/v2/analytics/conversations/details/query",
            json=body,
            what="the analytics query for live conversations",
        )
        if not isinstance(answer, dict):
            raise ProtocolError("the analytics query answered with something other than an object")
        rows = answer.get("conversations") or []
        for row in rows:
            if isinstance(row, dict) and "conversationEnd" not in row:
                live = _from_analytics(row)
                if live is not None:
                    found.setdefault(live.conversation_id, live)
        total = answer.get("totalHits")
        if not rows or (isinstance(total, int) and page * page_size >= total):
            break
    else:
        log.warning("live discovery stopped after %d pages", MAX_PAGES)
    return list(found.values())


class _QueueCall(BaseModel):
    model_config = ConfigDict(extra="ignore")
    state: str = ""


class _QueueParticipant(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    purpose: str = ""
    name: str | None = None
    queue_id: str | None = Field(None, alias="queueId")
    calls: list[_QueueCall] = Field(default_factory=list)
    chats: list[_QueueCall] = Field(default_factory=list)
    messages: list[_QueueCall] = Field(default_factory=list)


class QueueConversation(BaseModel):
    """The conversation body of a queue topic event (only what discovery needs)."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1)
    participants: list[_QueueParticipant] = Field(default_factory=list)


def translate_queue_event(
    body: dict[str, Any], queue_id: str, received_at: datetime
) -> ConversationStarted | ConversationEnded:
    """Started while any participant's media is live; ended when every one is over."""
    try:
        conversation = QueueConversation.model_validate(body)
    except ValidationError as exc:
        raise ValueError(
            f"queue conversation event: {exc.error_count()} invalid field(s)"
        ) from None
    media = [m for p in conversation.participants for m in (*p.calls, *p.chats, *p.messages)]
    if media and all(m.state.lower() in ENDED_STATES for m in media):
        return ConversationEnded(
            conversation_id=conversation.id,
            reason="all participants disconnected",
            received_at=received_at,
        )
    agent = next(
        (p.name for p in conversation.participants if p.purpose == "agent" and p.name), None
    )
    return ConversationStarted(
        conversation_id=conversation.id,
        queue_id=queue_id,
        agent_name=agent,
        received_at=received_at,
    )

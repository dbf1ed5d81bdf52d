"""Ask the platform about one conversation: ``GET /api/v2/conversations/{id}``.

Used after a stream gap to learn which followed calls ended while nobody could hear,
and which communications a call has (the recorded transcript is per communication).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assist_tui.genesys.channels import parse_iso_time
from assist_tui.genesys.discovery import translate_queue_event
from assist_tui.genesys.errors import ProtocolError
from assist_tui.genesys.rest import GenesysApi
from assist_tui.model import ConversationEnded, utc_now

MEDIA_KINDS = ("calls", "chats", "messages", "callbacks", "emails", "videos")
SILENT_PURPOSES = frozenset({"ivr", "acd", "workflow", "voicemail"})


@dataclass(frozen=True)
class ConversationStatus:
    conversation_id: str
    ended: bool
    communication_ids: tuple[str, ...]
    started_at: datetime | None = None  # the platform's ``startTime``, when it gave one


def parse_conversation(conversation_id: str, body: Any) -> ConversationStatus:
    """Ended when every participant's media is terminated or disconnected (as on queue
    topics); the communications are the ids of the media people speak on."""
    if not isinstance(body, dict):
        raise ProtocolError("the conversation lookup answered with something other than an object")
    try:
        event = translate_queue_event({**body, "id": conversation_id}, "", utc_now())
    except ValueError as exc:
        raise ProtocolError(f"the conversation lookup answered an unusable body: {exc}") from None
    comms: list[str] = []
    for participant in body.get("participants") or []:
        # IVR and ACD legs have communications too, but no one speaks on them: asking for
        # their recorded transcript would only ever be refused.
        if not isinstance(participant, dict) or participant.get("purpose") in SILENT_PURPOSES:
            continue
        for kind in MEDIA_KINDS:
            for media in participant.get(kind) or []:
                if isinstance(media, dict) and isinstance(media.get("id"), str):
                    comms.append(media["id"])
    ended = isinstance(event, ConversationEnded) or bool(body.get("endTime"))
    return ConversationStatus(
        conversation_id, ended, tuple(dict.fromkeys(comms)), parse_iso_time(body.get("startTime"))
    )


async def lookup_conversation(api: GenesysApi, conversation_id: str) -> ConversationStatus:
    """The conversation as the platform sees it now (NotFoundError if it does not know it)."""
    body = await api.json(
        "GET", f"/api/v2/conversations/{conversation_id}", what="looking up a conversation"
    )
    return parse_conversation(conversation_id, body)

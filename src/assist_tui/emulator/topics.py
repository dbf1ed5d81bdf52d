"""Which notification topics the emulator accepts, the permission each needs, and the
combined form ``prefix?a&b``; also the ``availabletopics`` listing built from the same table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SUGGESTIONS = r"(?:intent|knowledge\.article|knowledge\.search|response|script|thirdpartyaction)"
_DETAIL = r"(?:\*|[a-z]+(?:\.[a-z]+)*)"
_QUEUE_MEDIA = (
    r"(?:\.(?:calls|chats|messages|callbacks|emails|cobrowsesessions|screenshares|videos))?"
)

TRANSCRIPTION_PERMISSION = "conversation:transcription:view"


@dataclass(frozen=True)
class TopicRule:
    template: str  # as the platform lists it in availabletopics
    pattern: re.Pattern[str]
    permission: str
    description: str
    division_aware: bool = False


def _rule(template: str, regex: str, permission: str, description: str, **kw: bool) -> TopicRule:
    return TopicRule(template, re.compile(rf"^{regex}$"), permission, description, **kw)


TOPIC_RULES: tuple[TopicRule, ...] = (
    # Genesys's transcription notifications page: not division-aware.
    _rule(
        "v2.conversations.{id}.transcription",
        rf"v2\.conversations\.{_UUID}\.transcription",
        TRANSCRIPTION_PERMISSION,
        "Live transcripts of a conversation, published in groups.",
    ),
    _rule(
        "v2.conversations.{id}.suggestions.{type}",
        rf"v2\.conversations\.{_UUID}\.suggestions\.{_SUGGESTIONS}",
        "assistants:assistant:view",
        "Copilot suggestions made for a conversation.",
    ),
    _rule(
        "v2.routing.queues.{id}.conversations",
        rf"v2\.routing\.queues\.{_UUID}\.conversations{_QUEUE_MEDIA}",
        "routing:queue:view",
        "Every state change of the conversations of a queue (and per media: .calls, .chats, ...).",
        division_aware=True,
    ),
    _rule(
        "v2.detail.events.conversation.{id}.*",
        rf"v2\.detail\.events\.conversation\.{_UUID}\.{_DETAIL}",
        "analytics:conversationDetail:view",
        "Detail events of one conversation (segment starts and ends, wrap-up).",
    ),
    _rule(
        "v2.speechandtextanalytics.conversation.{id}.sentiment",
        rf"v2\.speechandtextanalytics\.conversation\.{_UUID}\.sentiment",
        "speechAndTextAnalytics:data:view",
        "Overall and trend sentiment of a conversation while it lasts.",
    ),
    _rule(
        "v2.conversations.chats.{id}",
        rf"v2\.conversations\.chats\.{_UUID}",
        "conversation:communication:view",
        "A chat's participants and their state (no message text: that is REST).",
    ),
    _rule(
        "v2.conversations.messages.{id}",
        rf"v2\.conversations\.messages\.{_UUID}",
        "conversation:communication:view",
        "A messaging conversation's participants, state and message ids (no text).",
    ),
    _rule(
        "v2.users.{id}.conversations",
        rf"v2\.users\.{_UUID}\.conversations",
        "conversation:communication:view",
        "The conversations of one user.",
    ),
)


def expand(topic: str) -> list[str]:
    """``prefix?a&b`` is ``prefix.a`` and ``prefix.b``; any other topic is itself."""
    prefix, sep, rest = topic.partition("?")
    if not sep:
        return [topic]
    return [f"{prefix}.{part}" for part in rest.split("&")] if prefix and rest else [topic]


def check(topic: str, permissions: frozenset[str]) -> tuple[bool, str, list[str]]:
    """(permitted, rejection reason, missing permissions) for one topic, combined or not."""
    missing: list[str] = []
    for part in expand(topic):
        rule = next((r for r in TOPIC_RULES if r.pattern.match(part)), None)
        if rule is None:
            return False, "Unknown or malformed topic", []
        if rule.permission not in permissions and rule.permission not in missing:
            missing.append(rule.permission)
    if missing:
        return False, "Missing permission", missing
    return True, "", []


def available_topics() -> dict[str, Any]:
    """``GET /api/v2/notifications/availabletopics`` as an AvailableTopicEntityListing."""
    return {
        "entities": [
            {
                "id": rule.template,
                "description": rule.description,
                "requiresPermissions": [rule.permission],
                "requiresDivisionPermissions": rule.division_aware,
                "enforced": True,
                "visibility": "Public",
                "transports": ["All"],
                "topicParameters": ["id"] if "{type}" not in rule.template else ["id", "type"],
            }
            for rule in TOPIC_RULES
        ]
    }

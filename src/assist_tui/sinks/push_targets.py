"""Where a suggestion goes to reach the agent: the request each delivery target makes.

``seed``: seed 004's ``POST /api/v2/interactions/events/agent/assist`` (not a public
Genesys API: for orgs or middleware that provide it). ``participant-attributes``: the
public ``PATCH .../participants/{participantId}/attributes``, which agent scripts can show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from assist_tui.model import Suggestion

PushTarget = Literal["seed", "participant-attributes", "none"]
SEED_PATH = "/api/v2/interactions/events/agent/assist"
ATTRIBUTES_PATH = "/api/v2/conversations/{}/participants/{}/attributes"
# Participant attributes are strings; these keys are what an agent script reads.
ATTRIBUTE_PREFIX = "assistTui"


@dataclass(frozen=True)
class PushRequest:
    method: str
    path: str
    body: dict[str, Any]


def participant_attributes_body(attributes: dict[str, str]) -> dict[str, Any]:
    """The PATCH body: ``{"attributes": {key: value}}``, every value a string."""
    return {"attributes": {str(k): str(v) for k, v in attributes.items()}}


def suggestion_attributes(suggestion: Suggestion) -> dict[str, str]:
    """A suggestion's fields as participant attributes (the latest one wins)."""
    return {
        f"{ATTRIBUTE_PREFIX}SuggestionId": suggestion.suggestion_id,
        f"{ATTRIBUTE_PREFIX}Title": suggestion.title,
        f"{ATTRIBUTE_PREFIX}Body": suggestion.body,
        f"{ATTRIBUTE_PREFIX}Links": " ".join(suggestion.links),
        f"{ATTRIBUTE_PREFIX}Rule": suggestion.rule_id,
    }


def push_request(
    target: PushTarget, suggestion: Suggestion, agent_participant_id: str | None
) -> PushRequest | None:
    """The call to make for ``target``; None when it cannot be made (no target, no agent)."""
    if target == "seed":
        return PushRequest(
            "POST",
            SEED_PATH,
            {
                "interactionId": suggestion.conversation_id,
                "type": "knowledge",
                "content": {
                    "title": suggestion.title,
                    "body": suggestion.body,
                    "links": list(suggestion.links),
                },
            },
        )
    if target == "participant-attributes" and agent_participant_id:
        return PushRequest(
            "PATCH",
            ATTRIBUTES_PATH.format(suggestion.conversation_id, agent_participant_id),
            participant_attributes_body(suggestion_attributes(suggestion)),
        )
    return None

"""What Genesys Copilot and speech analytics would say about the emulator's calls.

Copilot knowledge-article suggestions (``v2.conversations.{id}.suggestions.knowledge.article``),
overall sentiment (``v2.speechandtextanalytics.conversation.{id}.sentiment``), and the same
suggestions and a summary for the Copilot REST calls. Shapes follow the SDK's models.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from assist_tui.emulator import wire

if TYPE_CHECKING:
    from assist_tui.emulator.calls import LiveCall
    from assist_tui.emulator.hub import Hub
    from assist_tui.emulator.playback import RecognitionEvent

# word in a final -> (article title, snippet): what a knowledge base would surface.
ARTICLES: tuple[tuple[str, str, str], ...] = (
    (
        "billed twice",
        "Disputing a duplicate card charge",
        "Open a dispute and issue a provisional credit.",
    ),
    (
        "dispute",
        "Disputing a duplicate card charge",
        "Open a dispute and issue a provisional credit.",
    ),
    (
        "cancel",
        "Retention offers for auto policies",
        "Offer the loyalty discount before cancelling.",
    ),
    ("card", "Taking card payments by phone", "Pause recording while the card number is read."),
    (
        "supervisor",
        "Handling an escalation request",
        "Acknowledge, summarise, and offer a callback.",
    ),
    (
        "internet",
        "Troubleshooting a dropping line",
        "Check the line profile, then restart the modem.",
    ),
    ("tarjeta", "Tarjeta bloqueada: pasos", "Verifique la identidad y desbloquee la tarjeta."),
)
NEGATIVE = ("ridiculous", "twice", "cancel", "supervisor", "closing", "problem", "error", "wrong")
POSITIVE = ("thank", "great", "perfect", "appreciate", "stay", "gracias", "helpful")


def suggestion_topic(conversation_id: str) -> str:
    return f"v2.conversations.{conversation_id}.suggestions.knowledge.article"


def sentiment_topic(conversation_id: str) -> str:
    return f"v2.speechandtextanalytics.conversation.{conversation_id}.sentiment"


@dataclass
class CallInsight:
    """Copilot's state for one call."""

    suggestions: list[dict[str, Any]] = field(default_factory=list)  # REST Suggestion shape
    titles: set[str] = field(default_factory=set)
    score: float = 0.0
    previous: float = 0.0


class Copilot:
    """Listens to the calls' finals; publishes suggestions and sentiment as the platform does."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.calls: dict[str, CallInsight] = {}

    def on_event(self, call: LiveCall, event: RecognitionEvent | None) -> None:
        if event is None or not event.is_final or call.scenario == "synthetic":
            return  # scripted calls only: synthetic load keeps its offered rate exact
        state = self.calls.setdefault(call.conversation_id, CallInsight())
        text = event.text.lower()
        now = datetime.now(timezone.utc)
        for word, title, snippet in ARTICLES:
            if word in text and title not in state.titles:
                state.titles.add(title)
                self._suggest(call, event, state, title, snippet, now)
        if event.speaker == "customer":
            hits = sum(w in text for w in POSITIVE) - sum(w in text for w in NEGATIVE)
            state.previous, state.score = (
                state.score,
                max(-100.0, min(100.0, state.score + 25 * hits)),
            )
            self.hub.publish(
                sentiment_topic(call.conversation_id),
                {
                    "conversationId": call.conversation_id,
                    "sentimentOverallScore": state.score,
                    "sentimentTrendScore": state.score - state.previous,
                    "queueIds": [call.queue_id],
                },
            )

    def _suggest(
        self,
        call: LiveCall,
        event: RecognitionEvent,
        state: CallInsight,
        title: str,
        snippet: str,
        now: datetime,
    ) -> None:
        suggestion_id = str(uuid.uuid4())
        document_id = str(uuid.uuid5(uuid.NAMESPACE_URL, title))
        self.hub.publish(
            suggestion_topic(call.conversation_id),
            {
                "eventTime": wire.iso(now),
                "conversationId": call.conversation_id,
                "suggestionId": suggestion_id,
                "state": "Suggested",
                "triggerType": "Intent",
                "context": {
                    "queueId": call.queue_id,
                    "mediaType": "VOICE" if call.media_type == "voice" else "MESSAGE",
                    "userId": call.agent_user_id,
                    "utteranceId": event.utterance_id,
                    "language": call.spoken_language,
                    "participantType": "CUSTOMER" if event.speaker == "customer" else "AGENT",
                },
                "knowledgeArticle": {
                    "title": title,
                    "uri": f"/api/v2/knowledge/documents/{document_id}",
                    "snippets": [snippet],
                    "documentId": document_id,
                },
            },
        )
        state.suggestions.append(
            {
                "id": suggestion_id,
                "conversation": {"id": call.conversation_id},
                "type": "KnowledgeArticle",
                "dateCreated": wire.iso(now),
                "triggerType": "Intent",
                "state": "Suggested",
                "context": {"queue": {"id": call.queue_id}, "mediaType": "Voice"},
                "knowledgeArticle": {
                    "title": title,
                    "snippets": [snippet],
                    "document": {"id": document_id},
                },
            }
        )

    def suggestions(self, conversation_id: str) -> dict[str, Any]:
        """``GET /api/v2/conversations/{id}/suggestions`` as a SuggestionListing."""
        state = self.calls.get(conversation_id)
        return {"entities": list(state.suggestions) if state else []}

    def summaries(self, call: LiveCall) -> dict[str, Any]:
        """``GET /api/v2/conversations/{id}/summaries``: a summary once the call has ended."""
        body: dict[str, Any] = {"conversation": {"id": call.conversation_id}}
        if call.ended_at is not None:
            state = self.calls.get(call.conversation_id)
            titles = ", ".join(sorted(state.titles)) if state and state.titles else "no article"
            body["summary"] = {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, call.conversation_id)),
                "text": f"{call.title}. Knowledge used: {titles}.",
                "status": "Completed",
                "mediaType": "Call",
                "language": call.spoken_language,
                "dateCreated": wire.iso(call.ended_at),
            }
        return body

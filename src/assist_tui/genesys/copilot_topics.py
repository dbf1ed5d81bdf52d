"""The platform's own Agent Assist topics: Copilot suggestions and speech-analytics
sentiment, translated into the normalized model (``Insight``, ``PlatformSentiment``).

``v2.conversations.{id}.suggestions.{type}`` and
``v2.speechandtextanalytics.conversation.{id}.sentiment`` (shapes as the SDK's models).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assist_tui.model import Insight, PlatformSentiment, StreamEvent

SUGGESTION_TYPES = ("knowledge.article", "knowledge.search", "response")
SUGGESTION_TOPIC = re.compile(r"^v2\.conversations\.(?P<id>[^.]+)\.suggestions\.(?P<type>[a-z.]+)$")
SENTIMENT_TOPIC = re.compile(
    r"^v2\.speechandtextanalytics\.conversation\.(?P<id>[^.]+)\.sentiment$"
)
# Copilot suggestions carry no confidence (knowledge search may): weigh them as suggested.
COPILOT_RELEVANCE = 0.7


def topics(conversation_id: str) -> list[str]:
    """The platform Agent Assist topics of one conversation."""
    return [
        *(f"v2.conversations.{conversation_id}.suggestions.{t}" for t in SUGGESTION_TYPES),
        f"v2.speechandtextanalytics.conversation.{conversation_id}.sentiment",
    ]


class _Article(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str = ""
    snippets: list[str] = Field(default_factory=list)


class _CannedResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = ""
    content: str = ""


class _Suggestion(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    conversation_id: str = Field(alias="conversationId", min_length=1)
    suggestion_id: str = Field(alias="suggestionId", min_length=1)
    state: str = "Suggested"
    event_time: datetime | None = Field(None, alias="eventTime")
    confidence: float | None = Field(None, ge=0.0, le=1.0)
    knowledge_article: _Article | None = Field(None, alias="knowledgeArticle")
    canned_response: _CannedResponse | None = Field(None, alias="cannedResponse")


class _Sentiment(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    conversation_id: str = Field(alias="conversationId", min_length=1)
    overall: float = Field(alias="sentimentOverallScore", ge=-100.0, le=100.0)
    trend: float | None = Field(None, alias="sentimentTrendScore")


def _snippet(suggestion: _Suggestion) -> str:
    if suggestion.knowledge_article is not None:
        article = suggestion.knowledge_article
        return " — ".join(p for p in (article.title, *article.snippets[:1]) if p)
    if suggestion.canned_response is not None:
        return suggestion.canned_response.name or suggestion.canned_response.content
    return ""


def decode(
    topic: str, body: dict[str, Any], received_at: datetime
) -> list[StreamEvent] | str | None:
    """Events of a Copilot or sentiment frame; a reason if it is malformed; None if not ours."""
    if match := SUGGESTION_TOPIC.match(topic):
        try:
            suggestion = _Suggestion.model_validate(body)
        except ValidationError as exc:
            return f"bad suggestion event: {exc.error_count()} invalid field(s)"
        if suggestion.state != "Suggested":
            return []  # accepted, dismissed, rated...: the agent's business, not news here
        confidence = suggestion.confidence if suggestion.confidence is not None else 1.0
        return [
            Insight(
                conversation_id=suggestion.conversation_id,
                insight_id=suggestion.suggestion_id,
                insight_type=f"copilot.{match['type']}",
                confidence=confidence,
                relevance=round(confidence * COPILOT_RELEVANCE, 4),
                snippet=_snippet(suggestion)[:500],
                event_time=suggestion.event_time,
                received_at=received_at,
            )
        ]
    if SENTIMENT_TOPIC.match(topic):
        try:
            sentiment = _Sentiment.model_validate(body)
        except ValidationError as exc:
            return f"bad sentiment event: {exc.error_count()} invalid field(s)"
        return [
            PlatformSentiment(
                conversation_id=sentiment.conversation_id,
                overall=sentiment.overall,
                trend=sentiment.trend,
                received_at=received_at,
            )
        ]
    return None

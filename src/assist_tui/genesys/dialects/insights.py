"""Seed 002: ``/api/v2/analytics/events``, Agent Assist insights by filtered subscription.

Stream capacity is checked first (``GET /api/v2/analytics/events/streamlimits``). The
subscription's filters are validated before sending (``eq``, ``in``, ``gte``, ``lte`` on
four attributes); frames are JSON text or base64 JSON in binary frames; a 1008 close is
reported as a policy violation naming the filter the server most likely refused.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assist_tui.genesys.dialects.base import (
    Decoded,
    Dialect,
    Outgoing,
    SubscriptionInvalid,
    ack_from,
    clamp_confidence,
    load_object,
    rejected,
    schema_reason,
    total_decode,
)
from assist_tui.genesys.errors import GenesysError
from assist_tui.genesys.frame_limits import as_utc
from assist_tui.genesys.rest import GenesysApi
from assist_tui.model import Insight

LIMITS_PATH = "/api/v2/analytics/events/streamlimits"
EVENT_TYPE = "agentassist.insight"
FILTER_ATTRIBUTES = ("event_type", "insight_type", "confidence", "interaction_id")
TYPE_WEIGHTS = {"knowledge_recommendation": 1.0, "sentiment_alert": 0.8, "compliance_flag": 0.9}
DEFAULT_WEIGHT = 0.5
SNIPPET_CHARS = 250


class StreamLimitError(GenesysError):
    """Every concurrent insights stream of the organization is in use."""


class InsightFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["eq", "in", "gte", "lte"]
    attribute: Literal["event_type", "insight_type", "confidence", "interaction_id"]
    value: Any

    @model_validator(mode="after")
    def _value_fits(self) -> InsightFilter:
        listed = isinstance(self.value, list) and bool(self.value)
        if self.type == "in" and not (listed and all(isinstance(v, str) for v in self.value)):
            raise ValueError(f"'in' on {self.attribute} needs a non-empty list of strings")
        if self.type in ("gte", "lte"):
            if self.attribute != "confidence":
                raise ValueError(f"'{self.type}' only applies to confidence, not {self.attribute}")
            if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
                raise ValueError(f"'{self.type}' on confidence needs a number")
            if not 0.0 <= self.value <= 1.0:
                raise ValueError(f"confidence bound {self.value} is outside 0..1")
        if self.type == "eq" and not isinstance(self.value, str):
            raise ValueError(f"'eq' on {self.attribute} needs a string")
        return self


class ConfidenceWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_confidence: float = Field(ge=0.0, le=1.0)
    max_confidence: float = Field(1.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> ConfidenceWindow:
        if self.min_confidence > self.max_confidence:
            raise ValueError("min_confidence is above max_confidence")
        return self


class SubscriptionPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["subscribe"] = "subscribe"
    id: str = Field(min_length=1)
    filters: list[InsightFilter] = Field(min_length=1)
    interaction_ids: list[str]
    confidence_threshold: ConfidenceWindow


def build_subscription(
    subscription_id: str,
    interaction_ids: Sequence[str],
    filters: Sequence[dict[str, Any]],
    confidence: tuple[float, float],
) -> SubscriptionPayload:
    """A validated payload; ``SubscriptionInvalid`` names the bad filter and why."""
    try:
        return SubscriptionPayload(
            id=subscription_id,
            filters=[InsightFilter.model_validate(f) for f in filters],
            interaction_ids=list(interaction_ids),
            confidence_threshold=ConfidenceWindow(
                min_confidence=confidence[0], max_confidence=confidence[1]
            ),
        )
    except ValidationError as exc:
        raise SubscriptionInvalid(
            f"insights subscription is invalid: {schema_reason(exc).removeprefix('schema: ')}; "
            f"filters allow eq, in, gte, lte on {', '.join(FILTER_ATTRIBUTES)}"
        ) from None


class InsightFrame(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["agentassist.insight"]
    insight_id: str | None = None
    interaction_id: str = Field(min_length=1)
    insight_type: str = Field(min_length=1, max_length=80)
    confidence: float | None = None
    content: dict[str, Any] | str | None = None
    timestamp: datetime | None = None


def relevance(insight_type: str, confidence: float) -> float:
    """Seed 002's matrix: confidence weighted by how actionable the type is."""
    return round(confidence * TYPE_WEIGHTS.get(insight_type, DEFAULT_WEIGHT), 4)


def snippet(content: dict[str, Any] | str | None) -> str:
    if isinstance(content, dict) and isinstance(content.get("text"), str):
        text = str(content["text"])
    elif content is None:
        text = ""
    else:
        text = content if isinstance(content, str) else json.dumps(content, default=str)
    return text[:SNIPPET_CHARS]


class InsightsDialect(Dialect):
    name = "insights"
    path = "/api/v2/analytics/events"
    resubscribe = "whole-set"
    binary_base64 = True

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self._serial = itertools.count(1)
        self._ids = itertools.count(1)
        self.filters: list[dict[str, Any]] = self.default_filters()

    def default_filters(self) -> list[dict[str, Any]]:
        s = self.settings
        return [
            {"type": "eq", "attribute": "event_type", "value": EVENT_TYPE},
            {"type": "in", "attribute": "insight_type", "value": list(s.insight_types)},
            {"type": "gte", "attribute": "confidence", "value": s.min_confidence},
            {"type": "lte", "attribute": "confidence", "value": s.max_confidence},
        ]

    async def preflight(self, api: GenesysApi) -> None:
        limits = await api.json("GET", LIMITS_PATH, what="checking insight stream limits")
        if not isinstance(limits, dict):
            return
        current, most = limits.get("currentStreams"), limits.get("maxConcurrentStreams")
        if isinstance(current, int) and isinstance(most, int) and current >= most:
            raise StreamLimitError(
                f"insights: {current} of {most} concurrent event streams are already open "
                f"(GET {LIMITS_PATH}); close one, or ask for a higher limit, then retry"
            )

    def subscribe_messages(self, conversation_ids: Sequence[str]) -> list[Outgoing]:
        # Validated every time: the same checks whether the set is new or grown.
        s = self.settings
        payload = build_subscription(
            f"assist-tui-{next(self._serial)}",
            conversation_ids,
            self.filters,
            (s.min_confidence, s.max_confidence),
        )
        return [Outgoing(payload.model_dump_json(), ack_key="subscription")]

    def close_reason(self, code: int, reason: str) -> str:
        if code != 1008:
            return super().close_reason(code, reason)
        named = [f for f in self.filters if str(f.get("attribute")) in reason]
        suspect = named[0] if named else self._least_standard()
        shown = json.dumps(suspect) if suspect else "none found"
        why = f" ({reason[:120]})" if reason else ""
        return (
            f"policy violation (1008): the platform refused the insights subscription{why}; "
            f"likely bad filter: {shown}"
        )

    def _least_standard(self) -> dict[str, Any] | None:
        standard = {json.dumps(f, sort_keys=True) for f in self.default_filters()}
        odd = [f for f in self.filters if json.dumps(f, sort_keys=True) not in standard]
        return odd[0] if odd else (self.filters[0] if self.filters else None)

    @total_decode
    def decode(self, raw: str | bytes, received_at: datetime) -> Decoded:
        body = load_object(raw, received_at, allow_base64=True)
        if isinstance(body, Decoded):
            return body
        answer = ack_from(body, "subscription")
        if answer is not None:
            return answer
        kind = body.get("type")
        if kind != EVENT_TYPE:
            return rejected(f"unknown: event type {str(kind)[:40]!r}", raw, received_at)
        try:
            frame = InsightFrame.model_validate(body)
        except ValidationError as exc:
            return rejected(schema_reason(exc), raw, received_at)
        notes: list[str] = []
        confidence = clamp_confidence(frame.confidence, "insight", notes)
        return Decoded(
            events=[
                Insight(
                    conversation_id=frame.interaction_id,
                    insight_id=frame.insight_id or f"insight-{next(self._ids)}",
                    insight_type=frame.insight_type,
                    confidence=confidence,
                    relevance=relevance(frame.insight_type, confidence),
                    snippet=snippet(frame.content),
                    event_time=as_utc(frame.timestamp, "timestamp", notes),
                    received_at=received_at,
                )
            ]
        )

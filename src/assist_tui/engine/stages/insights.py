"""Insights stage: the platform's (or seed 002's) insights, redacted like a transcript,
kept per call and audited ``insight``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assist_tui.model import Insight

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine


class InsightStage:
    name = "insights"

    def __init__(self, engine: AssistEngine) -> None:
        self.engine = engine

    def on_insight(self, insight: Insight) -> None:
        state = self.engine.conversations.get(insight.conversation_id)
        if state is None:
            return
        # An insight may quote the caller: its snippet is redacted like a transcript.
        redaction = self.engine.redactor.redact(insight.snippet)
        if redaction.changed:
            insight = insight.model_copy(update={"snippet": redaction.text})
        state.add_insight(insight)
        self.engine.metrics.insights += 1
        self.engine.audit.append(
            "insight",
            {
                "type": insight.insight_type,
                "confidence": round(insight.confidence, 3),
                "relevance": insight.relevance,
                "snippet": insight.snippet[:120],
            },
            conversation=insight.conversation_id,
            actor="insights",
        )

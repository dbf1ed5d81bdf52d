"""Copilot suggestions and sentiment the platform makes itself, shown beside ours."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.genesys import copilot_topics
from assist_tui.model import Insight, PlatformSentiment

from .conftest import wait_until
from .test_engine_e2e import ended, running_engine


async def test_copilot_suggestions_and_sentiment_reach_the_conversation(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    call = emulator.emulator.director.prepare("billing-dispute")
    async with running_engine(emulator, tmp_path, matcher, [call]) as engine:
        await wait_until(lambda: len(engine.stream.topics) >= 5 if engine.stream else False)  # type: ignore[attr-defined]
        emulator.emulator.director.start(call, speed=30)
        await wait_until(lambda: ended(engine, call))
        state = engine.conversations[call.conversation_id]
        await wait_until(lambda: state.platform_sentiment is not None)
        copilot = [i for i in state.insights if i.insight_type.startswith("copilot.")]
        ours = [h.rule_id for h in state.hits]
    assert copilot, "the emulator's Copilot suggests an article for a billing dispute"
    assert copilot[0].insight_type == "copilot.knowledge.article"
    assert "Disputing a duplicate card charge" in copilot[0].snippet
    assert ours, "assist-tui's own hits are there beside Copilot's"
    assert state.platform_sentiment is not None and state.platform_sentiment.overall < 0
    # The call board reads it from the conversation's row.
    from assist_tui.engine.snapshot import row_of

    assert row_of(state).platform_sentiment == state.platform_sentiment.overall


def test_decode_suggestion_and_sentiment_bodies() -> None:
    now = datetime.now(timezone.utc)
    body = {
        "conversationId": "c1",
        "suggestionId": "s1",
        "state": "Suggested",
        "knowledgeArticle": {"title": "Refunds", "snippets": ["Refund within 30 days."]},
    }
    events = copilot_topics.decode("v2.conversations.c1.suggestions.knowledge.article", body, now)
    assert isinstance(events, list) and isinstance(events[0], Insight)
    assert events[0].snippet == "Refunds — Refund within 30 days."
    dismissed = copilot_topics.decode(
        "v2.conversations.c1.suggestions.knowledge.article", {**body, "state": "Dismissed"}, now
    )
    assert dismissed == []
    bad = copilot_topics.decode("v2.conversations.c1.suggestions.response", {"state": 3}, now)
    assert isinstance(bad, str) and bad.startswith("bad suggestion event")
    felt = copilot_topics.decode(
        "v2.speechandtextanalytics.conversation.c1.sentiment",
        {"conversationId": "c1", "sentimentOverallScore": -40.5, "sentimentTrendScore": -10},
        now,
    )
    assert isinstance(felt, list) and felt == [
        PlatformSentiment(conversation_id="c1", overall=-40.5, trend=-10.0, received_at=now)
    ]
    assert copilot_topics.decode("v2.users.u1.conversations", {}, now) is None

"""Seed-dialect rules that need no socket: subscription validation, URLs, close reasons,
source selection from the config, the environment and ``--source``."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from assist_tui.cli import _overrides, build_parser
from assist_tui.config import ConfigError, DialectSettings, load_settings
from assist_tui.genesys.dialect_stream import make_dialect
from assist_tui.genesys.dialects.base import SubscriptionInvalid
from assist_tui.genesys.dialects.insights import InsightsDialect, build_subscription, relevance
from assist_tui.genesys.dialects.transcription import TranscriptionDialect
from assist_tui.genesys.dialects.transcripts import TranscriptsDialect
from assist_tui.genesys.errors import GenesysError
from assist_tui.genesys.urls import redact_url
from assist_tui.model import UtteranceUpdate

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
GOOD_FILTERS = [
    {"type": "eq", "attribute": "event_type", "value": "agentassist.insight"},
    {"type": "in", "attribute": "insight_type", "value": ["sentiment_alert"]},
    {"type": "gte", "attribute": "confidence", "value": 0.5},
]


def test_transcription_subscribe_is_validated_before_sending() -> None:
    dialect = TranscriptionDialect(DialectSettings(model="m1", redaction="pii"))
    text = dialect.subscribe_message("0f7c6a4e-1111-4222-8333-944455556666", "p-1")
    assert '"redaction":{"enabled":true,"type":"pii"}' in text
    assert '"language":"en-US"' in text and '"maxConcurrentStreams":4' in text
    with pytest.raises(SubscriptionInvalid, match="'a b' is invalid: id"):
        dialect.subscribe_message("a b", None)


def test_language_must_be_xx_XX(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[dialect]\nlanguage = "english"\n')
    with pytest.raises(ConfigError, match=r"\[dialect\] language = .english."):
        load_settings(path, env={})


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ({"type": "neq", "attribute": "event_type", "value": "x"}, "type"),
        ({"type": "eq", "attribute": "agent_id", "value": "x"}, "attribute"),
        ({"type": "gte", "attribute": "insight_type", "value": 0.5}, "only applies to confidence"),
        ({"type": "lte", "attribute": "confidence", "value": 1.5}, "outside 0..1"),
        ({"type": "in", "attribute": "insight_type", "value": []}, "non-empty list"),
    ],
)
def test_insight_filters_outside_the_schema_are_refused(bad: dict[str, object], why: str) -> None:
    with pytest.raises(SubscriptionInvalid, match=why) as caught:
        build_subscription("s1", ["c1"], [*GOOD_FILTERS, bad], (0.0, 1.0))
    assert "filters allow eq, in, gte, lte" in str(caught.value)


def test_insight_confidence_window_must_be_ordered() -> None:
    with pytest.raises(SubscriptionInvalid, match="min_confidence is above"):
        build_subscription("s1", ["c1"], GOOD_FILTERS, (0.9, 0.2))


def test_policy_violation_names_the_filter_the_server_named() -> None:
    dialect = InsightsDialect(DialectSettings())
    reason = dialect.close_reason(1008, "invalid filter attribute: insight_type")
    assert reason.startswith("policy violation (1008)")
    assert '"attribute": "insight_type"' in reason
    dialect.filters.append({"type": "eq", "attribute": "queue", "value": "q"})
    assert '"attribute": "queue"' in dialect.close_reason(1008, "")  # the odd one out


def test_relevance_weights_confidence_by_type() -> None:
    assert relevance("knowledge_recommendation", 0.8) == 0.8
    assert relevance("sentiment_alert", 0.5) == 0.4
    assert relevance("something_new", 1.0) == 0.5


def test_transcripts_url_carries_the_token_and_redacts_it() -> None:
    url = TranscriptsDialect(DialectSettings(media_types=["chat"])).url(
        "wss://api.example.com", ["c1", "c2"], "s3cr3t-token"
    )
    assert "access_token=s3cr3t-token" in url and "conversationIds=c1,c2" in url
    assert "mediaTypes=chat" in url
    assert "s3cr3t-token" not in redact_url(url)


def test_transcripts_skip_system_and_empty_lines() -> None:
    raw = (
        '{"conversationId": "c1", "transcript": ['
        '{"speaker": "system", "text": "joined", "type": "system"},'
        '{"speaker": "agent", "text": "  "},'
        '{"speaker": "customer", "text": "hello there", "timestamp": "2026-01-01T00:00:00Z"}]}'
    )
    events = TranscriptsDialect(DialectSettings()).decode(raw, NOW).events
    assert len(events) == 1 and isinstance(events[0], UtteranceUpdate)
    assert events[0].text == "hello there" and events[0].is_final
    again = TranscriptsDialect(DialectSettings()).decode(raw, NOW).events[0]
    assert isinstance(again, UtteranceUpdate)
    assert again.utterance_id == events[0].utterance_id  # a replayed line dedups


def test_unknown_source_lists_the_known_ones() -> None:
    with pytest.raises(GenesysError, match="known: notifications, transcription"):
        make_dialect("smoke-signals", DialectSettings())


def test_source_from_file_env_and_flag(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[stream]\nsource = "transcripts"\n')
    assert load_settings(path, env={}).settings.stream.source == "transcripts"
    env = {"ASSIST_TUI_STREAM_SOURCE": "insights"}
    assert load_settings(path, env=env).settings.stream.source == "insights"
    args = build_parser().parse_args(["--source", "conversations-stream", "tail"])
    flagged = load_settings(path, env=env, overrides=_overrides(args)).settings
    assert flagged.stream.source == "conversations-stream"
    path.write_text('[stream]\nsource = "pigeon"\n')
    with pytest.raises(ConfigError, match=r"\[stream\] source = .pigeon."):
        load_settings(path, env={})

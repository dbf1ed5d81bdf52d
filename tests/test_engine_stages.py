"""Each stage on its own: conversation state, interruptions, latency, quality, relevance,
rules, NLP context and cooldown, the outbox."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assist_tui.config import QualitySettings
from assist_tui.engine.conversation import MAX_LINES, ConversationState
from assist_tui.engine.latency import LatencyHistogram, speech_latency_ms
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.quality import QualityGate
from assist_tui.engine.relevance import relevance, snippet
from assist_tui.engine.rules import RulesError, load_rules
from assist_tui.model import AudioMetrics, AudioStatus, Speaker, UtteranceUpdate
from assist_tui.sinks.outbox import Outbox

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def update(
    uid: str,
    text: str,
    *,
    final: bool,
    speaker: Speaker = Speaker.CUSTOMER,
    offset: int = 0,
    duration: int = 1000,
    **extra: object,
) -> UtteranceUpdate:
    return UtteranceUpdate.model_validate(
        {
            "conversation_id": "c",
            "utterance_id": uid,
            "text": text,
            "confidence": 0.9,
            "is_final": final,
            "speaker": speaker,
            "offset_ms": offset,
            "duration_ms": duration,
            "received_at": T0,
            **extra,
        }
    )


def test_partials_are_replaced_and_finals_deduplicated() -> None:
    state = ConversationState("c")
    state.apply(update("u1", "I want", final=False), "I want", False)
    state.apply(update("u1", "I want to", final=False), "I want to", False)
    assert [line.text for line in state.lines.values()] == ["I want to"]
    assert state.partial_ids() == ["u1"]
    result = state.apply(update("u1", "I want to cancel", final=True), "I want to cancel", False)
    assert result.new_final and state.partial_ids() == []
    replay = state.apply(update("u1", "I want to cancel", final=True), "x", False)
    late_partial = state.apply(update("u1", "I want", final=False), "I want", False)
    assert replay.duplicate and late_partial.duplicate
    assert state.finals == 1 and list(state.lines) == ["u1"]


def test_window_is_bounded() -> None:
    state = ConversationState("c")
    for i in range(MAX_LINES + 50):
        state.apply(update(f"u{i}", "x", final=True, offset=i * 2000), "x", False)
    assert len(state.lines) == MAX_LINES
    assert next(iter(state.lines)) == "u50"


def test_overlap_is_an_interruption_that_clears_the_other_partial() -> None:
    state = ConversationState("c")
    state.apply(
        update(
            "a1", "let me pull up", final=False, speaker=Speaker.AGENT, offset=1000, duration=3000
        ),
        "let me pull up",
        False,
    )
    state.nlp_context[Speaker.AGENT] = "let me pull up"
    result = state.apply(
        update("c1", "no", final=False, speaker=Speaker.CUSTOMER, offset=2500, duration=200),
        "no",
        False,
    )
    assert result.interruption is not None
    assert result.interruption.interrupter is Speaker.CUSTOMER
    assert result.interruption.interrupted is Speaker.AGENT
    assert result.interruption.overlap_ms == 1500
    assert "a1" not in state.lines and Speaker.AGENT not in state.nlp_context
    # A later turn that starts after the other ended is no interruption.
    state.apply(update("c1", "no", final=True, offset=2500, duration=200), "no", False)
    calm = state.apply(
        update("a2", "ok", final=False, speaker=Speaker.AGENT, offset=9000), "ok", False
    )
    assert calm.interruption is None and state.interruptions == 1


def test_interruption_never_touches_a_final() -> None:
    state = ConversationState("c")
    state.apply(
        update(
            "a1", "full sentence", final=True, speaker=Speaker.AGENT, offset=1000, duration=3000
        ),
        "full sentence",
        False,
    )
    result = state.apply(update("c1", "wait", final=False, offset=2000), "wait", False)
    assert result.interruption is not None
    assert state.lines["a1"].text == "full sentence" and state.lines["a1"].is_final
    assert state.lines["a1"].interrupted


def test_reset_context_keeps_finals() -> None:
    state = ConversationState("c")
    state.apply(update("u1", "done", final=True), "done", False)
    state.apply(update("u2", "half", final=False, offset=5000), "half", False)
    state.nlp_context[Speaker.CUSTOMER] = "done"
    state.cooldowns["r"] = 1.0
    state.reset_context()
    assert list(state.lines) == ["u1"] and not state.nlp_context and not state.cooldowns


def test_speech_latency() -> None:
    start = T0 - timedelta(seconds=10)
    u = update("u", "x", final=True, offset=8000, duration=1500, session_start=start)
    assert speech_latency_ms(u) == pytest.approx(500.0)
    by_event_time = update("u", "x", final=True, event_time=T0 - timedelta(milliseconds=120))
    assert speech_latency_ms(by_event_time) == pytest.approx(120.0)
    assert speech_latency_ms(update("u", "x", final=True)) is None


def test_latency_histogram_percentiles_and_share() -> None:
    hist = LatencyHistogram(window=1000, threshold_ms=500)
    for value in range(1, 101):
        hist.add(value * 10.0)  # 10 .. 1000 ms
    summary = hist.summary()
    assert summary is not None
    assert (summary.p50_ms, summary.p95_ms, summary.p99_ms) == (500.0, 950.0, 990.0)
    assert summary.mean_ms == pytest.approx(505.0)
    assert summary.under_threshold == pytest.approx(0.49)
    assert LatencyHistogram().summary() is None


@pytest.mark.parametrize(
    ("metrics", "language", "status", "reason"),
    [
        (
            {"snr_db": 25, "jitter_ms": 10, "packet_loss_pct": 0.1, "mos": 4.3},
            "en-US",
            "good",
            None,
        ),
        ({"snr_db": 12}, None, "degraded", "SNR"),
        ({"snr_db": 8}, None, "bad", "SNR"),
        ({"jitter_ms": 70}, None, "degraded", "jitter"),
        ({"packet_loss_pct": 5}, None, "bad", "packet loss"),
        ({"mos": 3.2}, None, "degraded", "MOS"),
        ({"codec": "audio/opus"}, None, "bad", "codec"),
        ({"codec": "audio/l16;rate=8000"}, None, "good", None),
        ({}, "es-US", "degraded", "language es-US"),
        (None, None, "unknown", None),
    ],
)
def test_quality_gate(
    metrics: dict | None, language: str | None, status: str, reason: str | None
) -> None:
    gate = QualityGate(QualitySettings())
    audio = AudioMetrics(conversation_id="c", **metrics) if metrics is not None else None
    verdict = gate.judge(audio, language)
    assert verdict.status is AudioStatus(status)
    if reason:
        assert any(reason in r for r in verdict.reasons)
    else:
        assert verdict.reasons == ()


def test_relevance_and_snippet() -> None:
    weights = {"churn": 0.9, "other": 0.4}
    assert relevance("churn", 0.5, weights) == 0.45
    assert relevance("unlisted", 1.0, weights) == 0.4
    assert relevance("churn", 1.7, weights) == 0.9
    text = " ".join(f"word{i}" for i in range(200))
    start = text.index("word150")
    cut = snippet(text, start, start + 7)
    assert len(cut) <= 250 and "word150" in cut
    assert cut.startswith("…") and cut.endswith("…")
    assert not cut[1:].startswith(" ") and " word" in cut
    assert snippet("short text") == "short text"


def test_rules_errors_name_the_rule_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rules]]\nid = "x"\ncategory = "c"\nseverity = "extreme"\nphrases = ["a"]\n')
    with pytest.raises(RulesError, match=r"rule 'x', severity"):
        load_rules(bad)
    bad.write_text('[[rules]]\nid = "x"\ncategory = "c"\n')
    with pytest.raises(RulesError, match="no phrases and no lemmas"):
        load_rules(bad)
    bad.write_text('[[rules]]\nid = "x"\ncategory = "c"\nlemmas = ["~ cancel"]\n')
    with pytest.raises(RulesError, match="must start and end with a word"):
        load_rules(bad)
    bad.write_text("[[rules]\n")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(bad)


def test_builtin_rules_match_lemmas_phrases_and_entities() -> None:
    matcher = KeywordMatcher(load_rules(), trained_pipeline="no_such_pipeline_installed")
    assert "not installed" in matcher.notice
    [cancel, supervisor, entity, nothing] = matcher.match(
        [
            "I'm cancelling my auto policy",
            "I want to speak to a supervisor",
            "I called First Harbor Bank yesterday",
            "Thanks, that's all for today",
        ]
    )
    assert [(m.rule_id, m.source) for m in cancel if m.source != "entity"] == [
        ("churn.cancel", "lemma")
    ]
    assert supervisor[0].rule_id == "escalation.supervisor" and supervisor[0].source == "phrase"
    assert [(m.rule_id, m.text) for m in entity] == [("entity.ORG", "First Harbor Bank")]
    assert nothing == []


def test_outbox_is_idempotent_ordered_per_conversation_and_holds(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    assert (
        box.enqueue_many([("k1", "a", {"n": 1}), ("k2", "a", {"n": 2}), ("k3", "b", {"n": 3})]) == 3
    )
    assert box.enqueue_many([("k1", "a", {"n": 1})]) == 0
    now = time.time()
    assert [i.key for i in box.due(now=now, held=set())] == ["k1", "k3"]
    assert [i.key for i in box.due(now=now, held={"a"})] == ["k3"]
    first = box.due(now=now, held=set())[0]
    box.settle([(first.id, "pending", now + 60, "503")])
    assert [i.key for i in box.due(now=now, held=set())] == ["k3"]  # a waits, in order
    box.settle([(first.id, "delivered", 0.0, None)])
    assert [i.key for i in box.due(now=now, held=set())] == ["k2", "k3"]
    box.close()
    reopened = Outbox(tmp_path / "o.sqlite3")
    assert reopened.counts() == {"pending": 2, "delivered": 1}


def test_an_explicit_interruption_flag_is_taken_as_given() -> None:
    state = ConversationState("c")
    state.apply(
        update("a1", "so what I", final=False, speaker=Speaker.AGENT, offset=0), "so what I", False
    )
    flagged = update("c1", "stop", final=False, offset=90_000, interruption_detected=True)
    result = state.apply(flagged, "stop", False)
    assert result.interruption is not None and result.interruption.explicit
    assert result.interruption.interrupted is Speaker.AGENT and "a1" not in state.lines

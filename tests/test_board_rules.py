"""Alert rules: said, not said (from the start and after another event), windows closing on
the tick and at call end, sentiment, silence, overtalk, bad audio, latency; the rules
file's errors; acknowledging."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assist_tui.audit.store import AuditStore
from assist_tui.engine.alert_rules import AlertRule, AlertRulesError, load_alert_rules
from assist_tui.engine.stages.alerts import AlertStage
from assist_tui.engine.stages.sentiment import CallSentiment
from assist_tui.engine.stages.talk import CallTalk
from assist_tui.model import Speaker, UtteranceUpdate

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=timezone.utc)
CID = "call-1"


def final(speaker: str, text: str, at_s: float, n: int = 0) -> UtteranceUpdate:
    return UtteranceUpdate(
        conversation_id=CID,
        speaker=Speaker(speaker),
        utterance_id=f"u{n}-{at_s}",
        text=text,
        confidence=0.9,
        is_final=True,
        offset_ms=int(at_s * 1000),
        duration_ms=1000,
        received_at=T0 + timedelta(seconds=at_s),
    )


def stage(tmp_path: Path, *rules: dict[str, object]) -> tuple[AlertStage, AuditStore]:
    audit = AuditStore(tmp_path / "audit.sqlite3")
    built = [AlertRule.model_validate({"title": "t", "severity": "high", **r}) for r in rules]
    s = AlertStage(built, audit)
    s.call(CID, T0)
    return s, audit


def say(s: AlertStage, speaker: str, text: str, at_s: float) -> None:
    s.on_final(final(speaker, text, at_s), text, None, None)


def rules_raised(s: AlertStage) -> list[str]:
    return [a.rule_id for a in s.newest_first()][::-1]


DISCLOSURE = {
    "id": "disclosure",
    "kind": "not_said",
    "speaker": "agent",
    "within_s": 30,
    "phrases": ["this call is recorded"],
}
RETENTION = {
    "id": "retention",
    "kind": "not_said",
    "speaker": "agent",
    "within_s": 60,
    "phrases": ["offer you"],
    "after": {"speaker": "customer", "lemmas": ["cancel"]},
}


def test_said_by_the_right_speaker_raises_once_per_cooldown(tmp_path: Path) -> None:
    s, audit = stage(
        tmp_path,
        {
            "id": "mgr",
            "kind": "said",
            "speaker": "customer",
            "phrases": ["speak to a manager"],
            "cooldown_s": 60,
        },
    )
    say(s, "agent", "I can let you speak to a manager", 1)  # the agent: not this rule
    assert rules_raised(s) == []
    say(s, "customer", "I want to SPEAK to a manager, now.", 2)
    say(s, "customer", "Let me speak to a manager!", 10)  # within the cooldown
    say(s, "customer", "speak to a manager", 70)
    assert rules_raised(s) == ["mgr", "mgr"]
    audit.flush()
    raised = list(audit.records(kinds=["alert_raised"]))
    assert [r.data["rule"] for r in raised] == ["mgr", "mgr"]


def test_phrases_match_whole_words_lemmas_and_patterns(tmp_path: Path) -> None:
    s, _ = stage(
        tmp_path,
        {"id": "p", "kind": "said", "phrases": ["cancel"]},
        {"id": "l", "kind": "said", "lemmas": ["cancel"]},
        {"id": "r", "kind": "said", "patterns": [r"\bidiot\b"]},
    )
    say(s, "customer", "I cancelled it yesterday", 1)  # lemma only, not the phrase
    assert rules_raised(s) == ["l"]
    say(s, "customer", "you IDIOT", 2)
    assert rules_raised(s) == ["l", "r"]


def test_not_said_from_the_start_fires_when_the_window_closes(tmp_path: Path) -> None:
    s, _ = stage(tmp_path, DISCLOSURE)
    say(s, "customer", "this call is recorded", 5)  # the wrong speaker does not count
    s.tick(CID, T0 + timedelta(seconds=29), None, False)
    assert rules_raised(s) == []  # the window is still open
    s.tick(CID, T0 + timedelta(seconds=31), None, False)
    assert rules_raised(s) == ["disclosure"]
    s.tick(CID, T0 + timedelta(seconds=90), None, False)
    assert rules_raised(s) == ["disclosure"]  # once


def test_not_said_is_satisfied_inside_the_window_only(tmp_path: Path) -> None:
    s, _ = stage(tmp_path, DISCLOSURE)
    say(s, "agent", "Hello, this call is recorded for quality.", 12)
    s.tick(CID, T0 + timedelta(seconds=40), None, False)
    assert rules_raised(s) == []
    (tmp_path / "late").mkdir()
    late, _ = stage(tmp_path / "late", DISCLOSURE)
    late.on_final(final("agent", "this call is recorded", 35), "this call is recorded", None, None)
    late.tick(CID, T0 + timedelta(seconds=36), None, False)
    assert rules_raised(late) == ["disclosure"]  # said after its window: too late


def test_not_said_fires_at_call_end_before_the_window_closes(tmp_path: Path) -> None:
    s, _ = stage(tmp_path, DISCLOSURE)
    s.tick(CID, T0 + timedelta(seconds=10), None, False, ended=True)
    assert rules_raised(s) == ["disclosure"]


def test_not_said_after_another_event(tmp_path: Path) -> None:
    s, _ = stage(tmp_path, RETENTION)
    s.tick(CID, T0 + timedelta(seconds=100), None, False)
    assert rules_raised(s) == []  # nothing opened the window
    say(s, "customer", "I want to cancel my plan", 120)
    say(s, "agent", "Before that, can I offer you three months free?", 150)
    s.tick(CID, T0 + timedelta(seconds=200), None, False)
    assert rules_raised(s) == []  # offered in time
    say(s, "customer", "No, just cancel it.", 210)  # a new window
    s.tick(CID, T0 + timedelta(seconds=269), None, False)
    assert rules_raised(s) == []
    s.tick(CID, T0 + timedelta(seconds=271), None, False)
    assert rules_raised(s) == ["retention"]
    alert = s.newest_first()[0]
    assert alert.detail == "not said within 60 s"


def test_sentiment_below_for_n_turns_latches(tmp_path: Path) -> None:
    s, _ = stage(
        tmp_path,
        {
            "id": "sour",
            "kind": "sentiment_below",
            "speaker": "customer",
            "threshold": -0.3,
            "turns": 3,
        },
    )
    felt = CallSentiment()
    scores = [-0.5, -0.6, 0.4, -0.5, -0.7, -0.8, -0.9, 0.5, -0.6, -0.6, -0.6]
    fired_at = []
    for i, score in enumerate(scores):
        felt.add("customer", score)
        felt.add("agent", 0.9)  # the agent's turns do not count for a customer rule
        update = final("customer", "x", i, i)
        before = len(s.alerts)
        s.on_final(update, "x", felt, None)
        if len(s.alerts) > before:
            fired_at.append(i)
    # Three low turns in a row at 5; still low at 6 (latched); cleared at 7; low again at 10.
    assert fired_at == [5, 10]


def test_silence_overtalk_bad_audio_and_latency(tmp_path: Path) -> None:
    s, _ = stage(
        tmp_path,
        {"id": "quiet", "kind": "silence_over", "seconds": 20},
        {"id": "over", "kind": "overtalk_over", "seconds": 5},
        {"id": "bad", "kind": "bad_audio_for", "seconds": 10},
        {"id": "slow", "kind": "latency_over", "threshold": 1500},
    )
    talk = CallTalk(last_heard_at=T0)
    s.tick(CID, T0 + timedelta(seconds=19), talk, True)
    assert rules_raised(s) == []
    s.tick(CID, T0 + timedelta(seconds=21), talk, True)
    s.tick(CID, T0 + timedelta(seconds=25), talk, True)
    assert rules_raised(s) == ["quiet"]  # bad since 19 s: 6 s so far
    s.tick(CID, T0 + timedelta(seconds=30), talk, True)
    assert rules_raised(s) == ["quiet", "bad"]
    talk.overtalk_ms = 5200
    s.tick(CID, T0 + timedelta(seconds=26), talk, False)
    assert rules_raised(s)[-1] == "over"
    s.on_final(final("agent", "hi", 30), "hi", None, 1600.0)
    assert rules_raised(s)[-1] == "slow"


def test_latency_over_measures_the_chosen_source(tmp_path: Path) -> None:
    s, _ = stage(
        tmp_path,
        {"id": "platform", "kind": "latency_over", "threshold": 1500},
        {"id": "ours", "kind": "latency_over", "threshold": 200, "source": "ours"},
    )
    assert s.rules[0].source == "platform"  # the default, as before
    s.on_final(final("agent", "a", 1), "a", None, 1600.0, own_ms=20.0)
    assert rules_raised(s) == ["platform"]
    s.on_final(final("agent", "b", 2, 1), "b", None, 100.0, own_ms=250.0)
    assert rules_raised(s) == ["platform", "ours"]
    assert s.newest_first()[0].detail == "final 250 ms processed"
    (tmp_path / "b").mkdir()
    s2, _ = stage(
        tmp_path / "b", {"id": "o", "kind": "latency_over", "threshold": 200, "source": "ours"}
    )
    s2.on_final(final("agent", "c", 3), "c", None, None)  # received at T0, long ago: measured
    assert rules_raised(s2) == ["o"]


def test_acknowledge_is_audited_and_refuses_unknown(tmp_path: Path) -> None:
    s, audit = stage(tmp_path, {"id": "p", "kind": "said", "phrases": ["refund"]})
    say(s, "customer", "I want a refund", 1)
    alert = s.newest_first()[0]
    assert s.open_summary(CID) == (1, "high")
    done = s.acknowledge(alert.alert_id, "sup-ann")
    assert done.acknowledged_by == "sup-ann" and not done.open
    assert s.open_summary(CID) == (0, None)
    with pytest.raises(KeyError, match="no open alert"):
        s.acknowledge(alert.alert_id, "sup-ann")
    with pytest.raises(KeyError, match="no open alert nope"):
        s.acknowledge("nope", "sup-ann")
    audit.flush()
    (record,) = audit.records(kinds=["alert_acknowledged"])
    assert record.actor == "sup-ann" and record.data["alert_id"] == alert.alert_id


def test_the_built_in_rules_load() -> None:
    ids = {r.id for r in load_alert_rules()}
    assert {
        "recording-disclosure",
        "retention-offer",
        "escalation-request",
        "abuse",
        "long-silence",
        "overtalk",
        "sentiment-falling",
    } <= ids


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (
            '[[alert]]\nid = "x"\ntitle = "t"\nkind = "not_said"\nphrases = ["a"]\n',
            "rule 'x', key (the rule): Value error, not_said needs within_s",
        ),
        (
            '[[alert]]\nid = "y"\ntitle = "t"\nkind = "said"\nseverity = "dire"\nphrases = ["a"]\n',
            "rule 'y', key severity",
        ),
        (
            '[[alert]]\nid = "z"\ntitle = "t"\nkind = "said"\npatterns = ["(unclosed"]\n',
            "not a valid regex",
        ),
        ('[[alert]]\nid = "w"\ntitle = "t"\nkind = "said"\n', "needs phrases, lemmas or patterns"),
        (
            '[[alert]]\nid = "v"\ntitle = "t"\nkind = "said"\nphrases = ["a"]\nwhen = 3\n',
            "rule 'v', key when",
        ),
        ("[[alert]\n", "not valid TOML"),
        (
            '[[alert]]\nid = "s"\ntitle = "t"\nkind = "latency_over"\nthreshold = 9\n'
            'source = "mine"\n',
            "rule 's', key source: Input should be 'platform' or 'ours'",
        ),
        (
            '[[alert]]\nid = "u"\ntitle = "t"\nkind = "said"\nphrases = ["a"]\nsource = "ours"\n',
            "'source' only applies to kind = \"latency_over\"",
        ),
    ],
)
def test_rules_file_errors_name_file_rule_and_key(tmp_path: Path, body: str, needle: str) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(body)
    with pytest.raises(AlertRulesError) as caught:
        load_alert_rules(path)
    assert str(path) in str(caught.value)
    assert needle in str(caught.value)


def test_a_call_taken_over_keeps_its_alerts_and_does_not_fire_them_again(
    tmp_path: Path,
) -> None:
    """Engine A raised the disclosure alert; engine B takes the call over at 60 s: the
    alert is B's now (acknowledgeable), and no second one is raised."""
    other = {**DISCLOSURE, "id": "other", "phrases": ["my name is"]}
    a, _ = stage(tmp_path, DISCLOSURE, other)
    a.tick(CID, T0 + timedelta(seconds=31), None, False)
    raised = a.of_call(CID)
    assert [r.rule_id for r in raised] == ["disclosure", "other"]
    (tmp_path / "b").mkdir()
    audit = AuditStore(tmp_path / "b" / "audit.sqlite3")
    built = [
        AlertRule.model_validate({"title": "t", "severity": "high", **r})
        for r in (DISCLOSURE, other)
    ]
    b = AlertStage(built, audit)
    b.continue_call(CID, T0, raised, [])
    b.tick(CID, T0 + timedelta(seconds=60), None, False)
    b.tick(CID, T0 + timedelta(seconds=90), None, False, ended=True)
    assert [x.alert_id for x in b.of_call(CID)] == [x.alert_id for x in raised]  # no new one
    assert b.acknowledge(raised[0].alert_id, "ana")  # B can take the acknowledgement
    # A window the finals before the takeover satisfied stays satisfied.
    (tmp_path / "c").mkdir()
    c = AlertStage(built, AuditStore(tmp_path / "c" / "audit.sqlite3"))
    said = [("agent", "Hello, this call is recorded.", T0 + timedelta(seconds=10))]
    c.continue_call(CID, T0, (), said)
    c.tick(CID, T0 + timedelta(seconds=40), None, False)
    assert [x.rule_id for x in c.of_call(CID)] == ["other"]  # only the one never said

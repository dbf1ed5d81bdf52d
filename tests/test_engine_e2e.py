"""The whole engine against the emulator: redaction everywhere, hits and pushes, quality,
the durable webhook, pause and resume. Real sockets, real SQLite, real spaCy."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from assist_tui.audit.store import AuditStore
from assist_tui.config import Settings
from assist_tui.emulator.calls import LiveCall
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.platform import Platform
from assist_tui.sinks.outbox import Outbox

from .conftest import fast_stream, session_for, wait_until

CARD_WORDS = re.compile(r"four one one one|(?<![0-9a-f-])4111|one one one one")  # not inside ids


def engine_settings(server: EmulatorServer, **sections: dict[str, Any]) -> Settings:
    data: dict[str, Any] = {
        "quality": {"poll_interval_s": 0.2},
        "webhook": {"url": f"{server.url}/emulator/knowledge", "interruption_hold_s": 0.2},
        "audit": {"flush_interval_s": 0.05},
        "nlp": {"cooldown_s": 0.0},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Settings.model_validate(data)


@contextlib.asynccontextmanager
async def running_engine(
    server: EmulatorServer,
    tmp_path: Path,
    matcher: KeywordMatcher,
    calls: list[LiveCall],
    **sections: dict[str, Any],
) -> AsyncIterator[AssistEngine]:
    settings = engine_settings(server, **sections)
    audit = AuditStore(tmp_path / "audit.sqlite3")
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    async with session_for(server) as session:
        platform = Platform(session, "TEST", fast_stream())
        engine = AssistEngine(
            settings,
            platform,
            audit=audit,
            outbox=outbox,
            conversations=[c.conversation_id for c in calls],
            matcher=matcher,
        )
        task = asyncio.create_task(engine.run())
        try:
            await asyncio.wait_for(engine.ready.wait(), 10)
            await wait_until(
                lambda: engine.health is not None and engine.health.state.value == "connected"
            )
            yield engine
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            audit.close()
            outbox.close()


def audit_rows(engine: AssistEngine) -> list[dict[str, Any]]:
    engine.audit.flush()
    return [r.as_json() for r in engine.audit.records()]


def ended(engine: AssistEngine, call: LiveCall) -> bool:
    state = engine.conversations.get(call.conversation_id)
    return state is not None and state.ended_at is not None


def outbox_drained(engine: AssistEngine) -> bool:
    assert engine.outbox is not None
    return engine.outbox.counts().get("pending", 0) == 0


async def test_card_payment_leaves_no_card_digits_anywhere(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    call = emulator.emulator.director.prepare("card-payment")
    async with running_engine(emulator, tmp_path, matcher, [call]) as engine:
        emulator.emulator.director.start(call, speed=15)
        await wait_until(lambda: ended(engine, call))
        await wait_until(lambda: outbox_drained(engine))
        await wait_until(lambda: not engine._background)
        rows = audit_rows(engine)
    texts = {
        # Record data only: hashes are random hex and may contain "4111" by chance.
        "audit": json.dumps([r["data"] for r in rows]),
        "webhook": json.dumps(emulator.emulator.knowledge_payloads),
        "push": json.dumps(emulator.emulator.assist_received)
        + json.dumps(list(emulator.emulator.attributes.values())),
    }
    for where, text in texts.items():
        leak = CARD_WORDS.search(text)
        assert leak is None, (
            f"card digits in the {where}: {text[max(0, leak.start() - 80) : leak.end() + 80]}"
        )
        assert "okafor" not in text.lower(), f"the e-mail address reached the {where}"
    assert "[CARD]" in texts["audit"], "the card turn should be audited, redacted"
    assert "[CARD]" in texts["webhook"], "the card turn should reach the webhook, redacted"
    assert "[EMAIL]" in texts["audit"]
    finals = [r for r in rows if r["kind"] == "final_utterance"]
    assert len(finals) == len(call.finals_sent), (len(finals), len(call.finals_sent))
    card_final = next(r for r in finals if "[CARD]" in r["data"]["text"])
    assert card_final["data"]["redactions"] == {"CARD": 1}
    # The payments rule fired and its suggestion was pushed (and audited, redacted).
    hits = [r["data"]["rule"] for r in rows if r["kind"] == "keyword_hit"]
    assert "payments.card" in hits, hits
    pushed = [r["data"] for r in rows if r["kind"] == "suggestion_pushed"]
    assert any(p["rule"] == "payments.card" for p in pushed), pushed


async def test_churn_phrase_gives_hit_push_and_audit(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    call = emulator.emulator.director.prepare("cancellation-retention")
    async with running_engine(emulator, tmp_path, matcher, [call]) as engine:
        emulator.emulator.director.start(call, speed=30)
        await wait_until(lambda: ended(engine, call))
        await wait_until(lambda: not engine._background)
        state = engine.conversations[call.conversation_id]
        rows = audit_rows(engine)
    churn = [h for h in state.hits if h.rule_id == "churn.cancel"]
    assert churn, "the customer says they want to cancel their policy"
    hit = churn[0]
    assert hit.speaker.value == "customer" and hit.severity == "high"
    assert 0 < hit.relevance <= 0.9 and len(hit.snippet) <= 250
    # Pushed where an agent script can show it: the agent participant's attributes.
    pushed = emulator.emulator.attributes[(call.conversation_id, call.participant_ids["agent"])]
    assert pushed["assistTuiTitle"] == "Churn risk: offer retention"
    assert any(s.outcome.value == "delivered" for s in state.suggestions.values())
    kinds = [r["kind"] for r in rows]
    assert "keyword_hit" in kinds
    pushes = [r for r in rows if r["kind"] == "suggestion_pushed"]
    assert pushes and all(p["data"]["result"] == "delivered" for p in pushes)
    # Agent speech is not matched by the customer-only rules.
    assert all(
        h.speaker.value == "customer" for h in state.hits if h.rule_id != "compliance.guarantee"
    )


async def test_push_to_an_ended_conversation_marks_it_inactive(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    call = emulator.emulator.director.prepare("billing-dispute")
    async with running_engine(emulator, tmp_path, matcher, [call]) as engine:
        emulator.emulator.director.end(call)  # the platform now answers 409 to pushes
        from assist_tui.model import Suggestion

        state = engine.conversations[call.conversation_id]
        suggestion = Suggestion(
            suggestion_id="s1",
            conversation_id=call.conversation_id,
            rule_id="billing.dispute",
            title="t",
            body="b",
        )
        await engine._push(state, suggestion)
        assert state.inactive
        assert state.suggestions["s1"].outcome.value == "conversation inactive"
        rows = audit_rows(engine)
    assert rows[-1]["kind"] == "suggestion_pushed"
    assert rows[-1]["data"]["result"] == "conversation inactive"


async def test_bad_line_goes_degraded_then_bad(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    call = emulator.emulator.director.prepare("tech-support-bad-line")
    async with running_engine(emulator, tmp_path, matcher, [call]) as engine:
        emulator.emulator.director.start(call, speed=6)
        await wait_until(lambda: ended(engine, call), timeout=30)
        state = engine.conversations[call.conversation_id]
        rows = audit_rows(engine)
    changes = [r["data"]["to"] for r in rows if r["kind"] == "quality_change"]
    assert "degraded" in changes and "bad" in changes
    assert changes.index("degraded") < changes.index("bad")
    assert state.verdict.status.value == "bad"
    assert any("MOS" in reason for reason in state.verdict.reasons)
    # Finals heard on the bad line are kept, flagged, and by default not sent out.
    bad_finals = [
        r for r in rows if r["kind"] == "final_utterance" and r["data"]["audio_status"] == "bad"
    ]
    assert bad_finals
    sent = {p["utteranceId"] for p in emulator.emulator.knowledge_payloads}
    assert not sent & {r["data"]["utterance_id"] for r in bad_finals}
    assert any(line.bad_audio for line in state.lines.values())


async def test_knowledge_endpoint_down_then_up_delivers_each_final_once(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    call = emulator.emulator.director.prepare("billing-dispute")
    emulator.emulator.knowledge_down = True
    async with running_engine(emulator, tmp_path, matcher, [call]) as engine:
        emulator.emulator.director.start(call, speed=30)
        await wait_until(lambda: ended(engine, call))
        await wait_until(lambda: engine.deliverer is not None and engine.deliverer.retries >= 1)
        assert not emulator.emulator.knowledge_received
        emulator.emulator.knowledge_down = False
        await wait_until(lambda: outbox_drained(engine), timeout=60)
        rows = audit_rows(engine)
    received = emulator.emulator.knowledge_received
    assert set(received) == set(call.finals_sent)
    assert set(received.values()) == {1}
    order = [p["utteranceId"] for p in emulator.emulator.knowledge_payloads]
    assert order == call.finals_sent  # in order per conversation
    results = [r["data"]["result"] for r in rows if r["kind"] == "webhook_delivery"]
    assert "retrying" in results and results.count("delivered") == len(call.finals_sent)


async def test_pause_holds_sync_and_resume_catches_up(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    call = emulator.emulator.director.prepare("spanish-caller")
    async with running_engine(emulator, tmp_path, matcher, [call]) as engine:
        engine.pause(call.conversation_id)
        emulator.emulator.director.start(call, speed=30)
        await wait_until(lambda: ended(engine, call))
        state = engine.conversations[call.conversation_id]
        assert state.finals == len(call.finals_sent)  # buffering went on while paused
        await asyncio.sleep(0.4)
        assert not emulator.emulator.knowledge_received  # but nothing was synced
        engine.resume(call.conversation_id)
        await wait_until(lambda: outbox_drained(engine))
        engine.reset_context(call.conversation_id)
        rows = audit_rows(engine)
    assert set(emulator.emulator.knowledge_received) == set(call.finals_sent)
    commands = [
        (r["kind"], r["actor"])
        for r in rows
        if r["kind"] in ("pause", "resume", "reset_context", "subscribe")
    ]
    assert commands == [
        ("subscribe", "engine"),
        ("pause", "supervisor"),
        ("resume", "supervisor"),
        ("reset_context", "supervisor"),
    ]
    assert any(r["kind"] == "quality_change" and r["data"]["to"] == "degraded" for r in rows)
    figures = engine.governance()
    assert figures["finals"] == len(call.finals_sent)
    assert 0 < figures["average_confidence"] <= 1
    assert figures["audit_counts"]["final_utterance"] == len(call.finals_sent)
    assert figures["share_under_warn"] is not None


async def test_subscribe_and_unsubscribe_at_run_time(
    emulator: EmulatorServer, tmp_path: Path, matcher: KeywordMatcher
) -> None:
    first = emulator.emulator.director.prepare("billing-dispute")
    second = emulator.emulator.director.prepare("angry-overtalk")
    async with running_engine(emulator, tmp_path, matcher, [first]) as engine:
        live = await engine.live_conversations()
        assert {c.conversation_id for c in live} >= {first.conversation_id, second.conversation_id}
        assert await engine.subscribe([second.conversation_id, "not-a-conversation"]) != []
        emulator.emulator.director.start(second, speed=30)
        await wait_until(lambda: ended(engine, second))
        state = engine.conversations[second.conversation_id]
        assert state.interruptions >= 1  # the angry customer talks over the agent
        await engine.unsubscribe([second.conversation_id])
        assert second.conversation_id not in engine.conversations
        rows = audit_rows(engine)
        assert engine.audit.verify().ok
    kinds = [(r["kind"], r["conversation"]) for r in rows]
    assert ("subscribe", second.conversation_id) in kinds
    assert ("unsubscribe", second.conversation_id) in kinds
    assert any(r["kind"] == "subscription_rejected" for r in rows)
    assert any(r["kind"] == "interruption" for r in rows)

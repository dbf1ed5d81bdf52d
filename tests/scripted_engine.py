"""A deterministic engine for snapshot tests: fixed events with fixed times, no sockets.

Everything the screens show comes from here, so a snapshot changes only when the UI does.
"""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import datetime, timedelta, timezone
from pathlib import Path

from assist_tui.audit.store import AuditStore
from assist_tui.config import GenesysSettings, Settings
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.latency import LatencyHistogram
from assist_tui.engine.nlp import shared_matcher
from assist_tui.engine.rules import load_rules
from assist_tui.genesys.session import GenesysSession
from assist_tui.model import (
    AudioMetrics,
    ConversationEnded,
    Insight,
    Speaker,
    StreamHealth,
    StreamState,
    Suggestion,
    SuggestionOutcome,
    UtteranceUpdate,
)
from assist_tui.platform import Platform

T0 = datetime(2026, 3, 2, 14, 30, 0, tzinfo=timezone.utc)
A = Speaker.AGENT
C = Speaker.CUSTOMER

CALLS: dict[str, list[tuple[Speaker, str]]] = {
    "7d3f0c2a-5b1e-4c6d-9a8f-1e2d3c4b5a69": [
        (A, "Thank you for calling First Harbor Bank, this is Hannah. How can I help?"),
        (C, "Hi, I was charged twice for the same purchase and I want it fixed."),
        (A, "I'm sorry about that. Can you confirm the last four digits of the card?"),
        (C, "Sure, my card number is 4111 1111 1111 1111."),
        (A, "Thank you. I can see the duplicate charge and I will reverse it today."),
        (C, "Honestly if this happens again I will cancel my account."),
        (A, "I understand. I have added a note and waived the late fee as well."),
    ],
    "2b8e4f61-0c3d-4a7e-8b9f-6d5c4b3a2f10": [
        (A, "Tech support, Owen speaking. What seems to be the problem?"),
        (C, "My online banking app keeps logging me out and I can't reset my password."),
        (A, "Let's send you a password reset link first."),
    ],
    "c0ffee00-1234-4abc-9def-0123456789ab": [
        (A, "Keystone Insurance payments, this is Tomás."),
        (C, "I'd like to pay my premium that's overdue."),
    ],
}
AUDIO = {
    "7d3f0c2a-5b1e-4c6d-9a8f-1e2d3c4b5a69": (27.5, 9.0, 0.2, 4.3),
    "2b8e4f61-0c3d-4a7e-8b9f-6d5c4b3a2f10": (12.0, 70.0, 3.1, 3.2),
    "c0ffee00-1234-4abc-9def-0123456789ab": (24.0, 12.0, 0.4, 4.1),
}


async def scripted_engine(tmp_path: Path) -> AssistEngine:
    """An engine holding three finished calls, as if it had watched them."""
    settings = Settings.model_validate(
        {"nlp": {"cooldown_s": 0, "trained_pipeline": ""}, "push": {"enabled": False}}
    )
    # Never contacted: the engine only needs a platform to exist.
    session = GenesysSession(GenesysSettings(api_base_url="http://127.0.0.1:9"))
    platform = Platform(session, "DEMO", settings.stream)
    engine = AssistEngine(
        settings,
        platform,
        audit=AuditStore(tmp_path / "audit.sqlite3"),
        conversations=list(CALLS),
        matcher=shared_matcher(load_rules()),
    )
    engine.health = StreamHealth(state=StreamState.CONNECTED, detail="connected")
    for n, (cid, turns) in enumerate(CALLS.items()):
        state = engine.state(cid)
        state.first_seen = T0 + timedelta(seconds=n)
        state.queue_id = ("billing", "support", "payments")[n]
        offset = 0
        for i, (speaker, text) in enumerate(turns):
            spoken = T0 + timedelta(seconds=n, milliseconds=offset + 2400)
            common = {
                "conversation_id": cid,
                "speaker": speaker,
                "utterance_id": f"{cid[:4]}-{i}",
                "session_start": T0 + timedelta(seconds=n),
                "offset_ms": offset,
                "duration_ms": 2400,
                "language": "en-US",
                "media_type": "voice",
            }
            half = " ".join(text.split()[: len(text.split()) // 2])
            await engine.process(
                UtteranceUpdate(
                    **common,
                    text=half,
                    confidence=0.81,
                    is_final=False,
                    received_at=spoken + timedelta(milliseconds=180 + 40 * i),
                )
            )
            await engine.process(
                UtteranceUpdate(
                    **common,
                    text=text,
                    confidence=0.93 - 0.01 * i,
                    is_final=True,
                    received_at=spoken + timedelta(milliseconds=320 + 55 * i),
                )
            )
            offset += 2900
        snr, jitter, loss, mos = AUDIO[cid]
        await engine.process(
            AudioMetrics(
                conversation_id=cid,
                snr_db=snr,
                jitter_ms=jitter,
                packet_loss_pct=loss,
                mos=mos,
                codec="audio/l16;rate=16000",
                detected_language="en-US",
                received_at=T0,
            )
        )
    await _match_keywords(engine)
    first = engine.conversations["7d3f0c2a-5b1e-4c6d-9a8f-1e2d3c4b5a69"]
    first.put_suggestion(
        Suggestion(
            suggestion_id="s-1",
            conversation_id=first.conversation_id,
            rule_id="churn.cancel",
            title="Retention offer",
            body="Offer the fee waiver and a follow-up call.",
            outcome=SuggestionOutcome.DELIVERED,
            at=T0 + timedelta(seconds=20),
        )
    )
    first.add_insight(
        Insight(
            conversation_id=first.conversation_id,
            insight_id="i-1",
            insight_type="sentiment_alert",
            confidence=0.9,
            relevance=0.72,
            snippet="The caller sounds frustrated: acknowledge and offer a next step.",
            received_at=T0 + timedelta(seconds=19),
        )
    )
    for n, cid in enumerate(CALLS):
        await engine.process(
            ConversationEnded(
                conversation_id=cid,
                reason="transcription session ended",
                received_at=T0 + timedelta(seconds=25 + 7 * n),
            )
        )
    engine.metrics.rate.rate = lambda: 12.5  # type: ignore[method-assign]
    # Our own processing time is measured against the wall clock, and these events were
    # stamped in the past: give the screen fixed figures instead.
    engine.metrics.own_latency = LatencyHistogram(100)
    for state in engine.conversations.values():
        state.own_latency = LatencyHistogram(100)
        for ms in (1.2, 1.8, 2.4, 3.9):
            state.own_latency.add(ms)
            engine.metrics.own_latency.add(ms)
    await session.aclose()
    return engine


async def _match_keywords(engine: AssistEngine) -> None:
    """Run the real NLP stage until it has matched every final, then fix the hit times."""
    worker = asyncio.create_task(engine._nlp_worker())
    while not engine._nlp_queue.empty():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    worker.cancel()
    for state in engine.conversations.values():
        state.hits = deque(
            (
                h.model_copy(update={"at": T0 + timedelta(seconds=3 + i)})
                for i, h in enumerate(state.hits)
            ),
            maxlen=state.hits.maxlen,
        )

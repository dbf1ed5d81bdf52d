"""Transcript stages, in order: latency (and the optional drop threshold), redaction (with
held finals, engine/pii/hold.py), conversation state (dedup, interruptions, audited
``interruption``), then each new final: audited ``final_utterance`` (which feeds the
knowledge outbox), the keyword queue and the call-board stages."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from assist_tui.engine.conversation import ConversationState, Line
from assist_tui.engine.latency import speech_latency_ms
from assist_tui.engine.redaction import Redaction
from assist_tui.model import AudioStatus, Interruption, UtteranceUpdate, utc_now
from assist_tui.sinks.outbox_feed import WEBHOOK_FIELD, webhook_fields

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine

HOLD_TICK_S = 0.25  # how often finals held past [redaction] hold_s are released


class TranscriptStage:
    name = "transcript"

    def __init__(self, engine: AssistEngine) -> None:
        self.engine = engine

    def on_utterance(self, update: UtteranceUpdate) -> None:
        metrics = self.engine.metrics
        metrics.utterance_updates += 1
        if update.adjustments:
            metrics.confidence_clamps += len(update.adjustments)
        drop_ms = self.engine.latency_policy.drop_ms
        if drop_ms is not None:  # only then is the latency needed before redaction
            latency = speech_latency_ms(update)
            if latency is not None and latency > drop_ms:
                metrics.dropped_late += 1
                return
        # A final ending inside a digit run may be held (shown masked) until it is whole.
        for redacted, redaction in self.engine.hold.offer(update):
            self.on_redacted(redacted, redaction)

    def on_redacted(self, update: UtteranceUpdate, redaction: Redaction) -> None:
        self.engine.tap.redacted(update)  # recorders get it as redacted, in this order
        metrics = self.engine.metrics
        latency = speech_latency_ms(update)
        state = self.engine.state(update.conversation_id)
        if update.media_type is not None and state.media_type != update.media_type:
            state.media_type = update.media_type
            state.version += 1
        language_before = state.language
        result = state.apply(update, update.text, redaction.changed)
        if result.duplicate or result.line is None:
            metrics.duplicates += 1
            return
        line = result.line
        if latency is not None:
            line.latency_ms = latency
            line.late = latency > self.engine.latency_policy.warn_ms
            state.latency.add(latency)
            metrics.latency.add(latency)
            metrics.late += line.late
        if result.interruption is not None:
            self.on_interruption(state, result.interruption)
        if state.language != language_before:
            self.engine.audio.judge(state)  # the spoken language is one of the quality gates
        if result.new_final:
            with self.engine.guard.stage("final", update):
                self.on_final(state, line, update, redaction.found)
        own_ms = (utc_now() - update.received_at).total_seconds() * 1000
        metrics.own_latency.add(own_ms)
        state.own_latency.add(own_ms)

    def release_held(self, conversation_id: str | None = None) -> None:
        """Pass on held finals now (a conversation ended, or the engine stops)."""
        for redacted, redaction in self.engine.hold.release(conversation_id):
            self.on_redacted(redacted, redaction)

    async def release_periodically(self) -> None:
        while True:
            await asyncio.sleep(HOLD_TICK_S)
            for redacted, redaction in self.engine.hold.expired():
                with self.engine.guard.stage("redaction", redacted):
                    self.on_redacted(redacted, redaction)

    def on_interruption(self, state: ConversationState, interruption: Interruption) -> None:
        self.engine.metrics.interruptions += 1
        state.hold_sync_until = time.monotonic() + self.engine.settings.webhook.interruption_hold_s
        self.engine.audit.append(
            "interruption",
            {
                "interrupter": interruption.interrupter.value,
                "interrupted": interruption.interrupted.value,
                "utterance_id": interruption.utterance_id,
                "overlap_ms": interruption.overlap_ms,
                "explicit": interruption.explicit,
            },
            conversation=state.conversation_id,
            actor="pipeline",
        )

    def on_final(
        self, state: ConversationState, line: Line, update: UtteranceUpdate, found: Any
    ) -> None:
        metrics = self.engine.metrics
        metrics.finals += 1
        metrics.confidence_total += update.confidence
        metrics.redactions.update(found)
        status = state.verdict.status
        line.bad_audio = status is AudioStatus.BAD
        data: dict[str, Any] = {
            "utterance_id": update.utterance_id,
            "speaker": update.speaker.value,
            "text": line.text,
            "confidence": round(update.confidence, 4),
            "latency_ms": round(line.latency_ms, 1) if line.latency_ms is not None else None,
            "audio_status": status.value,
            "redactions": dict(found),
            **self.engine.gaps.audit_extra(update),
        }
        if (
            self.engine.outbox is not None
            and self.engine.webhook_url
            and (not line.bad_audio or self.engine.settings.quality.send_bad_audio_to_webhook)
        ):
            # The outbox is fed from this record once it is committed (sinks/outbox_feed.py).
            data[WEBHOOK_FIELD] = webhook_fields(
                offset_ms=update.offset_ms,
                duration_ms=update.duration_ms,
                language=update.language,
                received_at=update.received_at.isoformat(),
            )
        if self.engine.once_finals is not None:  # several engines: audited once (bus/once.py)
            self.engine.once_finals.offer(state.conversation_id, data)
        else:
            self.engine.audit.append(
                "final_utterance", data, conversation=state.conversation_id, actor="pipeline"
            )
        if update.speaker.value in self.engine._speakers:
            self.engine._nlp_queue.put_nowait((state, line, update))
        self.engine.board.on_final(update, line.text, line.latency_ms)

"""Audio quality stage: merges media statistics, judges each call's audio (audited
``quality_change``), and polls the platform's media statistics within its request budget."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from assist_tui.engine.conversation import ConversationState
from assist_tui.genesys.errors import GenesysError, NotFoundError
from assist_tui.genesys.media_stats import fetch_media_statistics
from assist_tui.model import AudioMetrics

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine

log = logging.getLogger(__name__)


class AudioStage:
    name = "audio"

    def __init__(self, engine: AssistEngine) -> None:
        self.engine = engine

    def on_audio(self, metrics: AudioMetrics) -> None:
        state = self.engine.conversations.get(metrics.conversation_id)
        if state is None:
            return
        old = state.audio
        if old is not None:
            merged = {
                k: v if v is not None else getattr(old, k) for k, v in metrics.model_dump().items()
            }
            metrics = AudioMetrics.model_validate(merged)
        state.audio = metrics
        self.judge(state)

    def judge(self, state: ConversationState) -> None:
        verdict = self.engine.gate.judge(state.audio, state.language)
        if verdict.status is not state.verdict.status:
            self.engine.audit.append(
                "quality_change",
                {
                    "from": state.verdict.status.value,
                    "to": verdict.status.value,
                    "reasons": list(verdict.reasons),
                },
                conversation=state.conversation_id,
                actor="quality",
            )
        state.verdict = verdict
        state.version += 1

    async def poll_media(self) -> None:
        """Poll telephony media statistics: no notification topic carries audio metrics.

        Calls are spread evenly within ``poll_budget_per_minute`` (the platform limits
        requests per app), so with many conversations each is polled less often than
        ``poll_interval_s``.
        """
        api = self.engine.platform.session.api
        quality = self.engine.settings.quality
        spacing = 60.0 / quality.poll_budget_per_minute
        last_polled: dict[str, float] = {}
        warned = False
        while True:
            await asyncio.sleep(spacing)
            now = time.monotonic()
            due = [
                (last_polled.get(cid, 0.0), cid)
                for cid, state in self.engine.conversations.items()
                if state.ended_at is None
                and now - last_polled.get(cid, 0.0) >= quality.poll_interval_s
            ]
            if not due:
                continue
            _, cid = min(due)  # the longest unpolled conversation goes first
            last_polled[cid] = now
            try:
                parsed = await fetch_media_statistics(api, cid)
            except NotFoundError:
                continue
            except GenesysError as exc:
                if not warned:
                    log.warning("media statistics unavailable: %s", exc)
                    warned = True
                continue
            if parsed is not None:
                await self.engine.process(parsed)
            for gone in [c for c in last_polled if c not in self.engine.conversations]:
                del last_polled[gone]

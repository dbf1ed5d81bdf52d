"""Starting an engine's stages: follow what is to be followed, restore what a killed run
showed, and start the tasks (consume, NLP, audit flusher, media, holds, board, webhook)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from assist_tui.engine.restore import restore_alerts, restore_lines
from assist_tui.sinks.webhook import WebhookDeliverer

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine
    from assist_tui.genesys.feed import EventFeed


async def start_stages(
    engine: AssistEngine, stream: EventFeed, http: httpx.AsyncClient, tasks: list[asyncio.Task[Any]]
) -> None:
    """Append the running stage tasks to ``tasks`` (the engine waits on them)."""
    assert engine.follower is not None
    await engine.follower.start()
    if not engine.follower.follow_all:
        for cid in engine.follower.following:
            engine.state(cid)
            engine._audit_command("subscribe", cid, actor="engine")
            engine.platform_insights.follow(stream, cid)
            engine.starts.fill(cid)
    # After a restart (a killed engine), what was shown comes back from the audit.
    restored = [engine.state(cid) for cid in engine.follower.following]
    lookback = timedelta(hours=engine.settings.discovery.lookback_hours)
    engine.guard.call("restore", restore_lines, engine.audit, restored, lookback, default=0)
    engine.guard.call(
        "restore", restore_alerts, engine.audit, engine.board.alerts, restored, lookback, default=0
    )
    tasks += [
        asyncio.create_task(engine._consume(stream), name="engine-consume"),
        asyncio.create_task(engine._nlp_worker(), name="engine-nlp"),
        asyncio.create_task(
            engine.audit.run_flusher(engine.settings.audit.flush_interval_s), name="engine-audit"
        ),
        asyncio.create_task(engine.audio.poll_media(), name="engine-media"),
        asyncio.create_task(engine._release_held_periodically(), name="engine-hold"),
        asyncio.create_task(engine._board_ticks(), name="engine-board"),
    ]
    if engine.outbox is not None and engine.webhook_url:
        engine._flush_outbox_now()  # finals a killed run audited but did not enqueue
        engine.deliverer = WebhookDeliverer(
            engine.outbox,
            engine.settings.webhook.model_copy(update={"url": engine.webhook_url}),
            http,
            engine.audit,
            engine.held_conversations,
            gate=engine.action_gate,
        )
        tasks.append(asyncio.create_task(engine._flush_outbox(), name="engine-outbox"))
        tasks.append(asyncio.create_task(engine.deliverer.run(), name="engine-webhook"))

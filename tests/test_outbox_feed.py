"""The outbox is derived from committed audit finals (never one without the other), and
the webhook delivers in parallel across conversations and in order within each."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from assist_tui.audit.store import AuditStore
from assist_tui.config import WebhookSettings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.sinks.outbox import Outbox
from assist_tui.sinks.outbox_feed import WEBHOOK_FIELD, feed, webhook_fields
from assist_tui.sinks.webhook import WebhookDeliverer


def final(store: AuditStore, conversation: str, uid: str, *, to_webhook: bool = True) -> None:
    data: dict[str, Any] = {
        "utterance_id": uid,
        "speaker": "customer",
        "text": f"text of {uid}",
        "confidence": 0.9,
        "latency_ms": 120.0,
        "audio_status": "good",
        "redactions": {},
    }
    if to_webhook:
        data[WEBHOOK_FIELD] = webhook_fields(
            offset_ms=10, duration_ms=20, language="en-US", received_at="2026-01-01T00:00:00+00:00"
        )
    store.append("final_utterance", data, conversation=conversation, actor="pipeline")


def keys(outbox: Outbox) -> list[str]:
    return [i.key for i in outbox.pending_after(0, 10_000)]


def test_only_committed_finals_reach_the_outbox_and_a_crash_is_repaired(tmp_path: Path) -> None:
    audit = AuditStore(tmp_path / "audit.sqlite3")
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    final(audit, "a", "u1")
    final(audit, "a", "u2", to_webhook=False)  # bad audio, or no webhook: audited only
    audit.append("keyword_hit", {"rule": "r"}, conversation="a")
    assert feed(audit, outbox) == 0  # nothing committed yet: nothing enqueued
    audit.flush()
    assert feed(audit, outbox) == 1 and keys(outbox) == ["u1"]
    item = outbox.pending_after(0)[0]
    assert item.payload == {
        "conversationId": "a",
        "utteranceId": "u1",
        "speaker": "customer",
        "text": "text of u1",
        "confidence": 0.9,
        "offsetMs": 10,
        "durationMs": 20,
        "language": "en-US",
        "latencyMs": 120.0,
        "audioStatus": "good",
        "receivedAt": "2026-01-01T00:00:00+00:00",
    }
    # A kill -9 after the audit commit and before the outbox heard of it:
    final(audit, "b", "u3")
    final(audit, "b", "u4")
    audit.flush()
    audit.close()
    outbox.close()
    audit, outbox = AuditStore(tmp_path / "audit.sqlite3"), Outbox(tmp_path / "outbox.sqlite3")
    assert feed(audit, outbox) == 2  # the restart's reconciliation
    assert feed(audit, outbox) == 0
    assert keys(outbox) == ["u1", "u3", "u4"]
    assert outbox.high_water() == 5  # the last final's audit seq
    # An outbox that lost its mark (older version) is rebuilt without duplicates.
    outbox._conn.execute("DELETE FROM outbox_meta")
    assert feed(audit, outbox) == 0 and keys(outbox) == ["u1", "u3", "u4"]
    audit.close()
    outbox.close()


async def test_parallel_across_conversations_in_order_within_each_through_an_outage(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    audit = AuditStore(tmp_path / "audit.sqlite3")
    order = {f"c{c}": [f"c{c}-u{n}" for n in range(25)] for c in range(8)}
    items = [
        (key, conversation, {"conversationId": conversation, "utteranceId": key})
        for n in range(25)
        for conversation, keys_ in order.items()
        for key in [keys_[n]]
    ]
    outbox.enqueue_many(items)
    emulator.emulator.inject("knowledge-down", "on")
    settings = WebhookSettings(url=f"{emulator.url}/emulator/knowledge", max_in_flight=6)
    held = {"c7"}
    async with httpx.AsyncClient() as http:
        deliverer = WebhookDeliverer(outbox, settings, http, audit, lambda: set(held))
        in_flight = 0
        most = 0
        post = http.post

        async def counting_post(*args: Any, **kwargs: Any) -> httpx.Response:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            try:
                return await post(*args, **kwargs)
            finally:
                in_flight -= 1

        http.post = counting_post  # type: ignore[method-assign]
        task = asyncio.create_task(deliverer.run(idle_s=0.02))
        deadline = time.monotonic() + 30
        while deliverer.retries < 7:  # every lane not held met the outage
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        emulator.emulator.inject("knowledge-down", "off")
        while deliverer.delivered < 7 * 25:
            assert time.monotonic() < deadline, deliverer.delivered
            await asyncio.sleep(0.05)
        assert not any(p["conversationId"] == "c7" for p in emulator.emulator.knowledge_payloads)
        held.clear()  # a paused conversation resumes: its records go, in order
        while deliverer.delivered < 8 * 25:
            assert time.monotonic() < deadline, deliverer.delivered
            await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    arrived = [p["utteranceId"] for p in emulator.emulator.knowledge_payloads]
    for conversation, expected in order.items():
        assert [k for k in arrived if k.startswith(f"{conversation}-")] == expected
    assert all(count == 1 for count in emulator.emulator.knowledge_received.values())
    assert 1 < most <= 6  # parallel, within the limit
    assert outbox.counts() == {"delivered": 200}
    audit.close()
    outbox.close()

"""Outbox throughput: finals per second delivered to a local receiver, and how fast the
backlog of a receiver outage drains.

Finals go the engine's way: audit record (committed in batches), fed to the outbox from
the audit (sinks/outbox_feed.py), delivered by ``WebhookDeliverer`` to the emulator's
stand-in knowledge endpoint in its own process.

    .venv/bin/python benchmarks/outbox_throughput.py [--burst 5000] [--conversations 50]
        [--rate 150] [--outage 60]

1. burst: ``--burst`` finals already audited, delivered from cold: finals/s.
2. outage: finals produced at ``--rate`` per second throughout; the receiver is down for
   ``--outage`` seconds, then back; time until the backlog is gone, and the rate it went.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _emulator import start_emulator

from assist_tui.audit.store import AuditStore
from assist_tui.config import WebhookSettings
from assist_tui.sinks.outbox import Outbox
from assist_tui.sinks.outbox_feed import WEBHOOK_FIELD, feed, webhook_fields
from assist_tui.sinks.webhook import WebhookDeliverer, webhook_limits

FEED_S = 0.1  # as the engine (OUTBOX_FLUSH_S)
FLUSH_S = 0.2  # as the default [audit] flush_interval_s
IN_FLIGHT = WebhookSettings().max_in_flight


class Producer:
    """Audits finals round-robin over the conversations, as the engine would."""

    def __init__(self, audit: AuditStore, conversations: int) -> None:
        self.audit = audit
        self.conversations = conversations
        self.made = 0

    def final(self) -> None:
        n = self.made
        self.made += 1
        self.audit.append(
            "final_utterance",
            {
                "utterance_id": f"bench-{n}",
                "speaker": "customer",
                "text": "I would like to check the balance of my account please",
                "confidence": 0.91,
                "latency_ms": 180.0,
                "audio_status": "good",
                "redactions": {},
                WEBHOOK_FIELD: webhook_fields(
                    offset_ms=n * 1000, duration_ms=900, language="en-US", received_at="x"
                ),
            },
            conversation=f"conv-{n % self.conversations}",
            actor="pipeline",
        )


async def pump(audit: AuditStore, outbox: Outbox) -> None:
    """The engine's two periodic jobs: commit the audit, feed the outbox from it."""
    last_flush = 0.0
    while True:
        await asyncio.sleep(FEED_S)
        if time.monotonic() - last_flush >= FLUSH_S:
            await asyncio.to_thread(audit.flush)
            last_flush = time.monotonic()
        await asyncio.to_thread(feed, audit, outbox)


async def until(predicate: object, timeout: float) -> float:
    started = time.monotonic()
    while not predicate():  # type: ignore[operator]
        if time.monotonic() - started > timeout:
            raise TimeoutError
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def burst(url: str, work: Path, count: int, conversations: int) -> float:
    audit = AuditStore(work / "burst-audit.sqlite3")
    outbox = Outbox(work / "burst-outbox.sqlite3")
    producer = Producer(audit, conversations)
    for _ in range(count):
        producer.final()
    audit.flush()
    async with httpx.AsyncClient(limits=webhook_limits(IN_FLIGHT)) as http:
        deliverer = WebhookDeliverer(
            outbox, WebhookSettings(url=url, max_in_flight=IN_FLIGHT), http, audit, set
        )
        tasks = [asyncio.create_task(pump(audit, outbox)), asyncio.create_task(deliverer.run())]
        elapsed = await until(lambda: deliverer.delivered >= count, 300)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    audit.close()
    outbox.close()
    return count / elapsed


async def outage(
    base: str, work: Path, rate: float, seconds: float, conversations: int
) -> tuple[int, float, float]:
    audit = AuditStore(work / "outage-audit.sqlite3")
    outbox = Outbox(work / "outage-outbox.sqlite3")
    producer = Producer(audit, conversations)
    stop = asyncio.Event()

    async def produce() -> None:
        started = time.monotonic()
        while not stop.is_set():
            due = int((time.monotonic() - started) * rate)
            while producer.made < due:
                producer.final()
            await asyncio.sleep(0.01)

    async with httpx.AsyncClient(limits=webhook_limits(IN_FLIGHT)) as http:
        await http.post(f"{base}/emulator/faults", json={"fault": "knowledge-down"})
        settings = WebhookSettings(url=f"{base}/emulator/knowledge", max_in_flight=IN_FLIGHT)
        deliverer = WebhookDeliverer(outbox, settings, http, audit, set)
        tasks = [
            asyncio.create_task(produce()),
            asyncio.create_task(pump(audit, outbox)),
            asyncio.create_task(deliverer.run()),
        ]
        await asyncio.sleep(seconds)
        backlog = producer.made - deliverer.delivered
        await http.post(f"{base}/emulator/faults", json={"fault": "knowledge-down", "value": "off"})
        at_up, delivered_at_up = time.monotonic(), deliverer.delivered
        # Drained: delivery has caught up with production (within one feed period).
        drain = await until(lambda: producer.made - deliverer.delivered <= rate * 0.5, 600)
        drained_rate = (deliverer.delivered - delivered_at_up) / (time.monotonic() - at_up)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    audit.close()
    outbox.close()
    return backlog, drain, drained_rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--rate", type=float, default=150.0, help="finals/s during the outage")
    parser.add_argument("--outage", type=float, default=60.0, help="receiver down, seconds")
    parser.add_argument("--in-flight", type=int, default=IN_FLIGHT, help="[webhook] max_in_flight")
    args = parser.parse_args()
    globals()["IN_FLIGHT"] = args.in_flight
    process, base = start_emulator(0, 0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            per_s = await burst(f"{base}/emulator/knowledge", work, args.burst, args.conversations)
            print(
                f"burst: {args.burst} finals over {args.conversations} conversations: "
                f"{per_s:,.0f} finals/s delivered"
            )
            backlog, drain, drained_rate = await outage(
                base, work, args.rate, args.outage, args.conversations
            )
            print(
                f"outage: {args.outage:.0f} s down at {args.rate:.0f} finals/s: backlog "
                f"{backlog} finals, drained {drain:.1f} s after the receiver came back "
                f"({drained_rate:,.0f} finals/s delivered meanwhile, production included)"
            )
    finally:
        process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())

"""Engine throughput: the whole pipeline against a bare receive-and-parse loop.

The emulator runs in its own process and generates N synthetic conversations at R
events/s. In the same run this script measures (1) a bare loop that only receives the
frames and ``json.loads`` them, and (2) the full engine (frame guard, latency,
redaction, state, quality, NLP, audit, knowledge outbox) with no UI. It prints events/s
for both, their ratio, the engine's own latency (receipt to processed) p50/p99, and the
peak RSS of this process.

    .venv/bin/python benchmarks/engine_throughput.py --conversations 200 --rate 5000 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from _emulator import CLIENT_ID, CLIENT_SECRET, SYNTHETIC_QUEUE, start_emulator
from websockets.asyncio.client import connect

from assist_tui.audit.store import AuditStore
from assist_tui.config import Settings
from assist_tui.engine.engine import AssistEngine
from assist_tui.genesys.auth import ClientCredentials
from assist_tui.genesys.discovery import discover_live, queue_topic, transcription_topic
from assist_tui.genesys.session import GenesysSession
from assist_tui.platform import Platform
from assist_tui.sinks.outbox import Outbox


def session(url: str) -> GenesysSession:
    settings = Settings.model_validate(
        {"genesys": {"api_base_url": url, "login_base_url": url}}
    ).genesys
    return GenesysSession(settings, credentials=ClientCredentials(CLIENT_ID, CLIENT_SECRET))


async def bare_loop(url: str, seconds: float) -> float:
    """Frames/s of a loop that only receives and parses, following new conversations.

    New conversations announced on the queue topic are subscribed in one batch every
    100 ms, as a careful client would; the subscriptions are removed at the end.
    """
    async with session(url) as s:
        channel = await s.api.json("POST", "/api/v2/notifications/channels")
        path = f"/api/v2/notifications/channels/{channel['id']}/subscriptions"
        live = await discover_live(s.api)
        known = {c.conversation_id for c in live}
        topics = [queue_topic(SYNTHETIC_QUEUE)] + [transcription_topic(c) for c in known]
        await s.api.json("POST", path, json=[{"id": t} for t in topics])
        fresh: list[str] = []

        async def subscribe_fresh() -> None:
            while True:
                await asyncio.sleep(0.1)
                if fresh:
                    batch = [{"id": transcription_topic(c)} for c in fresh]
                    fresh.clear()
                    await s.api.json("POST", path, json=batch)

        subscriber = asyncio.create_task(subscribe_fresh())
        count = 0
        async with connect(channel["connectUri"], max_size=1 << 22, ping_interval=None) as ws:
            loop = asyncio.get_running_loop()
            end = loop.time() + seconds
            while loop.time() < end:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=max(end - loop.time(), 0.01))
                except asyncio.TimeoutError:
                    break
                frame = json.loads(raw)
                count += 1
                if frame.get("topicName", "").startswith("v2.routing.queues."):
                    cid = frame["eventBody"]["id"]
                    if cid not in known:
                        known.add(cid)
                        fresh.append(cid)
        subscriber.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await subscriber
        await s.api.request("DELETE", path)  # stop the emulator sending to this channel
        return count / seconds


async def pipeline(url: str, sink: str, seconds: float, data: Path) -> tuple[float, AssistEngine]:
    settings = Settings.model_validate(
        {
            "genesys": {"api_base_url": url, "login_base_url": url},
            # The knowledge webhook goes to another process, as it would in production:
            # the load generator must not also be the webhook's server.
            "webhook": {"url": f"{sink}/emulator/knowledge"},
            "stream": {"heartbeat_interval_s": 30},
            "nlp": {"trained_pipeline": ""},
        }
    )
    audit = AuditStore(data / "audit.sqlite3")
    outbox = Outbox(data / "outbox.sqlite3")
    async with session(url) as s:
        engine = AssistEngine(
            settings, Platform(s, "BENCH", settings.stream), audit=audit, outbox=outbox
        )
        task = asyncio.create_task(engine.run())
        await asyncio.wait_for(engine.ready.wait(), 60)
        await asyncio.sleep(1.0)  # let subscriptions settle before measuring
        first = engine.metrics.events
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        rate = (engine.metrics.events - first) / (time.perf_counter() - started)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    audit.close()
    outbox.close()
    return rate, engine


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5000.0, help="offered events/s")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    os.environ.setdefault("ASSIST_TUI_LOG_DIR", tempfile.mkdtemp(prefix="assist-bench-log-"))

    emulator, url = start_emulator(args.conversations, args.rate)
    sink, sink_url = start_emulator(0, 0)
    try:
        bare = asyncio.run(bare_loop(url, args.seconds))
        with tempfile.TemporaryDirectory(prefix="assist-bench-") as tmp:
            rate, engine = asyncio.run(pipeline(url, sink_url, args.seconds, Path(tmp)))
    finally:
        for process in (emulator, sink):
            process.terminate()
            process.wait(timeout=15)
    own = engine.metrics.own_latency.summary()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    m = engine.metrics
    print(f"offered load        : {args.conversations} conversations, {args.rate:.0f} events/s")
    print(f"bare receive+parse  : {bare:9.0f} events/s")
    print(f"full pipeline       : {rate:9.0f} events/s  (ratio {rate / bare:.2f}, target >= 0.50)")
    if own is not None:
        print(f"own latency         : p50 {own.p50_ms:.2f} ms, p99 {own.p99_ms:.2f} ms")
    print(
        f"finals {m.finals}, hits {m.hits}, NLP batches {m.nlp_batches} "
        f"(longest slice {m.nlp_max_batch_s * 1000:.1f} ms on the loop)"
    )
    if engine.deliverer is not None:
        print(f"webhook delivered   : {engine.deliverer.delivered} finals")
    print(f"peak RSS            : {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

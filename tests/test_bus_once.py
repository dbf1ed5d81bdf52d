"""Exactly-once actions across engines on a real nats-server: the done keys, the finals'
audit in order, and the push and webhook sinks of two engines sharing one done bucket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from assist_tui.audit.store import AuditStore
from assist_tui.bus.once import DoneKeys, done_bucket, done_key
from assist_tui.bus.subjects import Subjects
from assist_tui.config import WebhookSettings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.action_gate import FINAL, PUSH, WEBHOOK, Go, OrderedFinals, Verdict
from assist_tui.model import Suggestion, SuggestionOutcome
from assist_tui.sinks.assist_push import AssistPusher
from assist_tui.sinks.outbox import Outbox
from assist_tui.sinks.webhook import WebhookDeliverer

from .conftest import session_for, wait_until


@pytest.fixture
async def client(nats_server: str) -> AsyncIterator[Client]:
    nc = await nats.connect(nats_server)
    yield nc
    await nc.close()


async def keys(client: Client, engine: str, **kwargs: object) -> DoneKeys:
    name = Subjects("t").done_bucket
    kv = await done_bucket(client.jetstream(), name)
    return DoneKeys(kv, engine, client=client, bucket=name, **kwargs)  # type: ignore[arg-type]


async def test_the_first_claim_goes_the_second_skips_or_waits(client: Client) -> None:
    a, b = await keys(client, "a"), await keys(client, "b")
    assert (await a.begin(PUSH, "c.1", "s1")).go is Go.GO
    assert await b.begin(PUSH, "c.1", "s1") == await b.begin(PUSH, "c.1", "s1")
    assert (await b.begin(PUSH, "c.1", "s1")).go is Go.WAIT  # a is live and at it
    assert (await a.begin(PUSH, "c.1", "s1")).go is Go.GO  # a's own retry
    await a.finish(PUSH, "c.1", "s1")
    verdict = await b.begin(PUSH, "c.1", "s1")
    assert verdict.go is Go.SKIP and verdict.by == "a"
    assert done_key(PUSH, "c.1", "s1") == "push.c_1.s1"  # ids stay one token


async def test_a_final_is_done_as_soon_as_it_is_claimed(client: Client) -> None:
    a, b = await keys(client, "a"), await keys(client, "b")
    assert (await a.begin(FINAL, "c1", "u1")).go is Go.GO
    assert (await b.begin(FINAL, "c1", "u1")).go is Go.SKIP
    assert (await a.begin(FINAL, "c1", "u1")).go is Go.SKIP  # a replay is a duplicate too


async def test_a_dead_engines_claim_is_taken_over(client: Client) -> None:
    live = {"a", "b"}
    a = await keys(client, "a", is_live=live.__contains__)
    b = await keys(client, "b", is_live=live.__contains__)
    assert (await a.begin(WEBHOOK, "c1", "u1")).go is Go.GO
    assert (await b.begin(WEBHOOK, "c1", "u1")).go is Go.WAIT
    live.discard("a")  # a was killed between its claim and the post
    assert (await b.begin(WEBHOOK, "c1", "u1")).go is Go.GO
    await b.finish(WEBHOOK, "c1", "u1")
    assert (await a.begin(WEBHOOK, "c1", "u1")).go is Go.SKIP


async def test_two_engines_audit_each_final_once_in_order(client: Client, tmp_path: Path) -> None:
    audits = [AuditStore(tmp_path / f"audit-{n}.sqlite3") for n in "ab"]
    gates = [
        OrderedFinals(await keys(client, n), audit) for n, audit in zip("ab", audits, strict=True)
    ]
    finals = [{"utterance_id": f"u{i}", "text": f"line {i}"} for i in range(300)]
    for data in finals:  # both engines see every final (a handover's overlap)
        for gate in gates:
            gate.offer("conv-1", dict(data))
    await wait_until(lambda: all(g.pending == 0 for g in gates))
    for gate in gates:
        await gate.aclose()
    done = []
    for audit in audits:
        audit.flush()
        ids = [r.data["utterance_id"] for r in audit.records(kinds=["final_utterance"])]
        assert ids == sorted(ids, key=lambda u: int(u[1:]))  # in arrival order
        done += ids
        skipped = list(audit.records(kinds=["final_skipped"]))
        assert all(r.data["by"] in "ab" for r in skipped)
    assert sorted(done) == sorted(d["utterance_id"] for d in finals)  # each exactly once
    assert sum(g.skipped for g in gates) == len(finals)
    for audit in audits:
        audit.close()


async def test_finals_are_audited_unchecked_when_the_store_is_away(
    nats_server: str, tmp_path: Path
) -> None:
    nc = await nats.connect(nats_server, allow_reconnect=False)
    gate = await keys(nc, "a")
    await nc.close()
    audit = AuditStore(tmp_path / "audit.sqlite3")
    finals = OrderedFinals(gate, audit)
    finals.offer("c1", {"utterance_id": "u1"})
    await wait_until(lambda: finals.pending == 0)
    await finals.aclose()
    audit.flush()
    [record] = audit.records(kinds=["final_utterance"])
    assert record.data["once"] == "unchecked" and finals.unchecked == 1
    audit.close()


async def test_two_engines_push_a_suggestion_once(
    client: Client, emulator: EmulatorServer, tmp_path: Path
) -> None:
    call = emulator.emulator.director.prepare("cancellation-retention")
    suggestion = Suggestion(
        suggestion_id="same-hit",
        conversation_id=call.conversation_id,
        rule_id="churn.cancel",
        title="Churn risk",
        body="Offer the loyalty discount.",
    )
    audits = [AuditStore(tmp_path / f"audit-{n}.sqlite3") for n in "ab"]
    async with session_for(emulator) as session:
        pushers = []
        for name, audit in zip("ab", audits, strict=True):
            pusher = AssistPusher(session.api, audit, target="seed")
            pusher.gate = await keys(client, name)
            pushers.append(pusher)
        results = await asyncio.gather(*(p.push(suggestion) for p in pushers))
        again = await pushers[1].push(suggestion)
    assert len(emulator.emulator.assist_received) == 1
    outcomes = sorted(r.outcome.value for r in (*results, again))
    assert outcomes == [SuggestionOutcome.DELIVERED.value] + [SuggestionOutcome.NOT_SENT.value] * 2
    results_audited = []
    for audit in audits:
        audit.flush()
        results_audited += [r.data["result"] for r in audit.records(kinds=["suggestion_pushed"])]
        audit.close()
    assert sorted(results_audited) == ["delivered", "skipped", "skipped"]


async def test_two_engines_post_a_final_to_the_webhook_once(
    client: Client, emulator: EmulatorServer, tmp_path: Path
) -> None:
    import httpx

    url = f"{emulator.url}/emulator/knowledge"
    settings = WebhookSettings(url=url, max_in_flight=4)
    audits = [AuditStore(tmp_path / f"audit-{n}.sqlite3") for n in "ab"]
    outboxes = [Outbox(tmp_path / f"outbox-{n}.sqlite3") for n in "ab"]
    items = [(f"u{i}", "conv-1", {"utteranceId": f"u{i}", "text": "hi"}) for i in range(40)]
    for outbox in outboxes:
        outbox.enqueue_many(items)
    async with httpx.AsyncClient() as http:
        deliverers = [
            WebhookDeliverer(o, settings, http, a, set, gate=await keys(client, n))
            for n, o, a in zip("ab", outboxes, audits, strict=True)
        ]
        tasks = [asyncio.create_task(d.run(idle_s=0.02)) for d in deliverers]
        try:
            await wait_until(lambda: all(o.counts().get("pending", 0) == 0 for o in outboxes))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    received = emulator.emulator.knowledge_received
    assert sorted(received) == sorted(key for key, _, _ in items)
    assert set(received.values()) == {1}  # no final posted twice
    assert sum(d.delivered for d in deliverers) == len(items)
    assert sum(d.skipped for d in deliverers) == len(items)
    for audit, outbox in zip(audits, outboxes, strict=True):
        audit.close()
        outbox.close()


async def test_without_a_client_the_bucket_api_gives_the_same_verdicts(client: Client) -> None:
    name = Subjects("t").done_bucket
    plain = DoneKeys(await done_bucket(client.jetstream(), name), "b")
    fast = await keys(client, "a")
    assert (await plain.begin(PUSH, "c1", "s1")).go is Go.GO
    assert (await fast.begin(PUSH, "c1", "s1")).go is Go.WAIT
    await plain.finish(PUSH, "c1", "s1")
    assert (await fast.begin(PUSH, "c1", "s1")) == Verdict(Go.SKIP, "b")
    assert (await fast.begin(FINAL, "c1", "u1")).go is Go.GO
    assert (await plain.begin(FINAL, "c1", "u1")) == Verdict(Go.SKIP, "a")


async def test_a_claim_too_old_is_taken_over_even_from_a_live_engine(client: Client) -> None:
    now = [1000.0]
    a = await keys(client, "a", clock=lambda: now[0], stale_s=60.0)
    b = await keys(client, "b", clock=lambda: now[0], stale_s=60.0)
    assert (await a.begin(WEBHOOK, "c1", "u1")).go is Go.GO  # then a hangs, still beating
    now[0] += 59.0
    assert (await b.begin(WEBHOOK, "c1", "u1")).go is Go.WAIT
    now[0] += 2.0
    assert (await b.begin(WEBHOOK, "c1", "u1")).go is Go.GO
    assert (await a.begin(WEBHOOK, "c1", "u1")).go is Go.WAIT  # b holds it now
